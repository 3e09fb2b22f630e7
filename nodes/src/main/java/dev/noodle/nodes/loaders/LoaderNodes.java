package dev.noodle.nodes.loaders;

import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.LoadedCheckpoint;
import dev.noodle.engine.model.ModelManager;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.LazyPart;
import dev.noodle.nodes.values.ModelRecipe;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import dev.noodle.nodes.values.VaeValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Loader nodes: CheckpointLoaderSimple (its loading shared with unCLIPCheckpointLoader). */
public final class LoaderNodes {
    private LoaderNodes() {}

    /** Fingerprint of a file for the cache (ComfyUI IS_CHANGED): size and modified time. */
    public static Optional<String> fileFingerprint(Path p) {
        try {
            return Optional.of(Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
            return Optional.of("missing");
        }
    }

    /** A model lease as a wire value's hold; derived values retain it, the lease goes back with the last. */
    static ModelValue.Hold hold(ModelManager.Lease lease) {
        return SharedRef.of(lease::release, lease.checkpoint().weightBytes());
    }

    /** CheckpointLoaderSimple: loads a single-file checkpoint into MODEL, CLIP and VAE. */
    public static final class CheckpointLoaderSimple extends Node {
        private final NodeEnvironment env;
        /** The checkpoints folder's files (plus the demo model), listed when asked. */
        private final ComboInput ckptName;

        public CheckpointLoaderSimple(NodeEnvironment env) {
            this(env, ComboInput.dynamic("ckpt_name", () -> options(env)));
        }

        private CheckpointLoaderSimple(NodeEnvironment env, ComboInput ckptName) {
            super(NodeSupport.schema("CheckpointLoaderSimple", "Load Checkpoint", "loaders",
                            "Loads a checkpoint: the base model in one file, holding the UNet (MODEL, the denoiser),"
                                    + " the CLIP text encoder (CLIP) and the VAE (image ↔ latent).")
                    .input(ckptName)
                    .output(PortType.MODEL, "MODEL")
                    .output(PortType.CLIP, "CLIP")
                    .output(PortType.VAE, "VAE"));
            this.env = env;
            this.ckptName = ckptName;
        }

        static List<String> options(NodeEnvironment env) {
            List<String> names = new ArrayList<>(env.models().list(ModelKind.CHECKPOINTS));
            if (!names.contains(DemoCheckpoint.FILE_NAME)) {
                names.add(DemoCheckpoint.FILE_NAME); // generated on first use
            }
            return names;
        }

        private Path file(String name) throws IOException {
            return LoaderNodes.file(env, name);
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs inputs) {
            String name = inputs.get(ckptName);
            try {
                return fileFingerprint(file(name)); // the demo checkpoint is generated first, so it fingerprints once
            } catch (IOException | IllegalArgumentException e) {
                return Optional.of("unreadable");
            }
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(ckptName);
            Path path = file(name);
            Parts p = load(ctx, name, path);
            // the saved PNG records the file's hash: found (or computed) meanwhile, not after the image is made
            try {
                ctx.service(ModelHashCache.class).prefetchSha256(path);
            } catch (IllegalStateException noHashes) {
                // a host without the hash cache writes no hashes either
            }
            ctx.progress(1, 1);
            return NodeOutputs.of(p.model(), p.clip(), p.vae());
        }
    }

    /** What a checkpoint loader gives: MODEL, CLIP and VAE, each holding the shared checkpoint. */
    record Parts(ModelValue model, ClipValue clip, VaeValue vae) {}

    /** A checkpoints-folder file by name; the demo model is generated on first use. */
    static Path file(NodeEnvironment env, String name) throws IOException {
        if (name.equals(DemoCheckpoint.FILE_NAME)) {
            Path demo = env.models().folder(ModelKind.CHECKPOINTS).resolve(DemoCheckpoint.FILE_NAME);
            if (!Files.isRegularFile(demo)) {
                DemoCheckpoint.ensure(demo);
            }
        }
        return env.models().resolve(ModelKind.CHECKPOINTS, name);
    }

    /**
     * Loads (or shares) a checkpoint's MODEL, CLIP and VAE as CheckpointLoaderSimple does.
     *
     * @throws IllegalArgumentException when the file has no VAE
     */
    static Parts load(NodeContext ctx, String name, Path path) {
        ModelManager models = ctx.service(ModelManager.class);
        if (!models.isLoaded(path)) {
            return lazy(ctx, name, path, models);
        }
        int before = models.loadCount();
        ModelManager.Lease model = models.acquire(path, s -> ctx.progress(0, 1));
        ModelManager.Lease clip = models.acquire(path, s -> { });
        ModelManager.Lease vae = models.acquire(path, s -> { });
        LoadedCheckpoint c = model.checkpoint();
        if (models.loadCount() == before) {
            ctx.message(MessageLevel.INFO, name + " was already loaded; nothing read from disk");
        } else {
            ctx.message(MessageLevel.INFO, "loaded " + name + " (" + c.info().family() + ")");
        }
        if (name.equals(DemoCheckpoint.FILE_NAME)) {
            ctx.message(MessageLevel.INFO, "this is Noodle's demo model: its weights are random, so its images"
                    + " are abstract");
        }
        if (c.vae() == null) {
            model.release();
            clip.release();
            vae.release();
            throw new IllegalArgumentException(name + " has no VAE inside; this node needs one. Load a VAE file"
                    + " with the Load VAE node instead.");
        }
        ModelRecipe origin = ModelRecipe.file(name, path);
        ModelValue m = new ModelValue(hold(model), c.unet(), c.sampling(), c.latentScale(), c.info().family(),
                List.of(), 0, null, List.of(), origin);
        ClipValue cl = new ClipValue(hold(clip), c.clip(), c.tokenizer(), c.encoding(), c.info().family(),
                List.of(), null, c.clip2(), origin);
        VaeValue v = new VaeValue(hold(vae), c.vae(), name);
        return new Parts(m, cl, v);
    }

    /**
     * A checkpoint that is not loaded yet: described now (a damaged or unknown file fails here, naming it), its
     * weights loaded the first time a node needs a part in memory. Saving a merge of such checkpoints reads their
     * files tensor by tensor and loads neither.
     */
    private static Parts lazy(NodeContext ctx, String name, Path path, ModelManager models) {
        LazyCheckpoint ck = LazyCheckpoint.open(models, name, path);
        var d = ck.described();
        if (d.info().vaePrefix().isEmpty()) {
            ck.hold().release(); // closes the file
            throw new IllegalArgumentException(name + " has no VAE inside; this node needs one. Load a VAE file"
                    + " with the Load VAE node instead.");
        }
        ctx.message(MessageLevel.INFO, "opened " + name + " (" + d.info().family() + "); its weights are read when"
                + " a node first needs them");
        if (name.equals(DemoCheckpoint.FILE_NAME)) {
            ctx.message(MessageLevel.INFO, "this is Noodle's demo model: its weights are random, so its images"
                    + " are abstract");
        }
        ModelRecipe origin = ModelRecipe.file(name, path);
        var family = d.info().family();
        LazyPart<dev.noodle.engine.unet.UNetModel> unet = new LazyPart<>(() -> ck.loaded().unet(), ck::unetWeights,
                null);
        ModelValue m = new ModelValue(ck.hold(), null, d.sampling(), family.latentScale(), family, List.of(), 0, null,
                List.of(), origin, unet);
        LazyPart<dev.noodle.engine.text.ClipTextModel> clip = new LazyPart<>(() -> ck.loaded().clip(),
                ck::clipWeights, null);
        LazyPart<dev.noodle.engine.text.ClipTextModel> clip2 = family.base() != dev.noodle.engine.model.ModelFamily.SDXL
                ? null : new LazyPart<>(() -> ck.loaded().clip2(), ck::clip2Weights, null);
        ClipValue cl = new ClipValue(ck.hold(), null, d.tokenizer(), d.encoding(), family, List.of(), null, null,
                origin, clip, clip2);
        VaeValue v = new VaeValue(ck.hold(), null, name, new LazyPart<>(() -> ck.loaded().vae(), ck::vaeWeights,
                null));
        return new Parts(m, cl, v);
    }
}
