package dev.noodle.engine.upscale;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Runs an {@link UpscaleNet} over an image batch tile by tile and blends the overlaps, with the semantics of
 * ComfyUI's {@code comfy.utils.tiled_scale} as {@code ImageUpscaleWithModel} calls it: an image that fits in one
 * tile is upscaled whole; otherwise tiles start at {@code range(0, size − overlap, tile − overlap)} (clamped to
 * {@code size − overlap}), each upscaled tile is weighted by a linear feather of {@code overlap·scale} pixels on
 * every edge ({@code (t+1)/feather}, per axis, multiplied), and the weighted sum is divided by the summed weights.
 * Inputs whose sides are not a multiple of {@link UpscaleNet#sizeMultiple()} are padded with reflected edges and
 * the output cropped back, as spandrel does.
 *
 * <p>Memory: the result is assembled in a heap float array (plus one plane of weights per image); only one tile's
 * input, activations and output live in native memory at a time. Stateless and thread-safe.
 */
public final class TiledUpscale {
    /** Called before the first tile (done = 0) and after each tile; it may throw to stop the upscale. */
    @FunctionalInterface
    public interface Progress {
        void tiles(int done, int total);
    }

    private TiledUpscale() {}

    /** Number of tiles per image along one axis: 1 when it fits, else ⌈(size − overlap) / (tile − overlap)⌉. */
    static int count(int size, int tile, int overlap) {
        return size <= tile ? 1 : (size - overlap + (tile - overlap) - 1) / (tile - overlap);
    }

    /** Tiles for the whole batch, as ComfyUI's {@code get_tiled_scale_steps} times the batch. */
    public static int tiles(int batch, int height, int width, int tile, int overlap) {
        return batch * count(height, tile, overlap) * count(width, tile, overlap);
    }

    /**
     * Upscales {@code pixels} [B, H, W, 3] (channels last, ComfyUI's IMAGE layout) to [B, H·s, W·s, 3], not clamped.
     *
     * @param tile tile side in input pixels (ComfyUI 512)
     * @param overlap overlap in input pixels (ComfyUI 32), smaller than the tile
     * @param device where the network's weights live (tiles are created there)
     */
    public static float[] upscale(UpscaleNet net, float[] pixels, int batch, int height, int width, int tile,
            int overlap, Device device, Progress progress) {
        if (tile <= overlap || overlap < 0) {
            throw new IllegalArgumentException("tile size " + tile + " must be larger than the overlap " + overlap);
        }
        int s = net.scale();
        int oh = height * s;
        int ow = width * s;
        long outLength = (long) batch * oh * ow * 3;
        if (outLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an upscaled batch of " + batch + " × " + ow + "×" + oh
                    + " is too large to hold; upscale fewer or smaller images at a time");
        }
        float[] out = new float[(int) outLength];
        int total = tiles(batch, height, width, tile, overlap);
        int done = 0;
        progress.tiles(0, total);
        for (int b = 0; b < batch; b++) {
            int inBase = b * height * width * 3;
            int outBase = b * oh * ow * 3;
            if (height <= tile && width <= tile) {
                float[] t = forwardTile(net, pixels, inBase, width, 0, 0, height, width, device);
                addTile(out, outBase, ow, t, 0, 0, height * s, width * s, null, null, null);
                progress.tiles(++done, total);
                continue;
            }
            float[] div = new float[oh * ow];
            int feather = overlap * s;
            for (int y : starts(height, tile, overlap)) {
                for (int x : starts(width, tile, overlap)) {
                    int py = Math.max(0, Math.min(height - overlap, y));
                    int px = Math.max(0, Math.min(width - overlap, x));
                    int lh = Math.min(tile, height - py);
                    int lw = Math.min(tile, width - px);
                    float[] t = forwardTile(net, pixels, inBase, width, py, px, lh, lw, device);
                    int th = lh * s;
                    int tw = lw * s;
                    addTile(out, outBase, ow, t, py * s, px * s, th, tw, feather(th, feather), feather(tw, feather),
                            div);
                    progress.tiles(++done, total);
                }
            }
            for (int i = 0; i < oh * ow; i++) {
                float d = div[i];
                int o = outBase + i * 3;
                out[o] /= d;
                out[o + 1] /= d;
                out[o + 2] /= d;
            }
        }
        return out;
    }

    /** Tile starts along one axis: {@code range(0, size − overlap, tile − overlap)}, or {0} when one tile fits. */
    static int[] starts(int size, int tile, int overlap) {
        int n = count(size, tile, overlap);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i * (tile - overlap);
        }
        return out;
    }

    /** Linear edge weights (t+1)/feather on both ends; all ones when the feather does not fit in the tile. */
    static float[] feather(int length, int feather) {
        float[] m = new float[length];
        java.util.Arrays.fill(m, 1f);
        if (feather >= length) {
            return m;
        }
        for (int t = 0; t < feather; t++) {
            float a = (t + 1) / (float) feather;
            m[t] *= a;
            m[length - 1 - t] *= a;
        }
        return m;
    }

    /**
     * Adds tile {@code t} [3, th, tw] at (oy, ox) of one output image [oh, ow, 3], weighted by my[y]·mx[x] and the
     * weights summed into {@code div}; unweighted (a plain copy) when {@code div} is null.
     */
    private static void addTile(float[] out, int outBase, int ow, float[] t, int oy, int ox, int th, int tw,
            float[] my, float[] mx, float[] div) {
        int plane = th * tw;
        for (int y = 0; y < th; y++) {
            for (int x = 0; x < tw; x++) {
                int i = y * tw + x;
                int p = (oy + y) * ow + ox + x;
                int o = outBase + p * 3;
                if (div == null) {
                    out[o] = t[i];
                    out[o + 1] = t[plane + i];
                    out[o + 2] = t[2 * plane + i];
                } else {
                    float m = my[y] * mx[x];
                    div[p] += m;
                    out[o] += t[i] * m;
                    out[o + 1] += t[plane + i] * m;
                    out[o + 2] += t[2 * plane + i] * m;
                }
            }
        }
    }

    /**
     * Runs the network on one tile (rows py…py+lh, columns px…px+lw of the image at {@code base}), padded with
     * reflected edges to the network's size multiple; returns the output cropped to [3, lh·s, lw·s].
     */
    static float[] forwardTile(UpscaleNet net, float[] pixels, int base, int width, int py, int px, int lh, int lw,
            Device device) {
        int m = net.sizeMultiple();
        int ph = (lh + m - 1) / m * m;
        int pw = (lw + m - 1) / m * m;
        float[] chw = new float[3 * ph * pw];
        for (int y = 0; y < ph; y++) {
            int sy = py + reflect(y, lh);
            for (int x = 0; x < pw; x++) {
                int sx = px + reflect(x, lw);
                int src = base + (sy * width + sx) * 3;
                int dst = y * pw + x;
                chw[dst] = pixels[src];
                chw[ph * pw + dst] = pixels[src + 1];
                chw[2 * ph * pw + dst] = pixels[src + 2];
            }
        }
        int s = net.scale();
        float[] full;
        try (NDManager scope = NDManager.newBaseManager(device)) {
            NDArray in = scope.create(chw, new Shape(1, 3, ph, pw));
            NDArray out = net.forward(in, scope);
            long[] os = out.getShape().getShape();
            if (os.length != 4 || os[1] != 3 || os[2] != (long) ph * s || os[3] != (long) pw * s) {
                throw new IllegalStateException(net.architecture() + " returned " + out.getShape() + " for a "
                        + pw + "×" + ph + " tile at scale " + s);
            }
            full = out.toFloatArray();
        }
        if (ph == lh && pw == lw) {
            return full;
        }
        int th = lh * s;
        int tw = lw * s;
        int fw = pw * s;
        int fplane = ph * s * fw;
        float[] crop = new float[3 * th * tw];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < th; y++) {
                System.arraycopy(full, c * fplane + y * fw, crop, (c * th + y) * tw, tw);
            }
        }
        return crop;
    }

    /** Index i of a side of length n extended by reflection (…, 2, 1, 0, 1, 2, …, n−2, n−1, n−2, …). */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int r = i % period;
        return r < n ? r : period - r;
    }
}
