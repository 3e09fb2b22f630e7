package dev.noodle.engine.gligen;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.unet.TransformerSlot;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.util.List;

/**
 * GLIGEN's boxes as the sampler calls them (ComfyUI's {@code middle_patch} from {@code Gligen.set_position}): each
 * UNet call turns the phrases into grounding tokens for the call's latent size (an area entry's boxes are fractions
 * of its area, as ComfyUI's {@code input_x}) and runs the fuser of each SpatialTransformer after every self-attention
 * in it. Every row of the call gets the same tokens. A record over shared objects, so equal applications on the
 * positive and negative still share a UNet call.
 *
 * @param model the GLIGEN model
 * @param phrases the boxes, at most {@value GligenModel#MAX_OBJECTS}
 * @param transformers the UNet's SpatialTransformer paths in run order; fuser i serves transformer i
 */
public record GligenSource(GligenModel model, List<GroundedPhrase> phrases, List<String> transformers)
        implements UNetPatchSource {
    public GligenSource {
        phrases = List.copyOf(phrases);
        transformers = List.copyOf(transformers);
        if (transformers.size() != model.fusers().size()) {
            throw new IllegalArgumentException("the GLIGEN model " + model.source() + " has " + model.fusers().size()
                    + " fusers but the UNet has " + transformers.size() + " transformers");
        }
    }

    /** The source for a UNet with these SpatialTransformers, checked to fit ({@link GligenModel#checkFits}). */
    public static GligenSource of(GligenModel model, List<GroundedPhrase> phrases, List<TransformerSlot> slots,
            String modelName) {
        model.checkFits(slots, modelName);
        return new GligenSource(model, phrases, slots.stream().map(TransformerSlot::path).toList());
    }

    @Override
    public UNetPatches prepare(Call call, NDManager scope) {
        long h = call.x().getShape().get(2);
        long w = call.x().getShape().get(3);
        NDArray tokens = model.groundingTokens(phrases, h, w, scope); // [1, 30, tokenDim]
        return UNetPatches.ofSelfAttention((site, x) -> {
            int i = transformers.indexOf(TransformerSlot.of(site));
            return i < 0 ? x : model.fuse(i, x, tokens, site.attention());
        });
    }
}
