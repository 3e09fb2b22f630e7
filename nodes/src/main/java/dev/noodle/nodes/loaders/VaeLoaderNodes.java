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
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.VaeValue;
import dev.noodle.engine.vae.TinyAutoencoder;
import java.io.IOException;
import java.util.Optional;

/** VAELoader, VAEDecodeTiled and VAEEncodeTiled, shaped as ComfyUI's. */
public final class VaeLoaderNodes {
    private VaeLoaderNodes() {}

    private static IntInput step(String name, long dflt, long min, long max, long step, boolean optional) {
        return new IntInput(name, dflt, min, max, step, optional, "", false);
    }

    static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);
    static final IntInput OVERLAP = step("overlap", 64, 0, 4096, 32, false);
    static final IntInput TEMPORAL_SIZE = step("temporal_size", 64, 8, 4096, 4, true);
    static final IntInput TEMPORAL_OVERLAP = step("temporal_overlap", 8, 4, 4096, 4, true);

    /** VAELoader: a standalone VAE file (models/vae), to use instead of the checkpoint's VAE. */
    public static final class VaeLoader extends Node {
        private final NodeEnvironment env;
        /** The vae folder's files (plus the demo VAE), listed when asked. */
        private final ComboInput vaeName;

        public VaeLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("vae_name", () -> TaesdFiles.withTaesd(env,
                    LoraNodes.withDemo(env, ModelKind.VAE, DemoAddons.VAE))));
        }

        private VaeLoader(NodeEnvironment env, ComboInput vaeName) {
            super(NodeSupport.schema("VAELoader", "Load VAE", "loaders",
                            "Loads a VAE file (.safetensors or .ckpt from models/vae); connect it to VAE Decode"
                                    + " instead of the checkpoint's VAE, e.g. for sharper colours.")
                    .input(vaeName)
                    .output(PortType.VAE, "VAE"));
            this.env = env;
            this.vaeName = vaeName;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            String name = in.get(vaeName);
            Optional<TinyAutoencoder.Variant> taesd = TaesdFiles.variant(name);
            if (taesd.isPresent()) {
                return TaesdFiles.fingerprint(env, taesd.get());
            }
            return LoraNodes.fingerprint(env, ModelKind.VAE, name);
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(vaeName);
            Optional<TinyAutoencoder.Variant> taesd = TaesdFiles.variant(name);
            if (taesd.isPresent()) { // ComfyUI's image TAEs: encoder and decoder from models/vae_approx
                TinyAutoencoder.Variant v = taesd.get();
                AddonFiles.TaesdLease lease = ctx.service(AddonFiles.class).taesd(v,
                        TaesdFiles.encoder(env, v), TaesdFiles.decoder(env, v));
                return NodeOutputs.of(new VaeValue(lease.ref(), lease.vae(), name));
            }
            AddonFiles.VaeLease lease = ctx.service(AddonFiles.class).vae(LoraNodes.file(env, ModelKind.VAE, name));
            return NodeOutputs.of(new VaeValue(lease.ref(), lease.vae(), name));
        }
    }

    /** VAEDecodeTiled: decodes in overlapping tiles (less memory for large images). */
    public static final class VaeDecodeTiled extends Node {
        static final SocketInput<LatentValue> SAMPLES = SocketInput.of("samples", PortType.LATENT, LatentValue.class);
        static final IntInput TILE_SIZE = step("tile_size", 512, 64, 4096, 32, false);

        public VaeDecodeTiled() {
            super(NodeSupport.schema("VAEDecodeTiled", "VAE Decode (Tiled)", "_for_testing",
                            "VAE Decode in overlapping tiles: needs far less memory for large images, with nearly the"
                                    + " same result. Sizes are in pixels; the temporal inputs only matter for video"
                                    + " VAEs.")
                    .input(SAMPLES)
                    .input(VAE)
                    .input(TILE_SIZE)
                    .input(OVERLAP)
                    .input(TEMPORAL_SIZE)
                    .input(TEMPORAL_OVERLAP)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue latent = in.get(SAMPLES);
            VaeValue vae = in.get(VAE);
            int tile = in.getInt(TILE_SIZE);
            int overlap = in.getInt(OVERLAP);
            if (tile < overlap * 4) {
                overlap = tile / 4; // as ComfyUI
            }
            int f = vae.vae().downscale();
            HeapTensor s = latent.samples();
            try (NDManager m = NodeSupport.scope(ctx)) {
                NDArray img = vae.vae().decodeTiled(s.toNd(m), tile / f, overlap / f); // [B, 3, H, W]
                return NodeOutputs.of(new ImageValue(HeapTensor.of(img.transpose(0, 2, 3, 1))));
            }
        }
    }

    /** VAEEncodeTiled: encodes in overlapping tiles. */
    public static final class VaeEncodeTiled extends Node {
        static final SocketInput<ImageValue> PIXELS = SocketInput.of("pixels", PortType.IMAGE, ImageValue.class);
        static final IntInput TILE_SIZE = step("tile_size", 512, 64, 4096, 64, false);

        public VaeEncodeTiled() {
            super(NodeSupport.schema("VAEEncodeTiled", "VAE Encode (Tiled)", "_for_testing",
                            "VAE Encode in overlapping tiles, for images too large to encode at once.")
                    .input(PIXELS)
                    .input(VAE)
                    .input(TILE_SIZE)
                    .input(OVERLAP)
                    .input(TEMPORAL_SIZE)
                    .input(TEMPORAL_OVERLAP)
                    .output(PortType.LATENT, "LATENT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue image = in.get(PIXELS);
            VaeValue vae = in.get(VAE);
            int tile = in.getInt(TILE_SIZE);
            int overlap = in.getInt(OVERLAP);
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
