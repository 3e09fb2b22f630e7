package dev.noodle.nodes.loaders;

import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;

import ai.djl.ndarray.NDArray;
import dev.noodle.engine.adapters.Hypernetwork;
import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.adapters.LoraMatch;
import dev.noodle.engine.adapters.LoraPatcher;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** LoraLoader, LoraLoaderModelOnly and HypernetworkLoader, shaped as ComfyUI's. */
public final class LoraNodes {
    private LoraNodes() {}

    /** The listed files of a kind plus the demo add-on name (generated on first use). */
    static List<String> withDemo(NodeEnvironment env, ModelKind kind, String demo) {
        List<String> names = new ArrayList<>(env.models().list(kind));
        if (!names.contains(demo)) {
            names.add(demo);
        }
        return names;
    }

    static Path file(NodeEnvironment env, ModelKind kind, String name) throws IOException {
        DemoAddons.ensureIfDemo(env.models(), kind, name);
        return env.models().resolve(kind, name);
    }

    static Optional<String> fingerprint(NodeEnvironment env, ModelKind kind, String name) {
        try {
            return LoaderNodes.fileFingerprint(env.models().resolve(kind, name));
        } catch (IllegalArgumentException missing) { // reported by the node when it runs
            return LoaderNodes.fileFingerprint(env.models().folder(kind).resolve(name).normalize());
        }
    }

    /** Native bytes of the arrays {@code patched} does not share with {@code base}. */
    public static long ownBytes(UNetWeights base, UNetWeights patched) {
        long n = 0;
        for (String k : patched.keys()) {
            NDArray a = patched.get(k);
            if (a != base.get(k)) {
                n += a.getShape().size() * a.getDataType().getNumOfBytes();
            }
        }
        return n;
    }

    /** Applies one LoRA to a MODEL (and a CLIP when given) at the given strengths, reporting how well it fits. */
    static Object[] apply(NodeContext ctx, Lora lora, ModelValue model, ClipValue clip, float sm, float sc) {
        LoraPatcher.Targets targets = LoraPatcher.Targets.of(model.unet().weights(), clip == null ? null : clip.clip(),
                clip == null ? null : clip.clip2(), model.family());
        LoraMatch match = LoraPatcher.match(lora, targets);
        String count = "LoRA '" + lora.name() + "': " + match.matched() + " of " + match.modules() + " modules matched"
                + (clip == null ? " (model only)" : "");
        if (match.warning().isPresent()) {
            ctx.message(MessageLevel.WARNING, count + ". " + match.warning().get());
        } else if (!match.complete()) {
            ctx.message(MessageLevel.WARNING, count + "; not applied: "
                    + String.join(", ", match.unmatched().subList(0, Math.min(5, match.unmatched().size())))
                    + (match.unmatched().size() > 5 ? ", …" : ""));
        } else {
            ctx.message(MessageLevel.INFO, count + "; patches applied to the loaded weights at strength model " + sm
                    + (clip == null ? "" : ", clip " + sc) + " (checkpoint not re-read)");
        }
        List<LoraPatcher.Applied> stack = List.of(new LoraPatcher.Applied(lora, sm, sc));
        ModelValue outModel = model;
        if (sm != 0f) {
            UNetWeights base = model.unet().weights();
            UNetWeights patched = LoraPatcher.applyToUNet(base, stack);
            UNetModel unet = model.unet().withWeights(patched);
            long bytes = ownBytes(base, patched);
            outModel = model.withUNet(unet, "LoRA " + lora.name() + " at " + sm, bytes,
                    SharedRef.closing(bytes, patched, SharedRef.retainOwned(model.owned())));
        }
        ClipValue outClip = clip;
        if (clip != null && sc != 0f) {
            String note = "LoRA " + lora.name() + " at " + sc;
            if (clip.dual()) { // SDXL: lora_te1_ patches CLIP-L, lora_te2_ patches bigG
                ClipTextModel[] patched = LoraPatcher.applyToTexts(clip.clip(), clip.clip2(), stack);
                outClip = clip.withClips(patched[0], patched[1], note,
                        SharedRef.closing(0, patched[0], patched[1], SharedRef.retainOwned(clip.owned())));
            } else {
                ClipTextModel patched = LoraPatcher.applyToText(clip.clip(), stack);
                outClip = clip.withClip(patched, note, SharedRef.closing(0, patched, SharedRef.retainOwned(clip.owned())));
            }
        }
        return new Object[] {outModel, outClip};
    }

    private static FloatInput strength(String name, String tooltip) {
        return new FloatInput(name, 1.0, -100.0, 100.0, 0.01, 0, false, tooltip);
    }

