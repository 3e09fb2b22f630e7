package dev.noodle.nodes.values;

/**
 * The MASK wire value, as ComfyUI's: values in [0, 1], 1 = masked (to be changed).
 *
 * @param mask [B, H, W]
 */
public record MaskValue(HeapTensor mask) {
    @Override
    public String toString() {
        return "MASK " + mask;
    }
}
