package dev.noodle.nodes.values;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.noodle.engine.control.ControlHints;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A ControlNet or T2I adapter applied to a conditioning entry (ControlNetApply, ControlNetApplyAdvanced): the
 * model, its control image, a strength and the part of the schedule where it acts — ComfyUI's
 * {@code ControlBase.set_cond_hint}. Several on one entry are a chain whose residuals add up (ComfyUI's
 * {@code previous_controlnet} and {@code control_merge}). Immutable; the prepared hints it caches are heap copies,
 * shared by every entry and run holding this application, so positive and negative of one application, and
 * re-runs with another seed, prepare the image once per latent size.
 *
 * @param control the loaded control model
 * @param image the control image [B, 3, H, W] in 0..1 (ComfyUI's {@code image.movedim(-1, 1)})
 * @param strength the residuals' factor
 * @param startPercent where in the schedule it starts acting (0 = first step)
 * @param endPercent where it stops (1 = last step)
 * @param applyToUncond whether sampling also gives it to a negative entry that has no control (ControlNetApply's
 *     {@code control_apply_to_uncond})
 * @param prepared this application's cache of prepared hints (and hint-only residuals); compared by identity
 */
public record ControlApplication(ControlNetValue control, HeapTensor image, float strength, double startPercent,
        double endPercent, boolean applyToUncond, Prepared prepared) implements CondPatch {
    public ControlApplication {
        java.util.Objects.requireNonNull(control, "control");
        if (image.rank() != 4 || image.dim(1) != 3) {
            throw new IllegalArgumentException("a control image is [B, 3, H, W], got "
                    + java.util.Arrays.toString(image.shape()));
        }
    }

    /** A new application with its own (empty) cache. */
    public ControlApplication(ControlNetValue control, HeapTensor image, float strength, double startPercent,
            double endPercent, boolean applyToUncond) {
        this(control, image, strength, startPercent, endPercent, applyToUncond, new Prepared());
    }

    /**
     * The engine source for {@code model}: start/end percent become σ bounds of its schedule (ComfyUI
     * {@code pre_run}: {@code percent_to_sigma}); a control built on the model (a control-LoRA) is made from its
     * UNet here.
     *
     * @throws IllegalArgumentException naming both families when the control was made for another base model
     */
    @Override
    public UNetPatchSource source(ModelValue model) {
        ModelFamily mine = control.model().family();
        if (mine.base() != model.family().base()) {
            throw new IllegalArgumentException("the " + kind() + " " + control.source() + " is for "
                    + mine.displayName() + " but the model is " + model.family().displayName()
                    + "; load a " + kind() + " made for " + model.family().base().displayName());
        }
        ModelSampling ms = model.sampling();
        // a control-LoRA becomes the ControlNet made from this model's UNet (ComfyUI's ControlLora.pre_run)
        ControlModel run = model.unet() == null ? control.model()
                : control.model().forModel(model.unet().weights(), model.family());
        return new Source(run, image, strength, ms.percentToSigma(startPercent),
                ms.percentToSigma(endPercent), prepared);
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s %s at %.2f, %.0f–%.0f%%", kind(), control.source(), strength,
                startPercent * 100, endPercent * 100);
    }

    private String kind() {
        return control.model().hintOnly() ? "T2I adapter" : "ControlNet";
    }

    /**
     * An application's prepared control images, per latent size, and a hint-only model's residuals, per latent
     * size and call layout: heap copies, filled once under concurrent use. Equal only to itself.
     */
    public static final class Prepared {
        private final ConcurrentHashMap<List<Long>, HeapTensor> hints = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<List<Long>, List<HeapTensor>> residuals = new ConcurrentHashMap<>();

        /** How many prepared hints are held (one per latent size seen). */
        public int hintCount() {
            return hints.size();
        }
    }

    /**
     * One application as the sampler calls it: outside [sigmaEnd, sigmaStart] it adds nothing; inside, the
     * control's residuals for the call at {@code strength} (ComfyUI {@code ControlNet.get_control}; for hint-only
     * models {@code T2IAdapter.get_control}, computed once and reused). A record over shared objects, so the
     * positive and negative entries of one application still share a UNet call.
     *
     * @param model the control model
     * @param image [B, 3, H, W] control image
     * @param strength residual factor
     * @param sigmaStart acts only at σ ≤ this
     * @param sigmaEnd acts only at σ ≥ this
     * @param prepared the application's cache
     */
    public record Source(ControlModel model, HeapTensor image, float strength, float sigmaStart, float sigmaEnd,
            Prepared prepared) implements UNetPatchSource {
        /** Channels of the SD 1.x, 2.x and SDXL latents. */
        static final int LATENT_CHANNELS = 4;

        @Override
        public UNetPatches prepare(Call call, NDManager scope) {
            float sigma = call.sigma();
            if (!Float.isNaN(sigma) && (sigma > sigmaStart || sigma < sigmaEnd)) {
                return UNetPatches.NONE;
            }
            NDArray x = latentChannels(call.x());
            long rows = x.getShape().get(0);
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            int chunks = ControlHints.chunks(call.chunkOfRow());
            if (model.hintOnly()) {
                List<HeapTensor> cached = prepared.residuals.computeIfAbsent(List.of(h, w, rows, (long) chunks),
                        k -> {
                            try (NDManager tmp = scope.newSubManager()) {
                                return flatten(model.residuals(x, tmp.create(call.timesteps()),
                                        call.context(), call.y(), hint(h, w, rows, chunks, tmp), tmp));
                            }
                        });
                return UNetPatches.ofControl(unflatten(cached, scope).times(strength));
            }
            NDArray t = scope.create(call.timesteps());
            ControlResiduals r = model.residuals(x, t, call.context(), call.y(), hint(h, w, rows, chunks, scope), scope);
            return UNetPatches.ofControl(r.times(strength));
        }

        // The noisy latent without the channels inpainting and edit models append: ComfyUI gives a control the
        // 4-channel x_noisy (scaled by c_in), while c_concat goes to the UNet alone.
        private static NDArray latentChannels(NDArray x) {
            return x.getShape().get(1) > LATENT_CHANNELS ? x.get(new NDIndex(":, 0:" + LATENT_CHANNELS)) : x;
        }

        // The prepared hint for an h×w latent, spread over the call's rows: [1 or rows, C, 8h, 8w] in scope.
        private NDArray hint(long h, long w, long rows, int chunks, NDManager scope) {
            HeapTensor hint = prepared.hints.computeIfAbsent(List.of(h, w), k -> {
                try (NDManager tmp = scope.newSubManager()) {
                    return HeapTensor.of(model.hint(image.toNd(tmp), h, w, tmp));
                }
            });
            return ControlHints.broadcast(hint.toNd(scope), rows, chunks);
        }

        // Residuals as heap copies: input maps, then the middle, then output maps, with a count header.
        private static List<HeapTensor> flatten(ControlResiduals r) {
            List<HeapTensor> out = new ArrayList<>();
            out.add(new HeapTensor(new long[] {2}, new float[] {r.input().size(), r.output().size()}));
            for (NDArray a : r.input()) {
                out.add(a == null ? null : HeapTensor.of(a));
            }
            out.add(r.middle() == null ? null : HeapTensor.of(r.middle()));
            for (NDArray a : r.output()) {
                out.add(a == null ? null : HeapTensor.of(a));
            }
            return java.util.Collections.unmodifiableList(out);
        }

        private static ControlResiduals unflatten(List<HeapTensor> flat, NDManager scope) {
            int nIn = (int) flat.get(0).data()[0];
            int nOut = (int) flat.get(0).data()[1];
            List<NDArray> in = new ArrayList<>();
            for (int i = 0; i < nIn; i++) {
                in.add(nd(flat.get(1 + i), scope));
            }
            NDArray middle = nd(flat.get(1 + nIn), scope);
            List<NDArray> out = new ArrayList<>();
            for (int i = 0; i < nOut; i++) {
                out.add(nd(flat.get(2 + nIn + i), scope));
            }
            return new ControlResiduals(in, middle, out);
        }

        private static NDArray nd(HeapTensor t, NDManager scope) {
            return t == null ? null : t.toNd(scope);
        }
    }

    /**
     * The negative conditioning as ComfyUI samples it after ControlNetApply (its {@code apply_empty_x_to_equal_area}
     * for {@code control}): when no area-less negative entry has a control, the controls of each area-less positive
     * entry whose last application asked for it are given to the area-less negative entries in turn (cycling, a
     * later one replacing an earlier); otherwise the negative is returned as it is.
     */
    public static ConditioningValue sharedWithNegative(ConditioningValue positive, ConditioningValue negative) {
        List<List<ControlApplication>> chains = new ArrayList<>();
        for (ConditioningValue.Entry e : positive.entries()) {
            List<ControlApplication> chain = controls(e);
            if (!hasArea(e) && !chain.isEmpty() && chain.get(chain.size() - 1).applyToUncond()) {
                chains.add(chain);
            }
        }
        if (chains.isEmpty()) {
            return negative;
        }
        List<Integer> plain = new ArrayList<>();
        for (int i = 0; i < negative.entries().size(); i++) {
            ConditioningValue.Entry e = negative.entries().get(i);
            if (!hasArea(e)) {
                if (!controls(e).isEmpty()) {
                    return negative;
                }
                plain.add(i);
            }
        }
        if (plain.isEmpty()) {
            return negative;
        }
        List<ConditioningValue.Entry> out = new ArrayList<>(negative.entries());
        for (int x = 0; x < chains.size(); x++) {
            int slot = plain.get(x % plain.size());
            ConditioningValue.Entry original = negative.entries().get(slot);
            List<CondPatch> patches = new ArrayList<>(original.patches());
            patches.addAll(chains.get(x));
            out.set(slot, original.withPatches(patches));
        }
        return new ConditioningValue(out);
    }

    /** The control applications on an entry, in the order applied. */
    public static List<ControlApplication> controls(ConditioningValue.Entry e) {
        List<ControlApplication> out = new ArrayList<>();
        for (CondPatch p : e.patches()) {
            if (p instanceof ControlApplication c) {
                out.add(c);
            }
        }
        return out;
    }

    // ComfyUI's 'area' key: a cell or fractional area, or a mask whose bounds set one
    private static boolean hasArea(ConditioningValue.Entry e) {
        ConditioningValue.Placement p = e.placement();
        return e.area() != null || p.fractions() != null || p.mask() != null && p.maskBounds();
    }
}
