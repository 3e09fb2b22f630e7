package dev.noodle.nodes.values;

/**
 * The MASK wire value, as ComfyUI's: values in [0, 1], 1 = masked (to be changed).
 *
 * @param mask [B, H, W] (a [H, W] mask reads as a batch of one, as ComfyUI reshapes it)
 */
public record MaskValue(HeapTensor mask) {
    /** Number of masks in the batch. */
    public int batch() {
        return mask.rank() == 2 ? 1 : (int) mask.dim(0);
    }

    /** Height in pixels. */
    public int height() {
        return (int) mask.dim(mask.rank() - 2);
    }

    /** Width in pixels. */
    public int width() {
        return (int) mask.dim(mask.rank() - 1);
    }

    @Override
    public String toString() {
        return "MASK " + mask;
    }
}
