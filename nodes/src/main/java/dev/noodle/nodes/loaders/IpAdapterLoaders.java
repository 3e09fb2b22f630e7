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
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.vision.ClipVisionModel;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.IpAdapterValue;
import dev.noodle.nodes.values.ModelValue;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

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

    /** The pack's presets of IPAdapterUnifiedLoader, in its order. */
    public static final List<String> PRESETS = List.of("LIGHT - SD1.5 only (low strength)",
            "STANDARD (medium strength)", "VIT-G (medium strength)", "PLUS (high strength)",
            "PLUS FACE (portraits)", "FULL FACE - SD1.5 only (portraits stronger)");

    /**
     * The clip_vision file a preset uses: the first name (sorted) the pack's pattern finds, ViT-bigG for "VIT-G",
     * ViT-H otherwise.
     */
    static String clipVisionFile(List<String> names, String preset) {
        String p = preset.toLowerCase(java.util.Locale.ROOT).startsWith("vit-g")
                ? "(ViT.bigG.14.*39B.b160k|ipadapter.*sdxl|sdxl.*model)\\.(bin|safetensors)"
                : "(ViT.H.14.*s32B.b79K|ipadapter.*sd15|sd1.?5.*model)\\.(bin|safetensors)";
        return first(names, p);
    }

    /** The ipadapter file a preset uses for an SD 1.5 or SDXL model (the pack's get_ipadapter_file patterns). */
    static String ipAdapterFile(List<String> names, String preset, boolean sdxl) {
        String p = preset.toLowerCase(java.util.Locale.ROOT);
        if (p.startsWith("light")) {
            if (sdxl) {
                throw new IllegalArgumentException("IPAdapterUnifiedLoader: the LIGHT preset exists only for SD 1.5;"
                        + " this model is SDXL");
            }
            String f = first(names, "sd15.light.v11\\.(safetensors|bin)$");
            return f != null ? f : first(names, "sd15.light\\.(safetensors|bin)$");
        }
        if (p.startsWith("standard")) {
            return first(names, sdxl ? "ip.adapter.sdxl.vit.h\\.(safetensors|bin)$"
                    : "ip.adapter.sd15\\.(safetensors|bin)$");
        }
        if (p.startsWith("vit-g")) {
            return first(names, sdxl ? "ip.adapter.sdxl\\.(safetensors|bin)$" : "sd15.vit.g\\.(safetensors|bin)$");
        }
        if (p.startsWith("plus (")) {
            return first(names, sdxl ? "plus.sdxl.vit.h\\.(safetensors|bin)$"
                    : "ip.adapter.plus.sd15\\.(safetensors|bin)$");
        }
        if (p.startsWith("plus face")) {
            return first(names, sdxl ? "plus.face.sdxl.vit.h\\.(safetensors|bin)$"
                    : "plus.face.sd15\\.(safetensors|bin)$");
        }
        if (p.startsWith("full")) {
            if (sdxl) {
                throw new IllegalArgumentException("IPAdapterUnifiedLoader: the FULL FACE preset exists only for SD"
                        + " 1.5; this model is SDXL");
            }
            return first(names, "full.face.sd15\\.(safetensors|bin)$");
        }
        throw new IllegalArgumentException("IPAdapterUnifiedLoader: unknown preset '" + preset + "'; one of "
                + PRESETS);
    }

    private static String first(List<String> names, String regex) {
        Pattern p = Pattern.compile(regex, Pattern.CASE_INSENSITIVE);
        return names.stream().filter(n -> p.matcher(n).find()).findFirst().orElse(null);
    }

    static boolean sdxl(ModelFamily f) {
        return f == ModelFamily.SDXL || f == ModelFamily.SDXL_INPAINT || f == ModelFamily.SDXL_REFINER;
    }

    /**
     * IPAdapterUnifiedLoader: finds the CLIP vision model and the IP-Adapter of a preset by file name in
     * models/clip_vision and models/ipadapter, as the pack does, and gives them as one IPADAPTER pipeline (for the
     * simple IPAdapter node). The MODEL passes through unchanged (only the pack's FaceID presets, not offered here,
     * add a LoRA). A pipeline given on the optional input is not needed: files already loaded are shared anyway.
     */
    public static final class IPAdapterUnifiedLoader extends Node {
        static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
        static final ComboInput PRESET = ComboInput.of("preset", PRESETS);
        static final SocketInput<IpAdapterValue> IPADAPTER =
                SocketInput.of("ipadapter", PortType.IPADAPTER, IpAdapterValue.class).asOptional();
        private final NodeEnvironment env;

        public IPAdapterUnifiedLoader(NodeEnvironment env) {
            super(NodeSupport.schema("IPAdapterUnifiedLoader", "IPAdapter Unified Loader", "ipadapter",
                            "Loads the CLIP vision model and the IP-Adapter of a preset, found by their usual file"
                                    + " names in models/clip_vision (CLIP-ViT-H-14-laion2B-s32B-b79K…, or"
                                    + " CLIP-ViT-bigG-14-laion2B-39B-b160k… for VIT-G) and models/ipadapter"
                                    + " (ip-adapter_sd15.safetensors, ip-adapter-plus_sdxl_vit-h.safetensors, …),"
                                    + " for SD 1.5 or SDXL as the MODEL is.")
                    .input(MODEL)
                    .input(PRESET)
                    .input(IPADAPTER)
                    .output(PortType.MODEL, "model")
                    .output(PortType.IPADAPTER, "ipadapter"));
            this.env = env;
        }

        @Override
        public Optional<String> changeFingerprint(NodeInputs in) {
            StringBuilder fp = new StringBuilder();
            for (ModelKind k : new ModelKind[] {ModelKind.CLIP_VISION, ModelKind.IPADAPTER}) {
                for (String n : env.models().list(k)) {
                    fp.append(n).append(':').append(LoraNodes.fingerprint(env, k, n).orElse("")).append(';');
                }
            }
            return Optional.of(fp.toString());
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get(MODEL);
            String preset = in.get(PRESET);
            String clipName = clipVisionFile(env.models().list(ModelKind.CLIP_VISION), preset);
            if (clipName == null) {
                throw new IllegalArgumentException("IPAdapterUnifiedLoader: ClipVision model not found for preset '"
                        + preset + "'. Put " + (preset.startsWith("VIT-G") ? "CLIP-ViT-bigG-14-laion2B-39B-b160k"
                        : "CLIP-ViT-H-14-laion2B-s32B-b79K") + ".safetensors in models/clip_vision");
            }
            boolean xl = sdxl(model.family());
            String ipaName = ipAdapterFile(env.models().list(ModelKind.IPADAPTER), preset, xl);
            if (ipaName == null) {
                throw new IllegalArgumentException("IPAdapterUnifiedLoader: IPAdapter model not found for preset '"
                        + preset + "' and an " + (xl ? "SDXL" : "SD 1.5") + " model. Put the preset's file (e.g. "
                        + (xl ? "ip-adapter_sdxl_vit-h.safetensors" : "ip-adapter_sd15.safetensors")
                        + ") in models/ipadapter");
            }
            AddonFiles files = ctx.service(AddonFiles.class);
            AddonFiles.VisionLease<ClipVisionModel> cv = files.clipVision(LoraNodes.file(env, ModelKind.CLIP_VISION,
                    clipName));
            AddonFiles.IpAdapterLease ipa;
            try {
                ipa = files.ipAdapter(LoraNodes.file(env, ModelKind.IPADAPTER, ipaName));
            } catch (RuntimeException e) {
                cv.ref().release();
                throw e;
            }
            ctx.message(MessageLevel.INFO, "IPAdapterUnifiedLoader: " + preset + " → " + clipName + " and " + ipaName
                    + " (" + ipa.model().layout().describe() + ")");
            return NodeOutputs.of(model, new IpAdapterValue(ipa.ref(), ipa.model(), ipaName, new ClipVisionValue(cv.ref(), cv.model(),
                            clipName)));
        }
    }
}
