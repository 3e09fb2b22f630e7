package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.SdxlConditioning;
import java.util.List;
import java.util.Map;

/**
 * Builds the UNet's {@code y} vector of one conditioning entry at sampling time, as ComfyUI's
 * {@code model_base.SDXL.encode_adm} / {@code SDXLRefiner.encode_adm} do after {@code samplers.encode_model_conds}
 * filled in the defaults: {@code width}/{@code height} default to the latent's size × 8, crops to 0, the target size
 * to width/height, the refiner's aesthetic score to 6 (2.5 for the negative prompt), and a missing pooled vector to
 * zeros. The formula itself is {@link SdxlConditioning} (Podell et al. 2023, §2.2). Stateless.
 */
public final class AdmConditioning {
    /** Entry parameter names, as ComfyUI's cond dict and {@code CLIPTextEncodeSDXL} spell them. */
    public static final String WIDTH = "width";
    public static final String HEIGHT = "height";
    public static final String CROP_W = "crop_w";
    public static final String CROP_H = "crop_h";
    public static final String TARGET_WIDTH = "target_width";
    public static final String TARGET_HEIGHT = "target_height";
    public static final String AESTHETIC_SCORE = "aesthetic_score";

    private AdmConditioning() {}

    /**
     * The {@code y} vector of an entry that may carry CLIP image embeddings (unCLIPConditioning), as ComfyUI's
     * {@code encode_adm} of each model: an SD 2.x UNet with {@code label_emb} (Stable unCLIP 2.1) takes the images'
     * vector ({@link UnclipAdm#sd21}, zeros without images); SDXL and its refiner put the images' augmented
     * embedding where the pooled text output goes ("revision", {@link UnclipAdm#revisionPooled}); models without
     * {@code label_emb} ignore the images, as ComfyUI's SD 1.x/2.x models do.
     *
     * @param images the entry's unCLIP images, in the order applied (may be empty)
     * @param seed the sampler's noise seed (the augmentation noise uses seed − 10)
     * @return [1, admChannels], or null when the UNet has no {@code label_emb}
     */
    public static NDArray y(NDManager m, ModelFamily family, int admChannels, NDArray pooled,
            List<UnclipAdm.Image> images, long seed, Map<String, Double> params, int latentHeight, int latentWidth,
            boolean negative) {
        if (admChannels == 0) {
            return null;
        }
        ModelFamily base = family.base();
        if (base == ModelFamily.SD1 || base == ModelFamily.SD2) {
            if (admChannels % 2 != 0) {
                throw new IllegalArgumentException("the UNet's label_emb takes " + admChannels + " values, which is"
                        + " no unCLIP layout (image embedding ‖ noise-level embedding of the same width)");
            }
            return UnclipAdm.sd21(images, admChannels, seed, m);
        }
        NDArray p = pooled;
        if (!images.isEmpty()) {
            int numbers = base == ModelFamily.SDXL_REFINER ? SdxlConditioning.REFINER_NUMBERS
                    : SdxlConditioning.BASE_NUMBERS;
            int width = admChannels - numbers * SdxlConditioning.EMBEDDING_WIDTH;
            p = UnclipAdm.revisionPooled(images, width, seed, m);
        }
        return y(m, admChannels, p, params, latentHeight, latentWidth, negative);
    }

    /**
     * The {@code y} vector {@code [1, admChannels]} (owned by {@code m}), or null when the UNet has no
     * {@code label_emb} ({@code admChannels == 0}).
     *
     * @param pooled [1, P] pooled text output, or null (zeros are used, as ComfyUI does)
     * @param params the entry's size parameters by ComfyUI name; absent ones take the defaults above
     * @param latentHeight latent rows (pixels / 8)
     * @param latentWidth latent columns
     * @param negative whether the entry belongs to the negative prompt (refiner's default score)
     * @throws IllegalArgumentException when the pooled width fits neither the base (P + 1536) nor the refiner
     *     (P + 1280) layout of {@code admChannels}
     */
    public static NDArray y(NDManager m, int admChannels, NDArray pooled, Map<String, Double> params,
            int latentHeight, int latentWidth, boolean negative) {
        if (admChannels == 0) {
            return null;
        }
        int base = SdxlConditioning.BASE_NUMBERS * SdxlConditioning.EMBEDDING_WIDTH;
        int refiner = SdxlConditioning.REFINER_NUMBERS * SdxlConditioning.EMBEDDING_WIDTH;
        NDArray p = pooled == null
                ? m.zeros(new Shape(1, admChannels - base), DataType.FLOAT32)
                : pooled.toType(DataType.FLOAT32, false).reshape(1, -1); // [1, P]
        long width = p.getShape().get(1);
        double w = params.getOrDefault(WIDTH, latentWidth * 8.0);
        double h = params.getOrDefault(HEIGHT, latentHeight * 8.0);
        double cropW = params.getOrDefault(CROP_W, 0.0);
        double cropH = params.getOrDefault(CROP_H, 0.0);
        if (width + base == admChannels) {
            SdxlConditioning c = new SdxlConditioning(h, w, cropH, cropW, params.getOrDefault(TARGET_HEIGHT, h),
                    params.getOrDefault(TARGET_WIDTH, w));
            return c.vector(m, p); // [1, P + 1536]
        }
        if (width + refiner == admChannels) {
            double score = params.getOrDefault(AESTHETIC_SCORE, negative
                    ? SdxlConditioning.REFINER_NEGATIVE_SCORE : SdxlConditioning.REFINER_POSITIVE_SCORE);
            return SdxlConditioning.refinerVector(m, p, h, w, cropH, cropW, score); // [1, P + 1280]
        }
        throw new IllegalArgumentException("the UNet's label_emb takes " + admChannels + " values but the"
                + " conditioning's pooled output has " + width + " (SDXL needs " + (admChannels - base)
                + "); encode the prompt with this checkpoint's CLIP");
    }
}
