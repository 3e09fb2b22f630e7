package dev.noodle.nodes.values;

import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.GuidancePatch;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.graph.node.ReleasableValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The MODEL wire value: a UNet (the checkpoint's, or a patched view sharing its unpatched weights), its noise
 * schedule and the patches applied so far. Immutable; "modifying" nodes return a new value (convention 3).
 *
 * @param hold keeps the base checkpoint loaded while this value lives; released with it
 * @param unet the diffusion network
 * @param sampling noise schedule and prediction type
 * @param latentScale the family's latent scale (process_latent_in)
 * @param family the base family
 * @param patches human descriptions of what was applied ("LoRA foo.safetensors at 0.8")
 * @param ownedBytes native bytes owned by this value alone (patched weights), 0 for the checkpoint's own UNet
 * @param owned released with this value (patched weights), or null
 * @param guidance patches to how guidance mixes the estimates (RescaleCFG, CFGNorm), in the order applied; every
 *     guider and KSampler applies them
 * @param recipe where the weights came from (the loaded file, or the merges that made them), or null when unknown
 * @param lazyUnet the UNet when it is not in memory yet ({@code unet} is then null): made on the first call of
 *     {@link #unet()}, or saved key by key from its weights without being made; null for a UNet in memory
 */
public record ModelValue(Hold hold, UNetModel unet, ModelSampling sampling, float latentScale, ModelFamily family,
        List<String> patches, long ownedBytes, AutoCloseable owned, List<GuidancePatch> guidance, ModelRecipe recipe,
        LazyPart<UNetModel> lazyUnet)
        implements ReleasableValue {
    public ModelValue {
        patches = List.copyOf(patches);
        guidance = List.copyOf(guidance);
    }

    /** A model whose UNet is in memory. */
    public ModelValue(Hold hold, UNetModel unet, ModelSampling sampling, float latentScale, ModelFamily family,
            List<String> patches, long ownedBytes, AutoCloseable owned, List<GuidancePatch> guidance,
            ModelRecipe recipe) {
        this(hold, unet, sampling, latentScale, family, patches, ownedBytes, owned, guidance, recipe, null);
    }

    /** The diffusion network; a lazy UNet is made (loaded or merged) on the first call. */
    @Override
    public UNetModel unet() {
        return unet != null || lazyUnet == null ? unet : lazyUnet.get();
    }

    /** A model of unknown origin. */
    public ModelValue(Hold hold, UNetModel unet, ModelSampling sampling, float latentScale, ModelFamily family,
            List<String> patches, long ownedBytes, AutoCloseable owned, List<GuidancePatch> guidance) {
        this(hold, unet, sampling, latentScale, family, patches, ownedBytes, owned, guidance, null);
    }

    /** A model without guidance patches, of unknown origin. */
    public ModelValue(Hold hold, UNetModel unet, ModelSampling sampling, float latentScale, ModelFamily family,
            List<String> patches, long ownedBytes, AutoCloseable owned) {
        this(hold, unet, sampling, latentScale, family, patches, ownedBytes, owned, List.of(), null);
    }

    /** A value holding something that must be released (a model lease). */
    public interface Hold {
        void release();

        long sizeBytes();

        /**
         * Another hold on the same thing for a derived value, released separately; the thing stays held until
         * every hold is released. The default shares this hold (for holds that need no release).
         */
        default Hold retain() {
            return this;
        }
    }

    /** The same model with another schedule (ModelSamplingDiscrete). */
    public ModelValue withSampling(ModelSampling s, String note) {
        return new ModelValue(hold.retain(), unet, s, latentScale, family, append(note), 0, SharedRef.retainOwned(owned),
                guidance, recipe, lazyUnet);
    }

    /** The same model with one more guidance patch, applied after those it has (RescaleCFG, CFGNorm). */
    public ModelValue withGuidance(GuidancePatch patch, String note) {
        List<GuidancePatch> g = new ArrayList<>(guidance);
        g.add(patch);
        return new ModelValue(hold.retain(), unet, sampling, latentScale, family, append(note), 0,
                SharedRef.retainOwned(owned), g, recipe, lazyUnet);
    }

    /**
     * A copy with one more patch note, a patched UNet and its owned memory. {@code newOwned} must keep alive
     * whatever the patched UNet shares with this value (see {@link SharedRef#retainOwned}).
     */
    public ModelValue withUNet(UNetModel patched, String note, long bytes, AutoCloseable newOwned) {
        return withUNet(patched, note, bytes, newOwned, recipe);
    }

    /** As {@link #withUNet(UNetModel, String, long, AutoCloseable)}, the weights now made by {@code newRecipe}. */
    public ModelValue withUNet(UNetModel patched, String note, long bytes, AutoCloseable newOwned,
            ModelRecipe newRecipe) {
        return new ModelValue(hold.retain(), patched, sampling, latentScale, family, append(note), bytes, newOwned,
                guidance, newRecipe);
    }

    private List<String> append(String note) {
        List<String> p = new ArrayList<>(patches);
        p.add(note);
        return p;
    }

    @Override
    public long sizeBytes() {
        return (owned == null ? hold.sizeBytes() : 0) + ownedBytes;
    }

    @Override
    public void release() {
        hold.release();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception ignored) {
                // native memory release does not fail in practice
            }
        }
    }

    @Override
    public String toString() {
        return "MODEL: the " + family + " UNet" + (patches.isEmpty() ? "" : " with " + String.join(", ", patches));
    }
}
