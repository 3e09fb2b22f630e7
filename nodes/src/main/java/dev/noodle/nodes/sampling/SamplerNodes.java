package dev.noodle.nodes.sampling;

import dev.noodle.nodes.host.LatentPreviews;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.image.ScaleNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.diffusion.CondEntry;
import dev.noodle.engine.diffusion.ConditionedUNet;
import dev.noodle.engine.diffusion.DiffusionSampler;
import dev.noodle.engine.diffusion.GuidanceRule;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.engine.diffusion.NoiseMode;
import dev.noodle.engine.diffusion.SamplingRequest;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplingCancelledException;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.sampling.StepCallback;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import ai.djl.ndarray.types.Shape;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.ControlApplication;
import dev.noodle.nodes.values.GligenApplication;
import dev.noodle.nodes.values.GuiderValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.UnclipImages;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** KSampler and KSamplerAdvanced, shaped as ComfyUI's; both sample through {@link #sample}. */
public final class SamplerNodes {
    private SamplerNodes() {}

    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    static final IntInput STEPS = IntInput.of("steps", 20, 1, 10000);
    static final EnumInput<SamplerKind> SAMPLER = EnumInput.of("sampler_name", SamplerKind.class,
            SamplerKind::comfyName).withTooltip(SamplingHelp.SAMPLER_TOOLTIP);
    static final EnumInput<Scheduler> SCHEDULER = EnumInput.of("scheduler", Scheduler.class, Scheduler::comfyName)
            .withTooltip(SamplingHelp.SCHEDULER_TOOLTIP);
    static final SocketInput<ConditioningValue> POSITIVE =
            SocketInput.of("positive", PortType.CONDITIONING, ConditioningValue.class);
    static final SocketInput<ConditioningValue> NEGATIVE =
            SocketInput.of("negative", PortType.CONDITIONING, ConditioningValue.class);
    static final SocketInput<LatentValue> LATENT_IMAGE =
            SocketInput.of("latent_image", PortType.LATENT, LatentValue.class);
    /**
     * ComfyUI's (the default) or AUTOMATIC1111's seed noise ({@code ./noodle run --noise-mode a1111} writes it into
     * every sampler that leaves it unset, so saved images keep it).
     */
    static final EnumInput<NoiseMode> NOISE_MODE =
            EnumInput.of("noise_mode", NoiseMode.class, NoiseMode::jsonName).asOptional();

    private static FloatInput cfg(String tooltip) {
        return new FloatInput("cfg", 8.0, 0.0, 100.0, 0.1, 0.01, false, tooltip);
    }

    /**
     * Samples the node's latent_image with its model and positive/negative conditioning under {@code request}'s
     * settings, reporting progress with previews; returns the new latent (keeping the noise mask and batch index).
     */
    static NodeOutputs sample(NodeContext ctx, SamplingRequest request) {
        NodeInputs in = ctx.inputs();
        return NodeOutputs.of(run(ctx, in.get(MODEL), in.get(POSITIVE), in.get(NEGATIVE), in.get(LATENT_IMAGE),
                request, null).output());
    }

    /** A sampling run's latents: the result and the last step's denoised estimate (ComfyUI's x0 preview). */
    record Result(LatentValue output, LatentValue denoised) {}

    /**
     * Samples {@code latent} with the model and conditioning under {@code request}, along {@code sigmas} when given
     * or else the request's own schedule, reporting progress with previews. Both latents keep the input's noise
     * mask and batch index; with no step run, the denoised latent is the output (as ComfyUI's custom samplers).
     *
     * @param negative the conditioning to steer away from, or null for none (the positive alone, at cfg 1)
     * @param sigmas the explicit σ schedule, or null for the request's scheduler, steps and denoise
     */
    static Result run(NodeContext ctx, ModelValue model, ConditioningValue positive, ConditioningValue negative,
            LatentValue latent, SamplingRequest request, float[] sigmas) {
        return run(ctx, model, positive, negative, GuiderValue.Cfg.INSTANCE, latent, request, sigmas);
    }

