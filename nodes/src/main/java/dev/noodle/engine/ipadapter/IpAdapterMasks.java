package dev.noodle.engine.ipadapter;

/**
 * The attention mask of an applied IP-Adapter per cross-attention layer, as the pack computes it in {@code
 * ipadapter_attention}: the layer's token grid is h = ⌊H / √(H·W/N)⌋ (+1 when N is not a multiple of it) by
 * w = N / h for a latent of H × W and N tokens; the mask is resized to it bilinearly (PyTorch's
 * {@code interpolate(mode="bilinear")}, half-pixel centres, no antialias), spread over the rows (the last mask
 * repeats when there are fewer masks than prompts; every chunk reuses them), flattened, and centre-padded with
 * zeros or centre-cropped to N. Stateless.
 */
final class IpAdapterMasks {
    private IpAdapterMasks() {}

    /**
     * The per-row, per-token factors.
     *
     * @param mask the mask batch
     * @param oh latent height of the UNet input
     * @param ow latent width
     * @param seq tokens of the layer
     * @param rows rows of the call
     * @param perPrompt rows per chunk (the pack's batch_prompt)
     * @return [rows, seq] row-major
     */
    static float[] rows(IpAdapterPatch.Mask mask, int oh, int ow, int seq, int rows, int perPrompt) {
        double f = oh / Math.sqrt((double) oh * ow / seq);
        int mh = (int) f;
        mh = mh + (seq % mh != 0 ? 1 : 0);
        int mw = seq / mh;
        int len = mh * mw;
        float[] out = new float[rows * seq];
        float[][] resized = new float[mask.batch()][];
        for (int r = 0; r < rows; r++) {
            int m = Math.min(r % perPrompt, mask.batch() - 1);
            if (resized[m] == null) {
                resized[m] = bilinear(mask, m, mh, mw);
            }
            float[] grid = resized[m];
            if (len <= seq) {
                int pad = (seq - len) / 2;
                System.arraycopy(grid, 0, out, r * seq + pad, len);
            } else {
                int crop = (len - seq) / 2;
                System.arraycopy(grid, crop, out, r * seq, seq);
            }
        }
        return out;
    }

    // One mask resized to [h, w] (align_corners=False).
    static float[] bilinear(IpAdapterPatch.Mask mask, int b, int h, int w) {
        int ih = mask.height();
        int iw = mask.width();
        float[] d = mask.data();
        int base = b * ih * iw;
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            double sy = Math.max(0, (y + 0.5) * ih / h - 0.5);
            int y0 = (int) sy;
            int y1 = y0 < ih - 1 ? y0 + 1 : y0;
            double ly = sy - y0;
            for (int x = 0; x < w; x++) {
                double sx = Math.max(0, (x + 0.5) * iw / w - 0.5);
                int x0 = (int) sx;
                int x1 = x0 < iw - 1 ? x0 + 1 : x0;
                double lx = sx - x0;
                double top = d[base + y0 * iw + x0] * (1 - lx) + d[base + y0 * iw + x1] * lx;
                double bottom = d[base + y1 * iw + x0] * (1 - lx) + d[base + y1 * iw + x1] * lx;
                out[y * w + x] = (float) (top * (1 - ly) + bottom * ly);
            }
        }
        return out;
    }
}
