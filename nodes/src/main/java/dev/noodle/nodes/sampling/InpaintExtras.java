package dev.noodle.nodes.sampling;

import dev.noodle.nodes.image.ScaleNodes;
import dev.noodle.nodes.latent.InpaintNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.ConditionedUNet;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;

/**
 * The extra input channels of a 9-channel inpainting UNet, as ComfyUI's {@code BaseModel.concat_cond}:
 * [mask (1), masked-image latent (4)] after the noisy latent. The mask is the conditioning's concat_mask, else the
 * latent's noise mask, resized to the latent (bilinear) and rounded; the image is the conditioning's
 * concat_latent_image, else the input latent, both scaled by the model's latent scale. With no mask at all the
 * channels are ones and SD's "blank" latent (0.8223, −0.6876, 0.6364, 0.1380). Immutable.
 */
public final class InpaintExtras implements ConditionedUNet.LatentExtras {
    private static final float[] BLANK = {0.8223f, -0.6876f, 0.6364f, 0.1380f};
    private final HeapTensor channels; // [B, 5, h, w]

    private InpaintExtras(HeapTensor channels) {
        this.channels = channels;
    }

    /** Builds the channels for a latent from the first positive entry carrying inpaint extras. */
    public static InpaintExtras of(ConditioningValue positive, LatentValue latent, float latentScale) {
        HeapTensor s = latent.samples();
        int b = (int) s.dim(0);
        int c = (int) s.dim(1);
        int h = (int) s.dim(2);
        int w = (int) s.dim(3);
        HeapTensor mask = null;
        HeapTensor image = null;
        for (ConditioningValue.Entry e : positive.entries()) {
            if (e.extras().containsKey(InpaintNodes.CONCAT_LATENT)) {
                image = e.extras().get(InpaintNodes.CONCAT_LATENT);
                mask = e.extras().get(InpaintNodes.CONCAT_MASK);
                break;
            }
        }
        if (mask == null) {
            mask = latent.noiseMask();
        }
        float scale = latentScale; // process_latent_in for both sources
        HeapTensor img = image == null ? s : image;
        if (img.dim(2) != h || img.dim(3) != w) {
            img = ScaleNodes.upscaleChw(img, w, h, ScaleNodes.LatentMethod.BILINEAR, true);
        }
        HeapTensor m = null;
        if (mask != null) {
            long[] ms = mask.shape();
            int mh = (int) ms[ms.length - 2];
            int mw = (int) ms[ms.length - 1];
            m = new HeapTensor(new long[] {mask.data().length / ((long) mh * mw), 1, mh, mw}, mask.data());
            if (mh != h || mw != w) {
                m = ScaleNodes.upscaleChw(m, w, h, ScaleNodes.LatentMethod.BILINEAR, true);
            }
        }
        int plane = h * w;
        float[] out = new float[b * 5 * plane];
        int imgB = (int) img.dim(0);
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < plane; p++) {
                out[(i * 5) * plane + p] = m == null ? 1f : Math.round(m.data()[(i % (int) m.dim(0)) * plane + p]);
                for (int k = 0; k < c && k < 4; k++) {
                    out[(i * 5 + 1 + k) * plane + p] = m == null
                            ? BLANK[k]
                            : img.data()[((i % imgB) * c + k) * plane + p] * scale;
                }
            }
        }
        return new InpaintExtras(new HeapTensor(new long[] {b, 5, h, w}, out));
    }

    @Override
    public NDArray channels(NDArray x, LatentArea area, NDManager scope) {
        return rowsFor(channels, x, area, scope);
    }

    /**
     * The extra channels {@code [B, c, h, w]} for rows {@code x} of the batch: cropped to the area x covers, repeated
     * for each B rows of x, on x's device.
     *
     * @param x [N, 4, h', w'] rows of the batch (N a multiple of B), possibly an area crop
     */
    static NDArray rowsFor(HeapTensor channels, NDArray x, LatentArea area, NDManager scope) {
        NDArray all = channels.toNd(scope);
        if (area != null) {
            all = all.get(":, :, " + area.y() + ":" + (area.y() + x.getShape().get(2)) + ", " + area.x() + ":"
                    + (area.x() + x.getShape().get(3)));
        }
        long n = x.getShape().get(0);
        long b = channels.dim(0);
        return n == b ? all.toDevice(x.getDevice(), false) : all.repeat(0, n / b).toDevice(x.getDevice(), false);
    }
}
