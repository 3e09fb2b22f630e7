package dev.noodle.engine.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * SDXL's size and crop conditioning (Podell et al. 2023, §2.2), the UNet's {@code y} vector as ComfyUI's
 * {@code SDXL.encode_adm} builds it: pooled ‖ e(original h) ‖ e(original w) ‖ e(crop top) ‖ e(crop left) ‖
 * e(target h) ‖ e(target w), 1280 + 6·256 = 2816 values. Each number n is embedded like a diffusion timestep
 * (Ho et al. 2020 / LDM {@code timestep_embedding}): [cos(n·f_j) for j &lt; 128] ‖ [sin(n·f_j) for j &lt; 128],
 * f_j = exp(−ln(10000)·j/128), in float32. Immutable.
 *
 * @param originalHeight original image height in pixels
 * @param originalWidth original image width
 * @param cropTop crop offset from the top ({@code crop_h})
 * @param cropLeft crop offset from the left ({@code crop_w})
 * @param targetHeight target height
 * @param targetWidth target width
 */
public record SdxlConditioning(double originalHeight, double originalWidth, double cropTop, double cropLeft,
        double targetHeight, double targetWidth) {
    /** Values per embedded number. */
    public static final int EMBEDDING_WIDTH = 256;

    /** Embedded numbers in the base model's vector. */
    public static final int BASE_NUMBERS = 6;

    /** Embedded numbers in the refiner's vector (height, width, crop top, crop left, aesthetic score). */
    public static final int REFINER_NUMBERS = 5;

    /** ComfyUI's default aesthetic score of the refiner for positive prompts. */
    public static final double REFINER_POSITIVE_SCORE = 6.0;

    /** ComfyUI's default aesthetic score of the refiner for negative prompts. */
    public static final double REFINER_NEGATIVE_SCORE = 2.5;

    /** Plain {@code CLIPTextEncode}: original = target = the image size (latent × 8), no crop. */
    public static SdxlConditioning forImage(int height, int width) {
        return new SdxlConditioning(height, width, 0, 0, height, width);
    }

    /** One number embedded into 256 values, cos half first: {@code [256]}. */
    public static float[] embed(double n) {
        int half = EMBEDDING_WIDTH / 2;
        float[] out = new float[EMBEDDING_WIDTH];
        float logScale = (float) -Math.log(10000.0);
        float t = (float) n;
        for (int j = 0; j < half; j++) {
            float freq = (float) Math.exp(logScale * j / half); // float32 as torch.arange(dtype=float32)
            float arg = t * freq;
            out[j] = (float) Math.cos(arg);
            out[half + j] = (float) Math.sin(arg);
        }
        return out;
    }

    /** The six embedded numbers, {@code [1536]}. */
    public float[] sizeEmbedding() {
        return embedAll(originalHeight, originalWidth, cropTop, cropLeft, targetHeight, targetWidth);
    }

    /** pooled ‖ size embedding: {@code [P] → [P + 1536]} (2816 for bigG's 1280). */
    public float[] vector(float[] pooled) {
        return concat(pooled, sizeEmbedding());
    }

    /** The same for a batch of pooled vectors: {@code [B, P] → [B, P + 1536]}, owned by {@code manager}. */
    public NDArray vector(NDManager manager, NDArray pooled) {
        return withEmbedding(manager, pooled, sizeEmbedding());
    }

    /**
     * The refiner's vector ({@code SDXLRefiner.encode_adm}, node {@code CLIPTextEncodeSDXLRefiner}): pooled ‖
     * e(height) ‖ e(width) ‖ e(crop top) ‖ e(crop left) ‖ e(aesthetic score), 1280 + 5·256 = 2560 values.
     */
    public static float[] refinerVector(float[] pooled, double height, double width, double cropTop,
            double cropLeft, double aestheticScore) {
        return concat(pooled, embedAll(height, width, cropTop, cropLeft, aestheticScore));
    }

    /** The refiner's vector for a batch: {@code [B, P] → [B, P + 1280]}. */
    public static NDArray refinerVector(NDManager manager, NDArray pooled, double height, double width,
            double cropTop, double cropLeft, double aestheticScore) {
        return withEmbedding(manager, pooled, embedAll(height, width, cropTop, cropLeft, aestheticScore));
    }

    private static float[] embedAll(double... numbers) {
        float[] out = new float[numbers.length * EMBEDDING_WIDTH];
        for (int i = 0; i < numbers.length; i++) {
            System.arraycopy(embed(numbers[i]), 0, out, i * EMBEDDING_WIDTH, EMBEDDING_WIDTH);
        }
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static NDArray withEmbedding(NDManager manager, NDArray pooled, float[] emb) {
        if (pooled.getShape().dimension() != 2) {
            throw new IllegalArgumentException("pooled must be [B, P], was " + pooled.getShape());
        }
        long b = pooled.getShape().get(0);
        try (NDManager scope = manager.newSubManager()) {
            NDArray e = scope.create(emb, new Shape(1, emb.length)).repeat(0, b); // [B, E]
            NDArray out = pooled.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).concat(e, 1); // [B, P + E]
            out.attach(manager);
            return out;
        }
    }
}
