package dev.noodle.nodes.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.CondEntry;
import dev.noodle.engine.diffusion.ConditionedUNet;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.nodes.image.ScaleNodes;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The extra input channels of an 8-channel InstructPix2Pix-style UNet, as ComfyUI's {@code IP2P.concat_cond}: per
 * conditioning entry, its concat_latent_image (zeros without one), resized to the latent (bilinear, centre) and
 * repeated to its batch, after the noisy latent. A cosxl_edit model (EDM v-prediction) gets the image latent scaled
 * by the SDXL latent factor as its training did; diffusers-style InstructPix2Pix models get it unscaled. Entries
 * the sampler was not told about get the first positive entry's image. Immutable.
 */
public final class Ip2pExtras implements ConditionedUNet.LatentExtras {
    private final HeapTensor channels; // [B, 4, h, w]
    private final Map<NDArray, Ip2pExtras> byContext; // a sampler entry's context → its channels

    private Ip2pExtras(HeapTensor channels, Map<NDArray, Ip2pExtras> byContext) {
        this.channels = channels;
        this.byContext = byContext;
    }

    /**
     * The channels for {@code model}, or null when its UNet is not an 8-channel one.
     *
     * @param conds each conditioning with the sampler entries built from it, entry for entry (positive first)
     */
    public static Ip2pExtras forModel(ModelValue model, LatentValue latent,
            List<Map.Entry<ConditioningValue, List<CondEntry>>> conds) {
        if (model.unet().config().inChannels() != 8) {
            return null;
        }
        float scale = model.sampling().schedule() == ModelSampling.Schedule.EDM ? model.latentScale() : 1f;
        Map<NDArray, Ip2pExtras> byContext = new IdentityHashMap<>();
        for (Map.Entry<ConditioningValue, List<CondEntry>> c : conds) {
            List<ConditioningValue.Entry> values = c.getKey().entries();
            for (int i = 0; i < values.size() && i < c.getValue().size(); i++) {
                HeapTensor image = values.get(i).extras().get(InpaintNodes.CONCAT_LATENT);
                byContext.put(c.getValue().get(i).context(), new Ip2pExtras(build(image, latent, scale), Map.of()));
            }
        }
        return new Ip2pExtras(of(conds.get(0).getKey(), latent, scale).channels, byContext);
    }

    /** The channels of the first positive entry carrying concat_latent_image, for every entry. */
    public static Ip2pExtras of(ConditioningValue positive, LatentValue latent, float scale) {
        HeapTensor image = null;
        for (ConditioningValue.Entry e : positive.entries()) {
            if (e.extras().containsKey(InpaintNodes.CONCAT_LATENT)) {
                image = e.extras().get(InpaintNodes.CONCAT_LATENT);
                break;
            }
        }
        return new Ip2pExtras(build(image, latent, scale), Map.of());
    }

    // [B, c, h, w]: the image latent (null: zeros) resized to the latent, repeated to its batch, times scale
    private static HeapTensor build(HeapTensor image, LatentValue latent, float scale) {
        HeapTensor s = latent.samples();
        int b = (int) s.dim(0);
        int c = (int) s.dim(1);
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        int plane = h * w;
        float[] out = new float[b * c * plane];
        if (image != null) {
            if (image.dim(1) != c) {
                throw new IllegalArgumentException("the edit image's latent has " + image.dim(1) + " channels but the"
                        + " sampled latent has " + c + "; encode the image with this model's VAE");
            }
            HeapTensor img = image.dim(2) != h || image.dim(3) != w
                    ? ScaleNodes.upscaleChw(image, w, h, ScaleNodes.LatentMethod.BILINEAR, true) : image;
            int imgB = (int) img.dim(0);
            for (int i = 0; i < b; i++) {
                int from = (i % imgB) * c * plane;
                for (int k = 0; k < c * plane; k++) {
                    out[i * c * plane + k] = img.data()[from + k] * scale;
                }
            }
        }
        return new HeapTensor(new long[] {b, c, h, w}, out);
    }

    @Override
    public ConditionedUNet.LatentExtras forEntry(CondEntry entry) {
        return byContext.getOrDefault(entry.context(), this);
    }

    @Override
    public NDArray channels(NDArray x, LatentArea area, NDManager scope) {
        return InpaintExtras.rowsFor(channels, x, area, scope);
    }
}
