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
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
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

    /**
     * The file's size and time; a demo add-on is generated first (as the demo checkpoint is), so its first run and
     * the next fingerprint the same file and the second takes the first's result from the cache.
     */
    static Optional<String> fingerprint(NodeEnvironment env, ModelKind kind, String name) {
        try {
            return LoaderNodes.fileFingerprint(file(env, kind, name));
        } catch (IOException | IllegalArgumentException missing) { // reported by the node when it runs
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

    /**
     * What a LoRA node gives: the patched MODEL, and the patched CLIP (null when no CLIP was given).
     *
     * @param model the MODEL, the input itself at strength 0
     * @param clip the CLIP, the input itself at strength 0; null for a model-only LoRA
     */
    record Patched(ModelValue model, ClipValue clip) {}

    /** Applies one LoRA to a MODEL (and a CLIP when given) at the given strengths, reporting how well it fits. */
    static Patched apply(NodeContext ctx, Lora lora, ModelValue model, ClipValue clip, float sm, float sc) {
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
                outClip = clip.withClip(patched, note,
                        SharedRef.closing(0, patched, SharedRef.retainOwned(clip.owned())));
            }
        }
        return new Patched(outModel, outClip);
    }

    private static FloatInput strength(String name, String tooltip) {
        return new FloatInput(name, 1.0, -100.0, 100.0, 0.01, 0, false, tooltip);
    }

    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    static final SocketInput<ClipValue> CLIP = SocketInput.of("clip", PortType.CLIP, ClipValue.class);
    static final FloatInput STRENGTH_MODEL = strength("strength_model", "How strongly to modify the diffusion model.");
    static final FloatInput STRENGTH_CLIP = strength("strength_clip", "How strongly to modify the CLIP model.");

    /** The loras folder's files (plus the demo LoRA), listed when asked. */
    static ComboInput loraName(NodeEnvironment env) {
        return ComboInput.dynamic("lora_name", () -> withDemo(env, ModelKind.LORAS, DemoAddons.LORA));
    }

    /** LoraLoader: patches MODEL and CLIP with a LoRA; chain several to stack them. */
    public static final class LoraLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput loraName;

        public LoraLoader(NodeEnvironment env) {
            this(env, loraName(env));
        }

        private LoraLoader(NodeEnvironment env, ComboInput loraName) {
            super(NodeSupport.schema("LoraLoader", "Load LoRA", "loaders",
                            "Applies a LoRA (a small add-on trained for a base model) to the MODEL and CLIP. Chain"
                                    + " several to stack them; strength 0 leaves that part unchanged, negative"
                                    + " strengths invert the effect.")
                    .input(MODEL)
                    .input(CLIP)
                    .input(loraName)
                    .input(STRENGTH_MODEL)
                    .input(STRENGTH_CLIP)
                    .output(PortType.MODEL, "MODEL")
                    .output(PortType.CLIP, "CLIP"));
            this.env = env;
            this.loraName = loraName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.LORAS, in.get(loraName));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            Lora lora = ctx.service(AddonFiles.class).lora(file(env, ModelKind.LORAS, in.get(loraName)));
            Patched p = apply(ctx, lora, in.get(MODEL), in.get(CLIP), in.getFloat(STRENGTH_MODEL),
                    in.getFloat(STRENGTH_CLIP));
            return NodeOutputs.of(p.model(), p.clip());
        }
    }

    /** LoraLoaderModelOnly: patches only the MODEL. */
    public static final class LoraLoaderModelOnly extends Node {
        private final NodeEnvironment env;
        private final ComboInput loraName;

        public LoraLoaderModelOnly(NodeEnvironment env) {
            this(env, loraName(env));
        }

        private LoraLoaderModelOnly(NodeEnvironment env, ComboInput loraName) {
            super(NodeSupport.schema("LoraLoaderModelOnly", "LoraLoaderModelOnly", "loaders",
                            "Applies a LoRA to the MODEL only (the text encoder is left as it is).")
                    .input(MODEL)
                    .input(loraName)
                    .input(STRENGTH_MODEL)
                    .output(PortType.MODEL, "MODEL"));
            this.env = env;
            this.loraName = loraName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.LORAS, in.get(loraName));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            Lora lora = ctx.service(AddonFiles.class).lora(file(env, ModelKind.LORAS, in.get(loraName)));
            return NodeOutputs.of(apply(ctx, lora, in.get(MODEL), null, in.getFloat(STRENGTH_MODEL), 0f).model());
        }
    }

    /** HypernetworkLoader: an A1111 hypernetwork on the MODEL's attention layers. */
    public static final class HypernetworkLoader extends Node {
        static final FloatInput STRENGTH = new FloatInput("strength", 1.0, -10.0, 10.0, 0.01, 0, false, "");

        private final NodeEnvironment env;
        /** The hypernetworks folder's files (plus the demo hypernetwork), listed when asked. */
        private final ComboInput hypernetworkName;

        public HypernetworkLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("hypernetwork_name",
                    () -> withDemo(env, ModelKind.HYPERNETWORKS, DemoAddons.HYPERNETWORK)));
        }

        private HypernetworkLoader(NodeEnvironment env, ComboInput hypernetworkName) {
            super(NodeSupport.schema("HypernetworkLoader", "HypernetworkLoader", "loaders",
                            "Applies an AUTOMATIC1111 hypernetwork (.pt): small networks that rewrite the attention"
                                    + " inputs of the MODEL, scaled by strength.")
                    .input(MODEL)
                    .input(hypernetworkName)
                    .input(STRENGTH)
                    .output(PortType.MODEL, "MODEL"));
            this.env = env;
            this.hypernetworkName = hypernetworkName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return fingerprint(env, ModelKind.HYPERNETWORKS, in.get(hypernetworkName));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get(MODEL);
            String name = in.get(hypernetworkName);
            Hypernetwork h = ctx.service(AddonFiles.class).hypernetwork(file(env, ModelKind.HYPERNETWORKS, name));
            float strength = in.getFloat(STRENGTH);
            int context = model.unet().config().contextDim();
            if (!h.widths().contains(context)) {
                ctx.message(MessageLevel.WARNING, "hypernetwork '" + h.name() + "' has modules for widths "
                        + h.widths() + " but this model's cross-attention width is " + context
                        + "; it may have been made for another model family");
            }
            int layers = strength == 0f ? 0 : h.layersPatched(model.unet().weights());
            ctx.message(MessageLevel.INFO, "hypernetwork '" + h.name() + "' applied at strength " + strength + ": "
                    + layers + (layers == 1 ? " attention layer" : " attention layers") + " patched");
            UNetModel hooked = model.unet().withAttentionHook(h.hook(strength));
            return NodeOutputs.of(model.withUNet(hooked, "hypernetwork " + h.name() + " at " + strength, 0,
                    SharedRef.closing(0, SharedRef.retainOwned(model.owned()))));
        }
    }
}
