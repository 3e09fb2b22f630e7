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
import dev.noodle.nodes.values.IpAdapterValue;
import java.io.IOException;
import java.util.Optional;

/** The IP-Adapter loaders of ComfyUI_IPAdapter_plus, shaped as the pack's. */
public final class IpAdapterLoaders {
    private IpAdapterLoaders() {}

    /** The pack's node category of its loaders. */
    static final String CATEGORY = "ipadapter/loaders";

    /**
     * IPAdapterModelLoader: an IP-Adapter file from {@code models/ipadapter} (safetensors, or the .bin torch files
     * of the original release), read once and shared while any value uses it.
     */
    public static final class IPAdapterModelLoader extends Node {
        private final NodeEnvironment env;
        private final ComboInput file;

        public IPAdapterModelLoader(NodeEnvironment env) {
            this(env, ComboInput.dynamic("ipadapter_file", () -> env.models().list(ModelKind.IPADAPTER)));
        }

        private IPAdapterModelLoader(NodeEnvironment env, ComboInput file) {
            super(NodeSupport.schema("IPAdapterModelLoader", "IPAdapter Model Loader", CATEGORY,
                            "Loads an IP-Adapter (plain, plus, plus-face or full-face; SD 1.5 or SDXL) from"
                                    + " models/ipadapter. Feed it to IPAdapter Advanced with the CLIP vision model"
                                    + " it was trained with.")
                    .input(file)
                    .output(PortType.IPADAPTER, "IPADAPTER"));
            this.env = env;
            this.file = file;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            return LoraNodes.fingerprint(env, ModelKind.IPADAPTER, in.get(file));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            String name = ctx.inputs().get(file);
            AddonFiles.IpAdapterLease lease = ctx.service(AddonFiles.class)
                    .ipAdapter(LoraNodes.file(env, ModelKind.IPADAPTER, name));
            ctx.message(MessageLevel.INFO, "IP-Adapter '" + name + "': " + lease.model().layout().describe());
            return NodeOutputs.of(new IpAdapterValue(lease.ref(), lease.model(), name, null));
        }
    }
}
