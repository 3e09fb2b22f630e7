package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.sampling.TorchRng;
import dev.noodle.engine.unet.TimestepEmbedding;
import java.util.List;

/**
 * CLIP image embeddings as the UNet's {@code y} vector: Stable unCLIP 2.1 (SD 2.1 fine-tuned on noisy CLIP image
 * embeddings, Ramesh et al. 2022 "Hierarchical Text-Conditional Image Generation with CLIP Latents", §2.1) and SDXL
 * "revision", with ComfyUI's meanings ({@code model_base.unclip_adm}, {@code SD21UNCLIP.encode_adm},
 * {@code sdxl_pooled}, {@code noise_aug_modules.CLIPEmbeddingNoiseAugmentation}).
 *
 * <p>Each image embedding e [1, D] is noise-augmented at level n = round(999 · noise_augmentation) of a 1000-step
 * squared-cosine schedule (Nichol &amp; Dhariwal 2021, eq. 17, β capped at 0.999): z = √ᾱₙ·e + √(1−ᾱₙ)·ε, ε drawn from
 * torch's CPU generator seeded with (sampler seed − 10), and joined with the sinusoidal embedding of n:
 * {@code [z ‖ emb(n)] · strength} [1, D + D]. The data statistics of the augmentor are the identity (mean 0, std 1),
 * as ComfyUI builds it: the files carry none. One embedding gives that vector; several (images of a batch, or
 * chained unCLIPConditioning nodes) are summed, then the summed embedding part is augmented once more at the
 * "merge" level (0.05 for SD 2.1 unCLIP, 0 for SDXL). ComfyUI draws that last noise from torch's unseeded global
 * generator; Noodle seeds it with (seed − 10) too, so a run repeats.
 *
 * <p>SD 2.1 unCLIP uses the vector as y (2048 = 1024 + 1024 for the ViT-H model, 1536 = 768 + 768 for ViT-L),
 * zeros when a prompt has no image. SDXL (base and refiner) puts its first {@code pooled width} values (1280: the
 * augmented bigG image embedding) where the pooled text output goes. Stateless and thread-safe.
 */
public final class UnclipAdm {
    /** Steps of the augmentation schedule (ComfyUI's {@code max_noise_level}). */
    public static final int MAX_NOISE_LEVEL = 1000;

    /** Merge level of several SD 2.1 unCLIP embeddings (ComfyUI's {@code unclip_noise_augment_merge} default). */
    public static final double SD21_MERGE_AUGMENTATION = 0.05;

    /** Merge level of several SDXL revision embeddings. */
    public static final double SDXL_MERGE_AUGMENTATION = 0.0;

    /** ComfyUI subtracts this from the sampler seed for the augmentation noise. */
    public static final long SEED_OFFSET = 10;

    private UnclipAdm() {}

    /**
     * One unCLIPConditioning entry.
     *
     * @param embeds [B, D] projected CLIP image embeddings (each row is one image)
     * @param strength factor on the entry's vector
     * @param noiseLevel augmentation step 0..999 ({@link #noiseLevel})
     */
    public record Image(NDArray embeds, float strength, int noiseLevel) {
        public Image {
            if (noiseLevel < 0 || noiseLevel >= MAX_NOISE_LEVEL) {
                throw new IllegalArgumentException("noise level must be in 0.." + (MAX_NOISE_LEVEL - 1) + ", got "
                        + noiseLevel);
            }
        }
    }

    /** The schedule step of a noise_augmentation in 0..1: round(999 · a), ties to even as Python's round. */
    public static int noiseLevel(double augmentation) {
        if (!(augmentation >= 0 && augmentation <= 1)) {
            throw new IllegalArgumentException("noise_augmentation must be in 0..1, got " + augmentation);
        }
        return (int) Math.rint((MAX_NOISE_LEVEL - 1) * augmentation);
    }

    /**
     * √ᾱₜ and √(1−ᾱₜ) of the squared-cosine schedule, float32 as stored after float64 arithmetic: a fresh copy,
     * {@code [2][1000]}.
     */
    public static float[][] schedule() {
        return new float[][] {Schedule.TABLE[0].clone(), Schedule.TABLE[1].clone()};
    }

