package dev.noodle.engine.image;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pillow's colour quantization of 8-bit RGB images, re-stated so that results match Pillow's pixel for pixel:
 * {@code Image.quantize(colors)} (median cut, no k-means) for the palette, and {@code quantize(palette=...)} for
 * the mapping, without dithering or with Floyd–Steinberg error diffusion.
 *
 * <p>Median cut, as Pillow does it: the distinct colours are counted (keyed by Pillow's pixel hash; above 65536
 * keys the colours are shifted right one bit more until they fit); boxes live in a max-heap by pixel count (Pillow's
 * sift order decides ties); a box of volume 1 is dropped from the heap; a box is cut on the axis with the largest
 * range weighted 77:150:29 (R:G:B), at the colour value where the running pixel count from the top passes half,
 * that value going to the upper box (or, when nothing is left below, the lowest value alone goes to the lower box).
 * After {@code colors − 1} cuts the leaves, upper box first, are the palette: each the mean of its pixels rounded
 * half up.
 *
 * <p>Mapping, as Pillow's palette conversion: a colour takes the palette entry nearest (squared RGB distance,
 * lowest index on ties) to the corner of its 4×4×4 cache cell, (r &amp; ~3, g &amp; ~3, b &amp; ~3). Two Pillow
 * generations differ here ({@link Behaviour}): current Pillow searches only the palette's own entries and first keeps
 * a colour that is exactly in the palette; older Pillow (9.x) always goes through the cell and searches a palette
 * padded with black to 256 entries. Floyd–Steinberg diffuses the integer error 7/16 right and 3/16, 5/16, 1/16 to the next
 * row, divided with truncation, with Pillow's carry of the blue channel's last errors at the end of each row.
 *
 * <p>Pure Java, stateless.
 */
public final class PillowQuantize {
    private PillowQuantize() {}

    private static final int MAX_HASH_ENTRIES = 65536;

    /** Which Pillow's mapping to reproduce. */
    public enum Behaviour {
        /** Current Pillow: the palette's own entries, colours exactly in the palette kept as they are. */
        CURRENT,
        /** Pillow 9.x: every colour through the cache, over the palette padded with black to 256 entries. */
        PILLOW_9;

        /** The palette the mapping searches. */
        public int[][] searched(int[][] palette) {
            if (this == CURRENT || palette.length >= 256) {
                return palette;
            }
            int[][] padded = java.util.Arrays.copyOf(palette, 256);
            for (int i = palette.length; i < 256; i++) {
                padded[i] = new int[3];
            }
            return padded;
        }
    }

    /** Pillow's PIXEL_HASH on unsigned 32-bit arithmetic. */
    static int pixelHash(int r, int g, int b) {
        return (r * 463) ^ ((g << 8) * 10069) ^ ((b << 16) * 64997);
    }

    /** One distinct (shifted) colour and how many pixels have it. */
    private static final class Entry {
        final int r;
        final int g;
        final int b;
        long count;
        int box = -1;

        Entry(int r, int g, int b, long count) {
            this.r = r;
            this.g = g;
            this.b = b;
            this.count = count;
        }

        int v(int axis) {
            return axis == 0 ? r : axis == 1 ? g : b;
        }
    }

    private static final class Box {
        final List<Entry> entries;
        final long pixelCount;
        Box left;
        Box right;

        Box(List<Entry> entries, long pixelCount) {
            this.entries = entries;
            this.pixelCount = pixelCount;
        }

        int min(int axis) {
            int m = Integer.MAX_VALUE;
            for (Entry e : entries) {
                m = Math.min(m, e.v(axis));
            }
            return m;
        }

        int max(int axis) {
            int m = Integer.MIN_VALUE;
            for (Entry e : entries) {
                m = Math.max(m, e.v(axis));
            }
            return m;
        }

        long volume() {
            if (entries.isEmpty()) {
                return 0;
            }
            return (long) (max(0) - min(0) + 1) * (max(1) - min(1) + 1) * (max(2) - min(2) + 1);
        }
    }

