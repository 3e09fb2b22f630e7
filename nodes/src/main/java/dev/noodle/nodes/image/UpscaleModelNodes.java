package dev.noodle.nodes.image;

import ai.djl.Device;
import dev.noodle.engine.upscale.TiledUpscale;
import dev.noodle.engine.upscale.UpscaleNet;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.OutOfMemory;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.UpscaleModelValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * ComfyUI's upscale-model nodes ({@code comfy_extras/nodes_upscale_model.py}): {@code UpscaleModelLoader} reads a
 * file from models/upscale_models, {@code ImageUpscaleWithModel} runs it over an image batch in 512-pixel tiles with
 * 32 pixels of overlap, halving the tile on out-of-memory down to 128, and clamps the result to [0, 1]. Stateless.
 */
public final class UpscaleModelNodes {
    /** ComfyUI's starting tile side and overlap, in input pixels. */
    static final int TILE = 512;

    static final int OVERLAP = 32;

    /** The smallest tile tried after out-of-memory errors (ComfyUI gives up below 128). */
    static final int MIN_TILE = 128;

    static final SocketInput<UpscaleModelValue> UPSCALE_MODEL =
            SocketInput.of("upscale_model", PortType.UPSCALE_MODEL, UpscaleModelValue.class);
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);

    private UpscaleModelNodes() {}

    /** UpscaleModelLoader ("Load Upscale Model"): an upscale model file, shared while values use it. */
    public static final class UpscaleModelLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput modelName;

        public UpscaleModelLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("model_name", () -> withDemo(env)));
        }

        private UpscaleModelLoader(NodeEnvironment env, ComboInput modelName) {
            super(NodeSupport.schema("UpscaleModelLoader", "Load Upscale Model", "loaders",
                            "Loads an upscale model from models/upscale_models (ESRGAN, BSRGAN, Real-ESRGAN x4plus and"
                                    + " x2plus, 4x-UltraSharp, compact realesr-general-x4v3 …; .pth or"
                                    + " .safetensors). The architecture and scale are read from the file.")
                    .input(modelName)
                    .output(PortType.UPSCALE_MODEL, "UPSCALE_MODEL"));
            this.env = env;
            this.modelName = modelName;
        }

        /** The folder's files, and the demo upscaler (generated on first use). */
        private static java.util.List<String> withDemo(NodeEnvironment env) {
            java.util.List<String> names = new java.util.ArrayList<>(env.models().list(ModelKind.UPSCALE_MODELS));
            if (!names.contains(DemoAddons.UPSCALER)) {
                names.add(DemoAddons.UPSCALER);
            }
            return names;
        }

        private Path file(String name) throws IOException {
            DemoAddons.ensureIfDemo(env.models(), ModelKind.UPSCALE_MODELS, name);
            return env.models().resolve(ModelKind.UPSCALE_MODELS, name);
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            String name = in.get(modelName);
            try {
                return dev.noodle.nodes.loaders.LoaderNodes.fileFingerprint(file(name));
            } catch (IOException | IllegalArgumentException missing) { // reported by the node when it runs
                return dev.noodle.nodes.loaders.LoaderNodes.fileFingerprint(
                        env.models().folder(ModelKind.UPSCALE_MODELS).resolve(name).normalize());
            }
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(modelName);
            Path file = file(name);
            AddonFiles.UpscaleLease lease = ctx.service(AddonFiles.class).upscaleModel(file);
            ctx.message(MessageLevel.INFO, name + ": " + describe(lease.net()));
            return NodeOutputs.of(new UpscaleModelValue(lease.ref(), lease.net(), lease.device(), name));
        }
    }

    /** The network's detected configuration, for the run log. */
    static String describe(UpscaleNet net) {
        if (net instanceof dev.noodle.engine.upscale.RrdbNet r) {
            return r.config().toString();
        }
        if (net instanceof dev.noodle.engine.upscale.CompactNet c) {
            return c.config().toString();
        }
        return net.architecture() + " ×" + net.scale();
    }

    /** ImageUpscaleWithModel ("Upscale Image (using Model)"). */
    public static final class ImageUpscaleWithModel extends Node {
        public ImageUpscaleWithModel() {
            super(NodeSupport.schema("ImageUpscaleWithModel", "Upscale Image (using Model)", "image/upscaling",
                            "Upscales the images with an upscale model (×2, ×4 … as the model was trained), in"
                                    + " overlapping 512-pixel tiles so that large images fit in memory.")
                    .input(UPSCALE_MODEL)
                    .input(IMAGE)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            UpscaleModelValue model = in.get(UPSCALE_MODEL);
            ImageValue image = in.get(IMAGE);
            HeapTensor p = image.pixels();
            if (p.rank() != 4 || p.dim(3) != 3) {
                throw new IllegalArgumentException("ImageUpscaleWithModel: image must be an RGB image batch"
                        + " [B, H, W, 3], got " + java.util.Arrays.toString(p.shape()) + "; convert it to RGB first");
            }
            int s = model.net().scale();
            MemoryPreflight.checkUpscale("ImageUpscaleWithModel", image.batch(), (long) image.height() * s,
                    (long) image.width() * s);
            float[] out = upscale(model.net(), p.data(), image.batch(), image.height(), image.width(),
                    model.device(), ctx, msg -> ctx.message(MessageLevel.WARNING, msg));
            for (int i = 0; i < out.length; i++) {
                out[i] = Math.min(1f, Math.max(0f, out[i])); // torch.clamp(s, min=0, max=1.0)
            }
            return NodeOutputs.of(new ImageValue(new HeapTensor(
                    new long[] {image.batch(), (long) image.height() * s, (long) image.width() * s, 3}, out)));
        }
    }

    /**
     * The tiled upscale with ComfyUI's out-of-memory retry: tiles of 512, then 256, then 128; a failure at 128 is
     * reported. Progress is one step per tile; cancellation is checked before every tile.
     */
    static float[] upscale(UpscaleNet net, float[] pixels, int batch, int height, int width, Device device,
            NodeContext ctx, Consumer<String> warn) {
        int tile = TILE;
        while (true) {
            try {
                return TiledUpscale.upscale(net, pixels, batch, height, width, tile, OVERLAP, device, (done, total) -> {
                    ctx.cancellation().throwIfCancelled();
                    ctx.progress(done, total);
                });
            } catch (RuntimeException e) {
                if (!OutOfMemory.isEngineOutOfMemory(e)) {
                    throw e;
                }
                if (tile / 2 < MIN_TILE) {
                    throw new IllegalStateException("ImageUpscaleWithModel ran out of memory even with " + tile
                            + "-pixel tiles; close other programs, or scale the image down before upscaling it.", e);
                }
                tile /= 2;
                warn.accept("out of memory upscaling; retrying with " + tile + "-pixel tiles");
            }
        }
    }
}