    /**
     * One embedding augmented at {@code level}: {@code [√ᾱ·x + √(1−ᾱ)·ε ‖ emb(level)]} [1, D + timestepDim].
     *
     * @param x [1, D]
     */
    public static NDArray augment(NDArray x, int level, int timestepDim, long noiseSeed, NDManager m) {
        NDArray e = x.toType(DataType.FLOAT32, false).reshape(1, -1); // [1, D]
        NDArray noise = TorchRng.randn(noiseSeed, e.getShape(), m).toDevice(e.getDevice(), false); // [1, D]
        float[][] s = Schedule.TABLE;
        NDArray z = e.mul(s[0][level]).add(noise.mul(s[1][level])); // q_sample
        NDArray t = m.create(new float[] {level}).toDevice(e.getDevice(), false); // [1]
        return z.concat(TimestepEmbedding.sinusoidal(t, timestepDim).toDevice(e.getDevice(), false), 1);
    }

    /**
     * ComfyUI's {@code unclip_adm}: every image of every entry augmented and weighted, one alone as it is, several
     * summed and the sum's embedding part augmented again at {@code mergeAugmentation}.
     *
     * @param timestepDim width of the noise-level embedding; also the embedding width the model takes
     * @param seed the sampler's seed (the noise uses seed − 10)
     * @return [1, 2·timestepDim] owned by {@code m}
     * @throws IllegalArgumentException when there is no image or an embedding is not {@code timestepDim} wide
     */
    public static NDArray adm(List<Image> images, int timestepDim, long seed, double mergeAugmentation,
            NDManager m) {
        long noiseSeed = seed - SEED_OFFSET;
        NDArray sum = null;
        int count = 0;
        for (Image img : images) {
            long[] shape = img.embeds().getShape().getShape();
            long width = shape[shape.length - 1];
            if (width != timestepDim) {
                throw new IllegalArgumentException("the CLIP vision embedding is " + width + " wide but this model"
                        + " takes " + timestepDim + "-wide image embeddings; use the CLIP vision model made for it"
                        + " (ViT-H: 1024, ViT-L: 768, ViT-bigG: 1280)");
            }
            NDArray rows = img.embeds().toType(DataType.FLOAT32, false).reshape(-1, width); // [B, D]
            for (long b = 0; b < rows.getShape().get(0); b++) {
                NDArray one = augment(rows.get(b).reshape(1, width), img.noiseLevel(), timestepDim, noiseSeed, m)
                        .mul(img.strength()); // [1, 2D]
                sum = sum == null ? one : sum.add(one);
                count++;
            }
        }
        if (sum == null) {
            throw new IllegalArgumentException("no image embeddings to condition on");
        }
        if (count == 1) {
            return sum;
        }
        NDArray merged = sum.get(":, :" + timestepDim); // [1, D]
        return augment(merged, noiseLevel(mergeAugmentation), timestepDim, noiseSeed, m);
    }

    /**
     * The y vector of an SD 2.1 unCLIP UNet ({@code label_emb} of {@code admChannels} = 2·D inputs): the images'
     * vector, or zeros when the entry has none (ComfyUI {@code SD21UNCLIP.encode_adm}).
     *
     * @return [1, admChannels]
     */
    public static NDArray sd21(List<Image> images, int admChannels, long seed, NDManager m) {
        if (images.isEmpty()) {
            return m.zeros(new Shape(1, admChannels), DataType.FLOAT32);
        }
        return adm(images, admChannels / 2, seed, SD21_MERGE_AUGMENTATION, m);
    }

    /**
     * SDXL revision: the pooled vector that replaces the text encoder's ({@code sdxl_pooled}), the first
     * {@code pooledWidth} values of the images' vector.
     *
     * @return [1, pooledWidth]
     */
    public static NDArray revisionPooled(List<Image> images, int pooledWidth, long seed, NDManager m) {
        return adm(images, pooledWidth, seed, SDXL_MERGE_AUGMENTATION, m).get(":, :" + pooledWidth);
    }

    /** The schedule, computed once: float64 cumulative products stored as float32, as the augmentor's buffers. */
    private static final class Schedule {
        static final float[][] TABLE = build();

        private static float[][] build() {
            float[] sqrtAc = new float[MAX_NOISE_LEVEL];
            float[] sqrtOneMinus = new float[MAX_NOISE_LEVEL];
            double ac = 1.0;
            for (int i = 0; i < MAX_NOISE_LEVEL; i++) {
                double t1 = (double) i / MAX_NOISE_LEVEL;
                double t2 = (double) (i + 1) / MAX_NOISE_LEVEL;
                double beta = Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
                ac *= 1 - beta;
                sqrtAc[i] = (float) Math.sqrt(ac);
                sqrtOneMinus[i] = (float) Math.sqrt(1 - ac);
            }
            return new float[][] {sqrtAc, sqrtOneMinus};
        }

        private static double alphaBar(double t) {
            double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }
    }
}
