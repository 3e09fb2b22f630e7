package dev.noodle.nodes.loaders;

import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.control.ControlModels;
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
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** ControlNetLoader and DiffControlNetLoader, shaped as ComfyUI's (nodes.py). */
public final class ControlNetLoaderNodes {
    private ControlNetLoaderNodes() {}

    /** The controlnet folder's files (plus the demo ControlNet), listed when asked. */
    static ComboInput controlNetName(NodeEnvironment env) {
        return ComboInput.dynamic("control_net_name",
                () -> LoraNodes.withDemo(env, ModelKind.CONTROLNET, DemoAddons.CONTROLNET));
    }

    private static String kind(ControlModel m) {
        return m.hintOnly() ? "T2I adapter" : "ControlNet";
    }

    /**
     * ControlNetLoader ("Load ControlNet Model"): a ControlNet or T2I adapter from models/controlnet, loaded once and
     * shared by every workflow using the file.
     */
    public static final class ControlNetLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput name;

        public ControlNetLoader(NodeEnvironment env) {
            this(env, controlNetName(env));
        }

        private ControlNetLoader(NodeEnvironment env, ComboInput name) {
            super(NodeSupport.schema("ControlNetLoader", "Load ControlNet Model", "loaders",
                            "Loads a ControlNet or T2I adapter (models/controlnet): a network that steers the"
                                    + " picture by a control image — edges, depth, pose, scribbles. Connect it to"
                                    + " Apply ControlNet with the control image. It must be made for the same base"
                                    + " model (SD 1.5, SD 2.x, SDXL) as the checkpoint.")
                    .input(name)
                    .output(PortType.CONTROL_NET, "CONTROL_NET"));
            this.env = env;
            this.name = name;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.CONTROLNET, in.get(name));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String file = ctx.inputs().get(name);
            AddonFiles addons = ctx.service(AddonFiles.class);
            int reads = addons.fileReads();
            AddonFiles.ControlLease lease = addons.controlNet(LoraNodes.file(env, ModelKind.CONTROLNET, file));
            ControlModel m = lease.model();
            ctx.message(MessageLevel.INFO, (addons.fileReads() == reads ? file + " was already loaded: "
                    : "loaded ") + kind(m) + " " + file + " for " + m.family().displayName());
            return NodeOutputs.of(new ControlNetValue(lease.ref(), m, file));
        }
    }

    /**
     * DiffControlNetLoader ("Load ControlNet Model (diff)"): a ControlNet stored as its difference from a base
     * model is made whole by adding the connected model's UNet weights (ComfyUI's {@code load_controlnet(path,
     * model)}); a plain ControlNet loads as with ControlNetLoader. The result belongs to this model, so it is
     * freed with the node's output.
     */
    public static final class DiffControlNetLoader extends Node {
        static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);

        private final NodeEnvironment env;
        private final ComboInput name;

        public DiffControlNetLoader(NodeEnvironment env) {
            this(env, controlNetName(env));
        }

        private DiffControlNetLoader(NodeEnvironment env, ComboInput name) {
            super(NodeSupport.schema("DiffControlNetLoader", "Load ControlNet Model (diff)", "loaders",
                            "Loads a ControlNet saved as its difference from a base model (diff_control_*), adding"
                                    + " the connected MODEL's weights to make it whole. Plain ControlNets load as with"
                                    + " Load ControlNet Model.")
                    .input(MODEL)
                    .input(name)
                    .output(PortType.CONTROL_NET, "CONTROL_NET"));
            this.env = env;
            this.name = name;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.CONTROLNET, in.get(name));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            String file = in.get(name);
            ModelValue model = in.get(MODEL);
            Path path = LoraNodes.file(env, ModelKind.CONTROLNET, file);
            AddonFiles addons = ctx.service(AddonFiles.class);
            if (!ControlModels.isDifference(path)) { // a whole ControlNet: shared as with ControlNetLoader
                AddonFiles.ControlLease lease = addons.controlNet(path);
                ctx.message(MessageLevel.INFO, file + " is not a difference ControlNet: loaded as it is");
                return NodeOutputs.of(new ControlNetValue(lease.ref(), lease.model(), file));
            }
            ControlModel m = ControlModels.load(path,
                    new ControlModels.Request(addons.target(), model.unet().weights(), model.family()));
            ctx.message(MessageLevel.INFO, "loaded " + kind(m) + " " + file + " for " + m.family().displayName()
                    + " onto the model's weights");
            return NodeOutputs.of(new ControlNetValue(SharedRef.closing(m.sizeBytes(), m), m, file));
        }
    }
}