    /**
     * Samples as {@link #run(NodeContext, ModelValue, ConditioningValue, ConditioningValue, LatentValue,
     * SamplingRequest, float[])} with a guider's rule (DualCFGGuider, PerpNegGuider) in place of plain CFG.
     */
    static Result run(NodeContext ctx, ModelValue model, ConditioningValue positive, ConditioningValue negative,
            GuiderValue.Mode mode, LatentValue latent, SamplingRequest request, float[] sigmas) {
        HeapTensor samples = latent.samples();
        MemoryPreflight.check(ctx.nodeType(), samples.dim(0), samples.dim(2) * 8, samples.dim(3) * 8);
        // ControlNetApply's controls reach a negative that has none (ComfyUI control_apply_to_uncond)
        negative = negative == null ? null : ControlApplication.sharedWithNegative(positive, negative);
        // and the positive's GLIGEN boxes reach a negative that has none (ComfyUI apply_empty_x_to_equal_area)
        negative = negative == null ? null : GligenApplication.sharedWithNegative(positive, negative);
        try (NDManager m = NodeSupport.scope(ctx)) {
            SamplingRequest r = request.withConditioning(entries(positive, m, model, samples, false, request.seed()),
                    negative == null ? List.of() : entries(negative, m, model, samples, true, request.seed()));
            NDArray x = samples.toNd(m);
            NDArray mask = latent.noiseMask() == null ? null
                    : latentSizeMask(latent.noiseMask(), samples.dim(2), samples.dim(3)).toNd(m);
            // the guider's own conditioning (DualCFGGuider's cond2, PerpNegGuider's empty prompt), a negative one
            ConditioningValue guiderOwn = switch (mode) {
                case GuiderValue.Cfg c -> null;
                case GuiderValue.DualCfg d -> d.cond2();
                case GuiderValue.PerpNeg p -> p.empty();
            };
            ConditioningValue own = guiderOwn == null ? null
                    : GligenApplication.sharedWithNegative(positive,
                            ControlApplication.sharedWithNegative(positive, guiderOwn));
            List<CondEntry> ownEntries = own == null ? List.of()
                    : entries(own, m, model, samples, true, request.seed());
            List<Map.Entry<ConditioningValue, List<CondEntry>>> conds = new ArrayList<>();
            conds.add(Map.entry(positive, r.positive()));
            if (negative != null) {
                conds.add(Map.entry(negative, r.negative()));
            }
            if (own != null) {
                conds.add(Map.entry(own, ownEntries));
            }
            ConditionedUNet.LatentExtras extras = model.unet().config().inChannels() == 9
                    ? InpaintExtras.of(positive, latent, model.latentScale())
                    : Ip2pExtras.forModel(model, latent, conds);
            DiffusionSampler.Model dm = new DiffusionSampler.Model(model.unet(), model.sampling(), model.latentScale(),
                    extras, model.guidance());
            GuidanceRule rule = switch (mode) {
                case GuiderValue.Cfg c -> GuidanceRule.CFG;
                case GuiderValue.DualCfg d -> new GuidanceRule.DualCfg(ownEntries, request.cfg(),
                        d.cfgCond2Negative(), d.nested());
                case GuiderValue.PerpNeg p -> new GuidanceRule.PerpNeg(ownEntries, p.negScale());
            };
            LatentPreviews.Pacer previews = new LatentPreviews.Pacer(LatentPreviews.of(ctx)
                    .previewer(model.family().sdxlLatents(), w -> ctx.message(MessageLevel.WARNING, w))
                    .orElse(null));
            HeapTensor[] lastDenoised = new HeapTensor[1];
            StepCallback cb = (step, total, sigma, xs, denoised) -> {
                if (step == total - 1) {
                    lastDenoised[0] = HeapTensor.of(denoised);
                }
                ctx.progress(step + 1, total,
                        previews.at(step, total, denoised, ctx.cancellation().isCancelled()));
            };
            NDArray out = sigmas == null
                    ? DiffusionSampler.sample(dm, r, x, mask, latent.batchIndex(), cb, NodeSupport.cancelled(ctx), m)
                    : DiffusionSampler.sampleSigmas(dm, r, rule, sigmas, x, mask, latent.batchIndex(), cb,
                            NodeSupport.cancelled(ctx), m);
            LatentValue output = new LatentValue(HeapTensor.of(out), latent.noiseMask(), latent.batchIndex());
            LatentValue denoised = lastDenoised[0] == null ? output
                    : new LatentValue(unscaled(lastDenoised[0], model.latentScale()), latent.noiseMask(),
                            latent.batchIndex());
            return new Result(output, denoised);
        } catch (SamplingCancelledException e) {
            throw NodeSupport.cancelledException();
        }
    }

