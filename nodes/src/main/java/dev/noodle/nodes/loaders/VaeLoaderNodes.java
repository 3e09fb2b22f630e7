package dev.noodle.nodes.loaders;

import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.latent.VaeNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.VaeValue;
import java.io.IOException;
import java.util.Optional;

/** VAELoader, VAEDecodeTiled and VAEEncodeTiled, shaped as ComfyUI's. */
public final class VaeLoaderNodes {
    private VaeLoaderNodes() {}

    private static IntInput step(String name, long dflt, long min, long max, long step, boolean optional) {
        return new IntInput(name, dflt, min, max, step, optional, "", false);
    }

    /** VAELoader: a standalone VAE file (models/vae), to use instead of the checkpoint's VAE. */
    public static final class VaeLoader implements NodeDefinition {
        private final NodeEnvironment env;
        private final NodeSchema schema;

        public VaeLoader(NodeEnvironment env) {
            this.env = env;
            this.schema = NodeSupport.schema("VAELoader", "Load VAE", "loaders",
                            "Loads a VAE file (.safetensors or .ckpt from models/vae); connect it to VAE Decode"
                                    + " instead of the checkpoint's VAE, e.g. for sharper colours.")
                    .input(ComboInput.dynamic("vae_name", () -> LoraNodes.withDemo(env, ModelKind.VAE, DemoAddons.VAE)))
                    .output(PortType.VAE, "VAE")
                    .build();
        }

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.VAE, in.getString("vae_name"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().getString("vae_name");
            AddonFiles.VaeLease lease = ctx.service(AddonFiles.class).vae(LoraNodes.file(env, ModelKind.VAE, name));
            return NodeOutputs.of(new VaeValue(lease.ref(), lease.vae(), name));
        }
    }

    /** VAEDecodeTiled: decodes in overlapping tiles (less memory for large images). */
    public static final class VaeDecodeTiled implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("VAEDecodeTiled", "VAE Decode (Tiled)", "_for_testing",
                        "VAE Decode in overlapping tiles: needs far less memory for large images, with nearly the"
                                + " same result. Sizes are in pixels; the temporal inputs only matter for video VAEs.")
                .input(SocketInput.of("samples", PortType.LATENT))
                .input(SocketInput.of("vae", PortType.VAE))
                .input(step("tile_size", 512, 64, 4096, 32, false))
                .input(step("overlap", 64, 0, 4096, 32, false))
                .input(step("temporal_size", 64, 8, 4096, 4, true))
                .input(step("temporal_overlap", 8, 4, 4096, 4, true))
                .output(PortType.IMAGE, "IMAGE")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            LatentValue latent = ctx.inputs().get("samples", LatentValue.class);
            VaeValue vae = ctx.inputs().get("vae", VaeValue.class);
            int tile = (int) ctx.inputs().getInt("tile_size");
            int overlap = (int) ctx.inputs().getInt("overlap");
            if (tile < overlap * 4) {
                overlap = tile / 4; // as ComfyUI
            }
            int f = vae.vae().config().downscale();
            HeapTensor s = latent.samples();
            try (NDManager m = NodeSupport.scope(ctx)) {
                NDArray img = vae.vae().decodeTiled(s.toNd(m), tile / f, overlap / f); // [B, 3, H, W]
                return NodeOutputs.of(new ImageValue(HeapTensor.of(img.transpose(0, 2, 3, 1))));
            }
        }
    }

    /** VAEEncodeTiled: encodes in overlapping tiles. */
    public static final class VaeEncodeTiled implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("VAEEncodeTiled", "VAE Encode (Tiled)", "_for_testing",
                        "VAE Encode in overlapping tiles, for images too large to encode at once.")
                .input(SocketInput.of("pixels", PortType.IMAGE))
                .input(SocketInput.of("vae", PortType.VAE))
                .input(step("tile_size", 512, 64, 4096, 64, false))
                .input(step("overlap", 64, 0, 4096, 32, false))
                .input(step("temporal_size", 64, 8, 4096, 4, true))
                .input(step("temporal_overlap", 8, 4, 4096, 4, true))
                .output(PortType.LATENT, "LATENT")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ImageValue image = ctx.inputs().get("pixels", ImageValue.class);
            VaeValue vae = ctx.inputs().get("vae", VaeValue.class);
            int tile = (int) ctx.inputs().getInt("tile_size");
            int overlap = (int) ctx.inputs().getInt("overlap");
            if (tile < overlap * 4) {
                overlap = tile / 4 / 8 * 8; // keep the tiling valid (ComfyUI's decode rule)
            }
            try (NDManager m = NodeSupport.scope(ctx)) {
                NDArray x = VaeNodes.cropTo8(image.pixels().toNd(m)).transpose(0, 3, 1, 2); // [B, 3, H, W]
                return NodeOutputs.of(LatentValue.of(HeapTensor.of(vae.vae().encodeTiled(x, tile, overlap))));
            }
        }
    }
}
