package dev.noodle.nodes.loaders;

import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.GligenValue;
import java.io.IOException;
import java.util.Optional;

/**
 * GLIGENLoader (ComfyUI nodes.py): a GLIGEN text-box model from models/gligen, bound strictly and shared by every
 * node that loads the same file. Stateless.
 */
public final class GligenLoader extends Node {
    private final NodeEnvironment env;
    /** The gligen folder's files, listed when asked. */
    private final ComboInput gligenName;

    public GligenLoader(NodeEnvironment env) {
        this(env, ComboInput.dynamic("gligen_name", () -> env.models().list(ModelKind.GLIGEN)));
    }

    private GligenLoader(NodeEnvironment env, ComboInput gligenName) {
        super(NodeSupport.schema("GLIGENLoader", "GLIGENLoader", "loaders",
                        "Loads a GLIGEN model (models/gligen, e.g. gligen_sd14_textbox_pruned.safetensors) for SD 1.x:"
                                + " with GLIGEN Textbox Apply it places described objects in boxes.")
                .input(gligenName)
                .output(PortType.GLIGEN, "GLIGEN"));
        this.env = env;
        this.gligenName = gligenName;
    }

    @Override
    public Optional<String> changeFingerprint(NodeInputs in) {
        return LoraNodes.fingerprint(env, ModelKind.GLIGEN, in.get(gligenName));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) throws IOException {
        String name = ctx.inputs().get(gligenName);
        AddonFiles.GligenLease lease = ctx.service(AddonFiles.class)
                .gligen(LoraNodes.file(env, ModelKind.GLIGEN, name));
        ctx.message(MessageLevel.INFO, "GLIGEN " + name + ": " + lease.model().fusers().size() + " fusers, "
                + lease.model().textDim() + "-wide phrase embeddings");
        return NodeOutputs.of(new GligenValue(lease.ref(), lease.model(), name));
    }
}
