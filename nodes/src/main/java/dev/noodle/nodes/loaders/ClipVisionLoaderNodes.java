package dev.noodle.nodes.loaders;

import dev.noodle.engine.vision.ClipVisionModel;
import dev.noodle.engine.vision.StyleAdapter;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.StyleModelValue;
import java.io.IOException;
import java.util.Optional;

/**
 * ComfyUI's CLIPVisionLoader and StyleModelLoader (nodes.py): a CLIP image tower from models/clip_vision and a T2I
 * style adapter from models/style_models. Each file is read once and shared by the values that hold it.
 */
public final class ClipVisionLoaderNodes {
    private ClipVisionLoaderNodes() {}

    /** CLIPVisionLoader: a CLIP image encoder (ViT-L/14, ViT-H/14 or ViT-bigG/14, either file layout). */
    public static final class ClipVisionLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput clipName;

        public ClipVisionLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("clip_name",
                    () -> LoraNodes.withDemo(env, ModelKind.CLIP_VISION, DemoAddons.CLIP_VISION)));
        }

        private ClipVisionLoader(NodeEnvironment env, ComboInput clipName) {
            super(NodeSupport.schema("CLIPVisionLoader", "Load CLIP Vision", "loaders",
                            "Loads a CLIP image encoder from models/clip_vision (e.g. clip_vision_g.safetensors or"
                                    + " CLIP-ViT-H-14's model.safetensors). It turns images into embeddings for"
                                    + " style models, unCLIP checkpoints and IP-Adapters.")
                    .input(clipName)
                    .output(PortType.CLIP_VISION, "CLIP_VISION"));
            this.env = env;
            this.clipName = clipName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.CLIP_VISION, in.get(clipName));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(clipName);
            AddonFiles.VisionLease<ClipVisionModel> lease = ctx.service(AddonFiles.class)
                    .clipVision(LoraNodes.file(env, ModelKind.CLIP_VISION, name));
            return NodeOutputs.of(new ClipVisionValue(lease.ref(), lease.model(), name));
        }
    }

    /** StyleModelLoader: TencentARC's T2I style adapter (t2iadapter_style_sd14v1.pth). */
    public static final class StyleModelLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput styleName;

        public StyleModelLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("style_model_name",
                    () -> LoraNodes.withDemo(env, ModelKind.STYLE_MODELS, DemoAddons.STYLE_MODEL)));
        }

        private StyleModelLoader(NodeEnvironment env, ComboInput styleName) {
            super(NodeSupport.schema("StyleModelLoader", "Load Style Model", "loaders",
                            "Loads a style model from models/style_models (TencentARC's T2I style adapter,"
                                    + " t2iadapter_style_sd14v1.pth): it turns a CLIP vision output into extra prompt"
                                    + " tokens that carry an image's style.")
                    .input(styleName)
                    .output(PortType.STYLE_MODEL, "STYLE_MODEL"));
            this.env = env;
            this.styleName = styleName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.STYLE_MODELS, in.get(styleName));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(styleName);
            AddonFiles.VisionLease<StyleAdapter> lease = ctx.service(AddonFiles.class)
                    .styleModel(LoraNodes.file(env, ModelKind.STYLE_MODELS, name));
            return NodeOutputs.of(new StyleModelValue(lease.ref(), lease.model(), name));
        }
    }
}
