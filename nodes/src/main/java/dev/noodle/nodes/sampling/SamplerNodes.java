package dev.noodle.nodes.sampling;

import dev.noodle.nodes.conditioning.SdxlConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.image.ScaleNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.image.LatentPreview;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplingCancelledException;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.diffusion.CondEntry;
import dev.noodle.engine.diffusion.DiffusionSampler;
import dev.noodle.engine.diffusion.SamplingRequest;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** KSampler and KSamplerAdvanced, shaped as ComfyUI's. */
public final class SamplerNodes {
    private SamplerNodes() {}

    static final List<String> SAMPLERS = Arrays.stream(SamplerKind.values()).map(SamplerKind::comfyName).toList();
    static final List<String> SCHEDULERS = Arrays.stream(Scheduler.values()).map(Scheduler::comfyName).toList();
    /** A live preview of the denoised latent every this many steps (and at the last). */
    static final int PREVIEW_EVERY = 3;
    static final List<String> NOISE_MODES = List.of("comfy", "a1111");

    static NodeSchema.Builder common(NodeSchema.Builder b, String seedName) {
        return b.input(SocketInput.of("model", PortType.MODEL))
                .input(IntInput.seed(seedName).withTooltip("The noise seed; the same seed gives the same image."))
                .input(IntInput.of("steps", 20, 1, 10000))
                .input(new FloatInput("cfg", 8.0, 0.0, 100.0, 0.1, 0.01, false,
                        "Classifier-free guidance: how strongly to follow the prompt."))
                .input(ComboInput.of("sampler_name", SAMPLERS))
                .input(ComboInput.of("scheduler", SCHEDULERS));
    }

    /** Runs the sampler for a node and returns the new latent. */
    static LatentValue run(NodeContext ctx, SamplingRequest request, LatentValue latent) {
        NodeInputs in = ctx.inputs();
        ModelValue model = in.get("model", ModelValue.class);
        HeapTensor samples = latent.samples();
        MemoryPreflight.check(ctx.nodeType(), samples.dim(0), samples.dim(2) * 8, samples.dim(3) * 8);
        try (NDManager m = NodeSupport.scope(ctx)) {
            SamplingRequest r = new SamplingRequest(request.seed(), request.steps(), request.cfg(), request.sampler(),
                    request.scheduler(), request.denoise(), request.addNoise(), request.startStep(), request.endStep(),
                    request.forceFullDenoise(), entries(in.get("positive", ConditioningValue.class), m, model,
                            samples, false),
                    entries(in.get("negative", ConditioningValue.class), m, model, samples, true), request.noiseMode());
            NDArray x = samples.toNd(m);
            NDArray mask = latent.noiseMask() == null ? null
                    : latentSizeMask(latent.noiseMask(), samples.dim(2), samples.dim(3)).toNd(m);
            InpaintExtras extras = model.unet().config().inChannels() == 9
                    ? InpaintExtras.of(in.get("positive", ConditioningValue.class), latent, model.latentScale()) : null;
            DiffusionSampler.Model dm = new DiffusionSampler.Model(model.unet(), model.sampling(), model.latentScale(),
                    extras);
            float[][] factors = model.family().base() == dev.noodle.engine.model.ModelFamily.SDXL
                    ? LatentPreview.SDXL_FACTORS : LatentPreview.SD15_FACTORS;
            NDArray out = DiffusionSampler.sample(dm, r, x, mask, latent.batchIndex(),
                    (step, total, sigma, xs, denoised) -> ctx.progress(step + 1, total,
                            step % PREVIEW_EVERY == PREVIEW_EVERY - 1 || step == total - 1
                                    ? LatentPreview.preview(denoised, factors) : null),
                    NodeSupport.cancelled(ctx), m);
            return new LatentValue(HeapTensor.of(out), latent.noiseMask(), latent.batchIndex());
        } catch (SamplingCancelledException e) {
            throw NodeSupport.cancelledException();
        }
    }

    /** A noise mask [B, 1, H, W] at pixel size resized to the latent (ComfyUI prepare_mask: bilinear). */
    static HeapTensor latentSizeMask(HeapTensor mask, long h, long w) {
        long[] s = mask.shape();
        long mh = s[s.length - 2];
        long mw = s[s.length - 1];
        HeapTensor m = new HeapTensor(new long[] {mask.data().length / (mh * mw), 1, mh, mw}, mask.data());
        return mh == h && mw == w ? m : ScaleNodes.upscaleChw(m, (int) w, (int) h, "bilinear", false);
    }

