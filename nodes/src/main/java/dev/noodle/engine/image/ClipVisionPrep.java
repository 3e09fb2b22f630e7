package dev.noodle.engine.image;

import dev.noodle.engine.image.ImageResize.PillowFilter;

/**
 * The image preparation IP-Adapter users put before CLIP vision (ComfyUI_IPAdapter_plus's PrepImageForClipVision):
 * a square taken from the image (or the image padded to a square with black), resized to 224 × 224 with one of
 * Pillow's filters on the 8-bit image, then optionally sharpened by contrast-adaptive sharpening (AMD's CAS, as the
 * pack applies it on the 0..1 values). Stateless.
 */
public final class ClipVisionPrep {
    private ClipVisionPrep() {}

    /** The side of the prepared images. */
    public static final int SIZE = 224;

    /** Where the square comes from: a crop at one side or the centre, or black bars around the whole image. */
    public enum Position {
        TOP, BOTTOM, LEFT, RIGHT, CENTER, PAD;

        /** The pack's name. */
        public String comfyName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Prepares a batch.
     *
     * @param bhwc [b, h, w, 3] values 0..1
     * @return [b, 224, 224, 3]
     */
    public static float[] prepare(float[] bhwc, int b, int h, int w, PillowFilter filter, Position position,
            double sharpening) {
        int c = 3;
        int side;
        int x0;
        int y0;
        if (position == Position.PAD) {
            side = Math.max(h, w);
            // torchvision pads (ow - oh) // 2 on both sides: an odd difference leaves the square one short
            int padW = h > w ? (h - w) / 2 : 0;
            int padH = w > h ? (w - h) / 2 : 0;
            int sqW = w + 2 * padW;
            int sqH = h + 2 * padH;
            float[] out = new float[b * SIZE * SIZE * c];
            for (int i = 0; i < b; i++) {
                float[] sq = new float[sqH * sqW * c];
                for (int y = 0; y < h; y++) {
                    System.arraycopy(bhwc, (i * h + y) * w * c, sq, ((y + padH) * sqW + padW) * c, w * c);
                }
                float[] r = ImageResize.pillowResize(sq, sqH, sqW, c, SIZE, SIZE, filter);
                System.arraycopy(r, 0, out, i * SIZE * SIZE * c, r.length);
            }
            return sharpen(out, b, sharpening);
        }
        side = Math.min(h, w);
        x0 = (w - side) / 2;
        y0 = (h - side) / 2;
        switch (position) {
            case TOP -> y0 = 0;
            case BOTTOM -> y0 = h - side;
            case LEFT -> x0 = 0;
            case RIGHT -> x0 = w - side;
            default -> { }
        }
        float[] out = new float[b * SIZE * SIZE * c];
        for (int i = 0; i < b; i++) {
            float[] sq = new float[side * side * c];
            for (int y = 0; y < side; y++) {
                System.arraycopy(bhwc, ((i * h + y0 + y) * w + x0) * c, sq, y * side * c, side * c);
            }
            float[] r = ImageResize.pillowResize(sq, side, side, c, SIZE, SIZE, filter);
            System.arraycopy(r, 0, out, i * SIZE * SIZE * c, r.length);
        }
        return sharpen(out, b, sharpening);
    }

    private static float[] sharpen(float[] img, int b, double amount) {
        return amount > 0 ? casSharpen(img, b, SIZE, SIZE, 3, amount) : img;
    }

    /**
     * Contrast-adaptive sharpening of [b, h, w, c] values 0..1, per channel with a zero border, in float32 as the
     * pack's torch version: the cross and diagonal neighbourhood's min (≥ 0) and max (≤ 1) set a weight
     * w = −sqrt(min(mn, 2 − mx) / mx) · (amount·(1/5 − 1/8) + 1/8), and the pixel becomes
     * ((up + left + right + down)·w + centre) / (1 + 4w), NaN as 0, clamped to 0..1.
     */
    public static float[] casSharpen(float[] bhwc, int b, int h, int w, int c, double amount) {
        float k = (float) (amount * (1.0 / 5 - 1.0 / 8) + 1.0 / 8);
        float[] out = new float[bhwc.length];
        for (int i = 0; i < b; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        float pa = at(bhwc, i, y - 1, x - 1, ch, h, w, c);
                        float pb = at(bhwc, i, y - 1, x, ch, h, w, c);
                        float pc = at(bhwc, i, y - 1, x + 1, ch, h, w, c);
                        float pd = at(bhwc, i, y, x - 1, ch, h, w, c);
                        float pe = at(bhwc, i, y, x, ch, h, w, c);
                        float pf = at(bhwc, i, y, x + 1, ch, h, w, c);
                        float pg = at(bhwc, i, y + 1, x - 1, ch, h, w, c);
                        float ph = at(bhwc, i, y + 1, x, ch, h, w, c);
                        float pi = at(bhwc, i, y + 1, x + 1, ch, h, w, c);
                        float mn = Math.max(0f, Math.min(Math.min(Math.min(pb, pd), Math.min(pe, pf)), ph));
                        float mx = Math.min(1f, Math.max(Math.max(Math.max(pb, pd), Math.max(pe, pf)), ph));
                        float mn2 = Math.max(0f, Math.min(Math.min(pa, pc), Math.min(pg, pi)));
                        float mx2 = Math.min(1f, Math.max(Math.max(pa, pc), Math.max(pg, pi)));
                        mx = mx + mx2;
                        mn = mn + mn2;
                        float inv = 1f / mx;
                        float amp = (float) Math.sqrt(inv * Math.min(mn, 2f - mx));
                        float wt = -amp * k;
                        float div = 1f / (1f + 4f * wt);
                        float v = ((((pb + pd) + pf) + ph) * wt + pe) * div;
                        if (Float.isNaN(v)) {
                            v = 0f;
                        }
                        out[((i * h + y) * w + x) * c + ch] = Math.max(0f, Math.min(1f, v));
                    }
                }
            }
        }
        return out;
    }

    private static float at(float[] a, int i, int y, int x, int ch, int h, int w, int c) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0f : a[((i * h + y) * w + x) * c + ch];
    }
}
