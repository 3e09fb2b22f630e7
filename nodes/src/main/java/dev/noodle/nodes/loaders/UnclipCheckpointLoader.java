package dev.noodle.nodes.loaders;

import dev.noodle.engine.vision.ClipVisionModel;
import dev.noodle.engine.model.UnclipTower;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.SharedRef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * unCLIPCheckpointLoader, as ComfyUI's ({@code nodes.py}): loads a Stable unCLIP 2.1 checkpoint (sd21-unclip-h /
 * -l, or a fine-tune of them) into MODEL, CLIP and VAE, shared with Load Checkpoint as every checkpoint is, plus
 * the CLIP image tower the file carries ({@code embedder.model.visual.*}) as CLIP_VISION. The tower lives as long
 * as the CLIP_VISION value.
 */
public final class UnclipCheckpointLoader extends Node {
    private final NodeEnvironment env;
    private final ComboInput ckptName;

    public UnclipCheckpointLoader(NodeEnvironment env) {
        this(env, ComboInput.dynamic("ckpt_name", () -> LoaderNodes.CheckpointLoaderSimple.options(env)));
    }

    private UnclipCheckpointLoader(NodeEnvironment env, ComboInput ckptName) {
        super(NodeSupport.schema("unCLIPCheckpointLoader", "unCLIPCheckpointLoader", "loaders",
                        "Loads an unCLIP checkpoint (SD 2.1 unCLIP): the model, its text encoder and VAE, and the"
                                + " CLIP vision model it was trained with, to encode the images it varies.")
                .input(ckptName)
                .output(PortType.MODEL, "MODEL")
                .output(PortType.CLIP, "CLIP")
                .output(PortType.VAE, "VAE")
                .output(PortType.CLIP_VISION, "CLIP_VISION"));
        this.env = env;
        this.ckptName = ckptName;
    }

    @Override
    public Optional<String> changeFingerprint(NodeInputs inputs) {
        try {
            return LoaderNodes.fileFingerprint(LoaderNodes.file(env, inputs.get(ckptName)));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.of("unreadable");
        }
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) throws IOException {
        String name = ctx.inputs().get(ckptName);
        Path path = LoaderNodes.file(env, name);
        ClipVisionModel tower = UnclipTower.load(path); // checks it is unCLIP before the checkpoint is shared
        LoaderNodes.Parts p;
        try {
            p = LoaderNodes.load(ctx, name, path);
        } catch (RuntimeException e) {
            tower.close();
            throw e;
        }
        ClipVisionValue vision = new ClipVisionValue(SharedRef.of(tower::close, tower.sizeBytes()), tower, name);
        ctx.progress(1, 1);
        return NodeOutputs.of(p.model(), p.clip(), p.vae(), vision);
    }
}