    /**
     * The sampler's entries; for a UNet with {@code label_emb} (SDXL) each gets its {@code y} vector from its pooled
     * output and size parameters, sizes defaulting to the latent's × 8 (ComfyUI {@code encode_model_conds}).
     */
    public static List<CondEntry> entries(ConditioningValue c, NDManager m, ModelValue model, HeapTensor latent,
            boolean negative) {
        int adm = model.unet().config().admInChannels();
        List<CondEntry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : c.entries()) {
            NDArray pooled = e.pooled() == null ? null : e.pooled().toNd(m);
            NDArray y = AdmConditioning.y(m, adm, pooled, SdxlConditioningNodes.params(e), (int) latent.dim(2),
                    (int) latent.dim(3), negative);
            out.add(new CondEntry(e.context().toNd(m), pooled, e.strength(), e.area(), y));
        }
        return out;
    }

    static String noiseMode(NodeInputs in) {
        return compatMode(in, "noise_mode");
    }

    /**
     * ComfyUI ("comfy", the default) or AUTOMATIC1111 ("a1111") conventions for a node, from its optional input
     * ({@code ./noodle run --noise-mode a1111} writes it into every node that has one, so saved images keep it).
     */
    public static String compatMode(NodeInputs in, String input) {
        return in.has(input) ? in.getString(input) : "comfy";
    }

    /** KSampler. */
    public static final class KSampler implements NodeDefinition {
        private final NodeSchema schema = common(NodeSupport.schema("KSampler", "KSampler", "sampling",
                        "The sampler: starting from noise (or a latent), the MODEL removes noise step by step,"
                                + " steered by the positive and away from the negative conditioning (CFG)."), "seed")
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT))
                .input(FloatInput.of("denoise", 1.0, 0.0, 1.0, 0.01))
                .input(ComboInput.of("noise_mode", NOISE_MODES).asOptional())
                .output(PortType.LATENT, "LATENT")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            SamplingRequest r = new SamplingRequest(in.getInt("seed"), (int) in.getInt("steps"),
                    (float) in.getFloat("cfg"), SamplerKind.fromComfyName(in.getString("sampler_name")),
                    Scheduler.fromComfyName(in.getString("scheduler")), (float) in.getFloat("denoise"), true, 0,
                    10000, true, List.of(), List.of(), noiseMode(in));
            return NodeOutputs.of(run(ctx, r, in.get("latent_image", LatentValue.class)));
        }
    }

    /** KSamplerAdvanced: add_noise, start/end steps, leftover noise. */
    public static final class KSamplerAdvanced implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("KSamplerAdvanced", "KSampler (Advanced)", "sampling",
                        "KSampler with control over the step range and noise, e.g. to hand a partly denoised latent"
                                + " to another model.")
                .input(SocketInput.of("model", PortType.MODEL))
                .input(ComboInput.of("add_noise", "enable", "disable"))
                .input(IntInput.seed("noise_seed"))
                .input(IntInput.of("steps", 20, 1, 10000))
                .input(new FloatInput("cfg", 8.0, 0.0, 100.0, 0.1, 0.01, false, ""))
                .input(ComboInput.of("sampler_name", SAMPLERS))
                .input(ComboInput.of("scheduler", SCHEDULERS))
                .input(SocketInput.of("positive", PortType.CONDITIONING))
                .input(SocketInput.of("negative", PortType.CONDITIONING))
                .input(SocketInput.of("latent_image", PortType.LATENT))
                .input(IntInput.of("start_at_step", 0, 0, 10000))
                .input(IntInput.of("end_at_step", 10000, 0, 10000))
                .input(ComboInput.of("return_with_leftover_noise", "disable", "enable"))
                .input(ComboInput.of("noise_mode", NOISE_MODES).asOptional())
                .output(PortType.LATENT, "LATENT")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            SamplingRequest r = new SamplingRequest(in.getInt("noise_seed"), (int) in.getInt("steps"),
                    (float) in.getFloat("cfg"), SamplerKind.fromComfyName(in.getString("sampler_name")),
                    Scheduler.fromComfyName(in.getString("scheduler")), 1f,
                    in.getString("add_noise").equals("enable"), (int) in.getInt("start_at_step"),
                    (int) in.getInt("end_at_step"), in.getString("return_with_leftover_noise").equals("disable"),
                    List.of(), List.of(), noiseMode(in));
            return NodeOutputs.of(run(ctx, r, in.get("latent_image", LatentValue.class)));
        }
    }
}
