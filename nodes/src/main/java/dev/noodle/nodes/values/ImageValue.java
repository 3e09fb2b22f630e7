package dev.noodle.nodes.values;

/**
 * The IMAGE wire value, as ComfyUI's: a batch of RGB images, channels last, values in [0, 1].
 *
 * @param pixels [B, H, W, 3]
 */
public record ImageValue(HeapTensor pixels) {
    public int batch() {
        return (int) pixels.dim(0);
    }

    public int height() {
        return (int) pixels.dim(1);
    }

    public int width() {
        return (int) pixels.dim(2);
    }

    @Override
    public String toString() {
        return "IMAGE " + batch() + "×" + width() + "×" + height();
    }
}
