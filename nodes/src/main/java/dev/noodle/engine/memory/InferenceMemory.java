package dev.noodle.engine.memory;

/**
 * Estimates of the working memory (activations, attention, temporaries) of one step on a GPU, as ComfyUI's model
 * management plans them, so that the memory left for weights shrinks as images grow. Stateless.
 */
public final class InferenceMemory {
    /** ComfyUI's default {@code memory_usage_factor} of a diffusion model. */
    static final double UNET_FACTOR = 2.0;

    private InferenceMemory() {}

    /**
     * One denoising model pass: ComfyUI's {@code BaseModel.memory_required} with PyTorch attention, area × element
     * size × 0.01 × factor MiB, where area = batch × latent height × latent width. Samplers with classifier-free
     * guidance run cond and uncond together, so pass twice the image batch.
     *
     * @param batch rows of the pass
     * @param latentHeight latent rows (pixels / 8)
     * @param latentWidth latent columns
     * @param elementBytes bytes per element of the compute type (2 for fp16, 4 for fp32)
     */
    public static long denoise(long batch, long latentHeight, long latentWidth, int elementBytes) {
        double area = (double) batch * latentHeight * latentWidth;
        return Math.round(area * elementBytes * 0.01 * UNET_FACTOR * 1024 * 1024);
    }

    /**
     * A VAE decode of one latent image: ComfyUI's 2178 × latent height × latent width × 64 × element size bytes.
     */
    public static long vaeDecode(long latentHeight, long latentWidth, int elementBytes) {
        return 2178L * latentHeight * latentWidth * 64 * elementBytes;
    }

    /** A VAE encode of one image: ComfyUI's 1767 × pixel height × pixel width × element size bytes. */
    public static long vaeEncode(long height, long width, int elementBytes) {
        return 1767L * height * width * elementBytes;
    }
}
