package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.function.UnaryOperator;

/**
 * Applies a resolution-changing function tile by tile and blends the overlaps, with the semantics of ComfyUI's
 * {@code comfy.utils.tiled_scale}: tiles start every {@code tile − overlap} cells (the last one clamped to
 * {@code size − overlap}), each output tile is weighted by a linear feather of {@code round(overlap·scale)} pixels
 * on every edge ({@code (t+1)/feather}), and the weighted sum is divided by the summed weights.
 *
 * <p>Blending runs in Java float arrays (one output-sized buffer pair per sample). Stateless.
 */
final class TiledScale {
    private TiledScale() {}

    /**
     * ComfyUI's three tilings averaged (VAEDecodeTiled: tile·2 × tile/2, tile/2 × tile·2, tile × tile as height ×
     * width; VAEEncodeTiled: tile × tile first), each blended by {@link #apply}.
     */
    static NDArray threeTilings(NDArray input, UnaryOperator<NDArray> fn, int tile, int overlap, double scale,
            int channels, boolean encodeOrder) {
        if (tile / 2 <= overlap) {
            throw new IllegalArgumentException("overlap " + overlap + " must be below half the tile size " + tile);
        }
        NDManager m = input.getManager();
        int[][] tilings = encodeOrder
                ? new int[][] {{tile, tile}, {tile / 2, tile * 2}, {tile * 2, tile / 2}}
                : new int[][] {{tile * 2, tile / 2}, {tile / 2, tile * 2}, {tile, tile}};
        NDArray sum = null;
        for (int[] t : tilings) {
            NDArray part = TiledScale.apply(input, fn, t[0], t[1], overlap, scale, channels, m);
            if (sum == null) {
                sum = part;
            } else {
                sum.addi(part);
                part.close();
            }
        }
        return sum.divi(3f);
    }

    /**
     * Runs {@code fn} over tiles of {@code input} [B, C, H, W] (one sample at a time).
     *
     * @param tileH tile height in input cells
     * @param tileW tile width in input cells
     * @param overlap overlap in input cells, smaller than both tile sides
     * @param scale output cells per input cell (8 to decode, 1/8 to encode)
     * @param outChannels channels of {@code fn}'s output
     * @return [B, outChannels, round(H·scale), round(W·scale)] in {@code manager}
     */
    static NDArray apply(NDArray input, UnaryOperator<NDArray> fn, int tileH, int tileW, int overlap, double scale,
            int outChannels, NDManager manager) {
        if (tileH <= overlap || tileW <= overlap || overlap < 0) {
            throw new IllegalArgumentException(
                    "tile size " + tileH + "x" + tileW + " must be larger than the overlap " + overlap);
        }
        long[] s = input.getShape().getShape();
        int h = (int) s[2];
        int wd = (int) s[3];
        int oh = (int) Math.round(h * scale);
        int ow = (int) Math.round(wd * scale);
        int plane = oh * ow;
        float[] result = new float[(int) s[0] * outChannels * plane];
        for (int b = 0; b < s[0]; b++) {
            float[] acc = new float[outChannels * plane];
            float[] div = new float[plane];
            for (int y : starts(h, tileH, overlap)) {
                for (int x : starts(wd, tileW, overlap)) {
                    int py = Math.max(0, Math.min(h - overlap, y));
                    int px = Math.max(0, Math.min(wd - overlap, x));
                    int lh = Math.min(tileH, h - py);
                    int lw = Math.min(tileW, wd - px);
                    float[] tile;
                    long th;
                    long tw;
                    try (NDManager scope = manager.newSubManager()) {
                        NDArray in = input.get(new NDIndex("{}:{}, :, {}:{}, {}:{}", b, b + 1, py, py + lh, px, px + lw));
                        in.attach(scope);
                        NDArray out = fn.apply(in);
                        out.attach(scope);
                        th = out.getShape().get(2);
                        tw = out.getShape().get(3);
                        tile = out.toFloatArray();
                    }
                    int feather = (int) Math.round(overlap * scale);
                    float[] my = feather(th, feather);
                    float[] mx = feather(tw, feather);
                    int oy = (int) Math.round(py * scale);
                    int ox = (int) Math.round(px * scale);
                    for (int yy = 0; yy < th; yy++) {
                        for (int xx = 0; xx < tw; xx++) {
                            float m = my[yy] * mx[xx];
                            int o = (oy + yy) * ow + ox + xx;
                            div[o] += m;
                            for (int c = 0; c < outChannels; c++) {
                                acc[c * plane + o] += tile[(int) ((c * th + yy) * tw + xx)] * m;
                            }
                        }
                    }
                }
            }
            int base = b * outChannels * plane;
            for (int c = 0; c < outChannels; c++) {
                for (int i = 0; i < plane; i++) {
                    result[base + c * plane + i] = acc[c * plane + i] / div[i];
                }
            }
        }
        return manager.create(result, new Shape(s[0], outChannels, oh, ow));
    }

    /** Tile starts along one axis: {@code range(0, size − overlap, tile − overlap)}, or {0} when one tile fits. */
    private static int[] starts(int size, int tile, int overlap) {
        if (size <= tile) {
            return new int[] {0};
        }
        int step = tile - overlap;
        int n = (size - overlap + step - 1) / step;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i * step;
        }
        return out;
    }

    /** Linear edge weights (t+1)/feather on both ends; all ones when the feather does not fit in the tile. */
    private static float[] feather(long length, int feather) {
        float[] m = new float[(int) length];
        java.util.Arrays.fill(m, 1f);
        if (feather >= length) {
            return m;
        }
        for (int t = 0; t < feather; t++) {
            float a = (t + 1) / (float) feather;
            m[t] *= a;
            m[(int) length - 1 - t] *= a;
        }
        return m;
    }
}
