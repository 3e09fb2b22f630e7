package dev.noodle.nodes.values;

import java.util.Arrays;

/**
 * The IMAGE wire value, as ComfyUI's: a batch of RGB images, channels last, values in [0, 1], and for images that
 * carry transparency (ComfyUI's four-channel IMAGE, made by Join Image with Alpha) the alpha plane beside them.
 *
 * <p>Keeping alpha apart keeps {@link #pixels()} three channels for every node that reads colours; nodes that do not
 * know about alpha drop it, as ComfyUI's VAE Encode does ({@code pixels[:, :, :, :3]}).
 *
 * @param pixels [B, H, W, 3]
 * @param alpha [B, H, W] opacity in [0, 1] (1 = opaque), or null for an image without an alpha channel
 */
public record ImageValue(HeapTensor pixels, HeapTensor alpha) {
    /** Checks that the alpha plane, when there is one, matches the pixels' batch and size. */
    public ImageValue {
        if (alpha != null && (alpha.rank() != 3 || pixels.rank() != 4 || alpha.dim(0) != pixels.dim(0)
                || alpha.dim(1) != pixels.dim(1) || alpha.dim(2) != pixels.dim(2))) {
            throw new IllegalArgumentException("alpha " + Arrays.toString(alpha.shape()) + " does not match the pixels "
                    + Arrays.toString(pixels.shape()));
        }
    }

    /** An image without an alpha channel. */
    public ImageValue(HeapTensor pixels) {
        this(pixels, null);
    }

    public int batch() {
        return (int) pixels.dim(0);
    }

    public int height() {
        return (int) pixels.dim(1);
    }

    public int width() {
        return (int) pixels.dim(2);
    }

    /** Whether the image carries an alpha channel (ComfyUI: four channels). */
    public boolean hasAlpha() {
        return alpha != null;
    }

    @Override
    public String toString() {
        return "IMAGE " + batch() + "×" + width() + "×" + height() + (alpha == null ? "" : " RGBA");
    }
}