    /** A model-space latent brought back to the VAE's scale (ComfyUI process_latent_out: divide by the factor). */
    private static HeapTensor unscaled(HeapTensor t, float latentScale) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] /= latentScale;
        }
        return new HeapTensor(t.shape(), d);
    }

    /** A noise mask [B, 1, H, W] at pixel size resized to the latent (ComfyUI prepare_mask: bilinear). */
    static HeapTensor latentSizeMask(HeapTensor mask, long h, long w) {
        long[] s = mask.shape();
        long mh = s[s.length - 2];
        long mw = s[s.length - 1];
        HeapTensor m = new HeapTensor(new long[] {mask.data().length / (mh * mw), 1, mh, mw}, mask.data());
        return mh == h && mw == w ? m
                : ScaleNodes.upscaleChw(m, (int) w, (int) h, ScaleNodes.LatentMethod.BILINEAR, false);
    }

    /**
     * The sampler's entries; for a UNet with {@code label_emb} (SDXL) each gets its {@code y} vector from its pooled
     * output and size parameters, sizes defaulting to the latent's × 8 (ComfyUI {@code encode_model_conds}), and
     * from its unCLIP images (Stable unCLIP's image vector, SDXL revision's pooled replacement) noised with the
     * sampler's {@code seed} as ComfyUI does ({@link AdmConditioning#y(NDManager, dev.noodle.engine.model.ModelFamily,
     * int, NDArray, List, long, Map, int, int, boolean)}).
     * Fractional areas and masks are resolved against the latent's size and timestep ranges turned into σ bounds of
     * the model's schedule, as ComfyUI's {@code resolve_areas_and_cond_masks} and
     * {@code calculate_start_end_timesteps} do when sampling starts.
     */
    public static List<CondEntry> entries(ConditioningValue c, NDManager m, ModelValue model, HeapTensor latent,
            boolean negative, long seed) {
        int adm = model.unet().config().admInChannels();
        List<CondEntry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : c.entries()) {
            NDArray pooled = e.pooled() == null ? null : e.pooled().toNd(m);
            NDArray y;
            try {
                y = AdmConditioning.y(m, model.family(), adm, pooled, UnclipImages.toEngine(e, m), seed,
                        e.sizeParams(), (int) latent.dim(2), (int) latent.dim(3), negative);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException((negative ? "negative" : "positive") + " conditioning: "
                        + ex.getMessage(), ex);
            }
            List<dev.noodle.engine.unet.UNetPatchSource> patches = new ArrayList<>();
            for (dev.noodle.nodes.values.CondPatch p : e.patches()) {
                patches.add(p.source(model));
            }
            out.add(placed(new CondEntry(e.context().toNd(m), pooled, e.strength(), e.area(), y).withPatches(patches),
                    e.placement(), m, model, latent));
        }
        return out;
    }

    /** {@link #entries(ConditioningValue, NDManager, ModelValue, HeapTensor, boolean, long)} with seed 0. */
    public static List<CondEntry> entries(ConditioningValue c, NDManager m, ModelValue model, HeapTensor latent,
            boolean negative) {
        return entries(c, m, model, latent, negative, 0);
    }

    private static CondEntry placed(CondEntry c, ConditioningValue.Placement p, NDManager m, ModelValue model,
            HeapTensor latent) {
        if (p.equals(ConditioningValue.Placement.NONE)) {
            return c;
        }
        int h = (int) latent.dim(2);
        int w = (int) latent.dim(3);
        CondEntry out = c;
        if (p.fractions() != null) {
            ConditioningValue.AreaFractions f = p.fractions();
            out = out.withArea(LatentArea.ofFractions(f.x(), f.y(), f.width(), f.height(), w, h), c.strength());
        }
        if (p.mask() != null) {
            HeapTensor lm = latentSizeMask(p.mask(), h, w); // [Bm, 1, h, w]
            int bm = (int) lm.dim(0);
            if (p.maskBounds()) {
                out = out.withArea(LatentArea.boundsOf(lm.data(), bm, h, w), c.strength());
            }
            out = out.withMask(m.create(lm.data(), new Shape(bm, h, w)).mul(p.maskStrength()));
        }
        if (p.start() > 0 || p.end() < 1) {
            ModelSampling ms = model.sampling();
            out = out.withSigmaRange(ms.percentToSigma(p.start()), ms.percentToSigma(p.end()));
        }
        return out;
    }

    /** KSampler. */
    public static final class KSampler extends Node {
        static final IntInput SEED =
                IntInput.seed("seed").withTooltip("The noise seed; the same seed gives the same image.");
        static final FloatInput CFG = cfg("Classifier-free guidance: how strongly to follow the prompt.");
        static final FloatInput DENOISE = FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01);

        public KSampler() {
            super(NodeSupport.schema("KSampler", "KSampler", "sampling",
                            "The sampler: starting from noise (or a latent), the MODEL removes noise step by step,"
                                    + " steered by the positive and away from the negative conditioning (CFG).")
                    .input(MODEL)
                    .input(SEED)
                    .input(STEPS)
                    .input(CFG)
                    .input(SAMPLER)
                    .input(SCHEDULER)
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(LATENT_IMAGE)
                    .input(DENOISE)
                    .input(NOISE_MODE)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return sample(ctx, new SamplingRequest(in.get(SEED), in.getInt(STEPS), in.getFloat(CFG), in.get(SAMPLER),
                    in.get(SCHEDULER), in.getFloat(DENOISE), true, 0, 10000, true, List.of(), List.of(),
                    in.get(NOISE_MODE)));
        }
    }

    /** An enable/disable switch, spelled as ComfyUI's combos spell it. */
    enum Switch {
        ENABLE("enable"),
        DISABLE("disable");

        private final String jsonName;

        Switch(String jsonName) {
            this.jsonName = jsonName;
        }

        String jsonName() {
            return jsonName;
        }
    }

    /** KSamplerAdvanced: add_noise, start/end steps, leftover noise. */
    public static final class KSamplerAdvanced extends Node {
        static final EnumInput<Switch> ADD_NOISE =
                EnumInput.of("add_noise", List.of(Switch.ENABLE, Switch.DISABLE), Switch::jsonName);
        static final IntInput NOISE_SEED = IntInput.seed("noise_seed");
        static final FloatInput CFG = cfg("");
        static final IntInput START_AT_STEP = IntInput.of("start_at_step", 0, 0, 10000);
        static final IntInput END_AT_STEP = IntInput.of("end_at_step", 10000, 0, 10000);
        static final EnumInput<Switch> RETURN_WITH_LEFTOVER_NOISE =
                EnumInput.of("return_with_leftover_noise", List.of(Switch.DISABLE, Switch.ENABLE), Switch::jsonName);

        public KSamplerAdvanced() {
            super(NodeSupport.schema("KSamplerAdvanced", "KSampler (Advanced)", "sampling",
                            "KSampler with control over the step range and noise, e.g. to hand a partly denoised"
                                    + " latent to another model.")
                    .input(MODEL)
                    .input(ADD_NOISE)
                    .input(NOISE_SEED)
                    .input(STEPS)
                    .input(CFG)
                    .input(SAMPLER)
                    .input(SCHEDULER)
                    .input(POSITIVE)
                    .input(NEGATIVE)
                    .input(LATENT_IMAGE)
                    .input(START_AT_STEP)
                    .input(END_AT_STEP)
                    .input(RETURN_WITH_LEFTOVER_NOISE)
                    .input(NOISE_MODE)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return sample(ctx, new SamplingRequest(in.get(NOISE_SEED), in.getInt(STEPS), in.getFloat(CFG),
                    in.get(SAMPLER), in.get(SCHEDULER), 1f, in.get(ADD_NOISE) == Switch.ENABLE,
                    in.getInt(START_AT_STEP), in.getInt(END_AT_STEP),
                    in.get(RETURN_WITH_LEFTOVER_NOISE) == Switch.DISABLE, List.of(), List.of(),
                    in.get(NOISE_MODE)));
        }
    }
}