    /** LoraLoader: patches MODEL and CLIP with a LoRA; chain several to stack them. */
    public static final class LoraLoader implements NodeDefinition {
        private final NodeEnvironment env;
        private final NodeSchema schema;

        public LoraLoader(NodeEnvironment env) {
            this.env = env;
            this.schema = NodeSupport.schema("LoraLoader", "Load LoRA", "loaders",
                            "Applies a LoRA (a small add-on trained for a base model) to the MODEL and CLIP. Chain"
                                    + " several to stack them; strength 0 leaves that part unchanged, negative"
                                    + " strengths invert the effect.")
                    .input(SocketInput.of("model", PortType.MODEL))
                    .input(SocketInput.of("clip", PortType.CLIP))
                    .input(ComboInput.dynamic("lora_name", () -> withDemo(env, ModelKind.LORAS, DemoAddons.LORA)))
                    .input(strength("strength_model", "How strongly to modify the diffusion model."))
                    .input(strength("strength_clip", "How strongly to modify the CLIP model."))
                    .output(PortType.MODEL, "MODEL")
                    .output(PortType.CLIP, "CLIP")
                    .build();
        }

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.LORAS, in.getString("lora_name"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get("model", ModelValue.class);
            ClipValue clip = in.get("clip", ClipValue.class);
            float sm = (float) in.getFloat("strength_model");
            float sc = (float) in.getFloat("strength_clip");
            Lora lora = ctx.service(AddonFiles.class).lora(file(env, ModelKind.LORAS, in.getString("lora_name")));
            return NodeOutputs.of(apply(ctx, lora, model, clip, sm, sc));
        }
    }

    /** LoraLoaderModelOnly: patches only the MODEL. */
    public static final class LoraLoaderModelOnly implements NodeDefinition {
        private final NodeEnvironment env;
        private final NodeSchema schema;

        public LoraLoaderModelOnly(NodeEnvironment env) {
            this.env = env;
            this.schema = NodeSupport.schema("LoraLoaderModelOnly", "LoraLoaderModelOnly", "loaders",
                            "Applies a LoRA to the MODEL only (the text encoder is left as it is).")
                    .input(SocketInput.of("model", PortType.MODEL))
                    .input(ComboInput.dynamic("lora_name", () -> withDemo(env, ModelKind.LORAS, DemoAddons.LORA)))
                    .input(strength("strength_model", "How strongly to modify the diffusion model."))
                    .output(PortType.MODEL, "MODEL")
                    .build();
        }

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.LORAS, in.getString("lora_name"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get("model", ModelValue.class);
            Lora lora = ctx.service(AddonFiles.class).lora(file(env, ModelKind.LORAS, in.getString("lora_name")));
            return NodeOutputs.of(apply(ctx, lora, model, null, (float) in.getFloat("strength_model"), 0f)[0]);
        }
    }

    /** HypernetworkLoader: an A1111 hypernetwork on the MODEL's attention layers. */
    public static final class HypernetworkLoader implements NodeDefinition {
        private final NodeEnvironment env;
        private final NodeSchema schema;

        public HypernetworkLoader(NodeEnvironment env) {
            this.env = env;
            this.schema = NodeSupport.schema("HypernetworkLoader", "HypernetworkLoader", "loaders",
                            "Applies an AUTOMATIC1111 hypernetwork (.pt): small networks that rewrite the attention"
                                    + " inputs of the MODEL, scaled by strength.")
                    .input(SocketInput.of("model", PortType.MODEL))
                    .input(ComboInput.dynamic("hypernetwork_name",
                            () -> withDemo(env, ModelKind.HYPERNETWORKS, DemoAddons.HYPERNETWORK)))
                    .input(new FloatInput("strength", 1.0, -10.0, 10.0, 0.01, 0, false, ""))
                    .output(PortType.MODEL, "MODEL")
                    .build();
        }

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.HYPERNETWORKS, in.getString("hypernetwork_name"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get("model", ModelValue.class);
            String name = in.getString("hypernetwork_name");
            Hypernetwork h = ctx.service(AddonFiles.class).hypernetwork(file(env, ModelKind.HYPERNETWORKS, name));
            float strength = (float) in.getFloat("strength");
            int context = model.unet().config().contextDim();
            if (!h.widths().contains(context)) {
                ctx.message(MessageLevel.WARNING, "hypernetwork '" + h.name() + "' has modules for widths "
                        + h.widths() + " but this model's cross-attention width is " + context
                        + "; it may have been made for another model family");
            }
            UNetModel hooked = model.unet().withAttentionHook(h.hook(strength));
            return NodeOutputs.of(model.withUNet(hooked, "hypernetwork " + h.name() + " at " + strength, 0,
                    SharedRef.closing(0, SharedRef.retainOwned(model.owned()))));
        }
    }
}