    /**
     * The median-cut palette of {@code Image.quantize(colors)} for an RGB image.
     *
     * @param rgb packed 0xRRGGBB per pixel
     * @param colors 1 to 256
     * @return palette entries [n][3], n ≤ colors, in Pillow's order
     */
    public static int[][] medianCutPalette(int[] rgb, int colors) {
        if (colors < 1 || colors > 256) {
            throw new IllegalArgumentException("colors must be 1 to 256, got " + colors);
        }
        if (rgb.length == 0) {
            throw new IllegalArgumentException("no pixels to quantize");
        }
        // 1. distinct colours by Pillow's hash of the shifted colour, shifting further while there are too many
        int scale = 0;
        Map<Integer, Entry> hash = new HashMap<>();
        for (int p : rgb) {
            int r = (p >> 16) & 0xFF;
            int g = (p >> 8) & 0xFF;
            int b = p & 0xFF;
            int key = pixelHash(r >> scale, g >> scale, b >> scale);
            Entry e = hash.get(key);
            if (e == null) {
                hash.put(key, new Entry(r, g, b, 1));
            } else {
                e.count++;
            }
            while (hash.size() > MAX_HASH_ENTRIES) {
                scale++;
                Map<Integer, Entry> next = new HashMap<>();
                for (Entry old : hash.values()) {
                    int k = pixelHash(old.r >> scale, old.g >> scale, old.b >> scale);
                    Entry kept = next.get(k);
                    if (kept == null) {
                        next.put(k, old);
                    } else {
                        kept.count += old.count;
                    }
                }
                hash = next;
            }
        }
        final int s = scale;
        List<Entry> scaled = new ArrayList<>();
        Map<Integer, Entry> byKey = new HashMap<>();
        for (Map.Entry<Integer, Entry> e : hash.entrySet()) {
            Entry o = e.getValue();
            Entry q = new Entry(o.r >> s, o.g >> s, o.b >> s, o.count);
            scaled.add(q);
            byKey.put(e.getKey(), q);
        }
        // 2. median cut
        Box root = new Box(scaled, rgb.length);
        List<Box> heap = new ArrayList<>();
        heap.add(null); // 1-based, as Pillow's heap
        heapAdd(heap, root);
        for (int n = colors; --n > 0; ) {
            Box box;
            do {
                box = heapRemove(heap);
            } while (box != null && box.volume() == 1);
            if (box == null) {
                break;
            }
            split(box);
            heapAdd(heap, box.left);
            heapAdd(heap, box.right);
        }
        // 3. leaves, upper box first, become the palette; each colour's pixels average into its entry
        List<Box> leaves = new ArrayList<>();
        collectLeaves(root, leaves);
        for (int i = 0; i < leaves.size(); i++) {
            for (Entry e : leaves.get(i).entries) {
                e.box = i;
            }
        }
        int n = leaves.size();
        long[][] sum = new long[n][3];
        long[] count = new long[n];
        for (int p : rgb) {
            int r = (p >> 16) & 0xFF;
            int g = (p >> 8) & 0xFF;
            int b = p & 0xFF;
            int box = byKey.get(pixelHash(r >> s, g >> s, b >> s)).box;
            sum[box][0] += r;
            sum[box][1] += g;
            sum[box][2] += b;
            count[box]++;
        }
        int[][] palette = new int[n][3];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                palette[i][c] = (int) (0.5 + (double) sum[i][c] / (double) count[i]);
            }
        }
        return palette;
    }

    private static void collectLeaves(Box b, List<Box> out) {
        if (b.left != null && b.right != null) {
            collectLeaves(b.left, out);
            collectLeaves(b.right, out);
        } else if (!b.entries.isEmpty()) {
            out.add(b);
        }
    }

    /** Pillow's box split: axis of the largest weighted range, cut at the running count's median value. */
    private static void split(Box box) {
        int[] weight = {77, 150, 29};
        int axis = 0;
        int best = (box.max(0) - box.min(0)) * weight[0];
        for (int i = 1; i < 3; i++) {
            int f = (box.max(i) - box.min(i)) * weight[i];
            if (best < f) {
                best = f;
                axis = i;
            }
        }
        final int ax = axis;
        // the colour values on the axis from the top, with their pixel counts
        java.util.TreeMap<Integer, Long> byValue = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
        for (Entry e : box.entries) {
            byValue.merge(e.v(ax), e.count, Long::sum);
        }
        long running = 0;
        Integer cut = null; // values >= cut go to the upper (left) box
        for (Map.Entry<Integer, Long> v : byValue.entrySet()) {
            running += v.getValue();
            if (running * 2 > box.pixelCount) {
                cut = v.getKey();
                break;
            }
        }
        int lowest = byValue.lastKey();
        if (cut == null || cut == lowest) {
            // nothing would be left below: the lowest value alone goes down
            cut = byValue.lowerKey(lowest) == null ? lowest : byValue.lowerKey(lowest);
            // lowerKey in reverse order is the next larger value
        }
        List<Entry> upper = new ArrayList<>();
        List<Entry> lower = new ArrayList<>();
        long upperCount = 0;
        long lowerCount = 0;
        for (Entry e : box.entries) {
            if (e.v(ax) >= cut) {
                upper.add(e);
                upperCount += e.count;
            } else {
                lower.add(e);
                lowerCount += e.count;
            }
        }
        box.left = new Box(upper, upperCount);
        box.right = new Box(lower, lowerCount);
    }

    private static int cmp(Box a, Box b) {
        return (int) a.pixelCount - (int) b.pixelCount;
    }

    /** Pillow's heap insert (sift up while strictly greater than the parent). */
    private static void heapAdd(List<Box> heap, Box v) {
        heap.add(null);
        int k = heap.size() - 1;
        while (k != 1) {
            if (cmp(v, heap.get(k / 2)) <= 0) {
                break;
            }
            heap.set(k, heap.get(k / 2));
            k >>= 1;
        }
        heap.set(k, v);
    }

    /** Pillow's heap removal of the top (sift down of the last element). */
    private static Box heapRemove(List<Box> heap) {
        int count = heap.size() - 1;
        if (count == 0) {
            return null;
        }
        Box top = heap.get(1);
        Box v = heap.remove(count);
        count--;
        if (count == 0) {
            return top;
        }
        int k = 1;
        while (k * 2 <= count) {
            int l = k * 2;
            if (l < count && cmp(heap.get(l), heap.get(l + 1)) < 0) {
                l++;
            }
            if (cmp(v, heap.get(l)) > 0) {
                break;
            }
            heap.set(k, heap.get(l));
            k = l;
        }
        heap.set(k, v);
        return top;
    }

    /** Nearest-entry lookup through Pillow's 64³ colour cache. */
    private static final class Mapper {
        final int[][] palette;
        final short[] cache = new short[64 * 64 * 64];
        final Map<Integer, Integer> exact;

        Mapper(int[][] palette, boolean exactColors) {
            this.palette = palette;
            java.util.Arrays.fill(cache, (short) -1);
            if (exactColors) {
                exact = new HashMap<>();
                for (int i = 0; i < palette.length; i++) {
                    exact.putIfAbsent((palette[i][0] << 16) | (palette[i][1] << 8) | palette[i][2], i);
                }
            } else {
                exact = null;
            }
        }

        int index(int r, int g, int b) {
            if (exact != null) {
                Integer i = exact.get((r << 16) | (g << 8) | b);
                if (i != null) {
                    return i;
                }
            }
            int slot = (r >> 2) + (g >> 2) * 64 + (b >> 2) * 4096;
            if (cache[slot] < 0) {
                int cr = r & ~3;
                int cg = g & ~3;
                int cb = b & ~3;
                int best = 0;
                long bestD = Long.MAX_VALUE;
                for (int i = 0; i < palette.length; i++) {
                    long dr = cr - palette[i][0];
                    long dg = cg - palette[i][1];
                    long db = cb - palette[i][2];
                    long d = dr * dr + dg * dg + db * db;
                    if (d < bestD) {
                        bestD = d;
                        best = i;
                    }
                }
                cache[slot] = (short) best;
            }
            return cache[slot];
        }
    }

    /**
     * Maps an RGB image to the palette as Pillow's {@code quantize(palette=..., dither=...)}.
     *
     * @param rgb packed 0xRRGGBB per pixel, row-major
     * @return the palette colour of every pixel, packed 0xRRGGBB
     */
    public static int[] map(int[] rgb, int width, int height, int[][] palette, boolean floydSteinberg,
            Behaviour behaviour) {
        if (palette.length == 0) {
            throw new IllegalArgumentException("empty palette");
        }
        palette = behaviour.searched(palette);
        Mapper m = new Mapper(palette, behaviour == Behaviour.CURRENT);
        int[] out = new int[rgb.length];
        if (!floydSteinberg) {
            for (int i = 0; i < rgb.length; i++) {
                int p = rgb[i];
                int[] c = palette[m.index((p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF)];
                out[i] = (c[0] << 16) | (c[1] << 8) | c[2];
            }
            return out;
        }
        int[] errors = new int[(width + 1) * 3];
        for (int y = 0; y < height; y++) {
            int[] acc = new int[3]; // 7/16 of the previous pixel's error, per channel
            int[] e0 = new int[3]; // accumulating below and below-left
            int[] e1 = new int[3]; // below-right of the previous pixel
            int[] last = new int[3];
            for (int x = 0; x < width; x++) {
                int p = rgb[y * width + x];
                int[] in = {(p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF};
                int[] v = new int[3];
                for (int c = 0; c < 3; c++) {
                    v[c] = clip8(in[c] + (acc[c] + errors[(x + 1) * 3 + c]) / 16);
                }
                int idx = m.index(v[0], v[1], v[2]);
                int[] q = palette[idx];
                out[y * width + x] = (q[0] << 16) | (q[1] << 8) | q[2];
                for (int c = 0; c < 3; c++) {
                    int err = v[c] - q[c];
                    errors[x * 3 + c] = 3 * err + e0[c];
                    e0[c] = 5 * err + e1[c];
                    e1[c] = err;
                    acc[c] = 7 * err;
                    last[c] = err;
                }
            }
            // Pillow stores the blue channel's three carries here, whatever the channel
            errors[width * 3] = e0[2];
            errors[width * 3 + 1] = e1[2];
            errors[width * 3 + 2] = last[2];
        }
        return out;
    }

    private static int clip8(int v) {
        return v <= 0 ? 0 : Math.min(v, 255);
    }
}
