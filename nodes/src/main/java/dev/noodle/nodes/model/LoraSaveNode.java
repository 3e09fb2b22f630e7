package dev.noodle.nodes.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.adapters.LoraExtraction;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelValue;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * LoraSave ("Extract and Save Lora"), as ComfyUI's ({@code comfy_extras/nodes_lora_extract.py}): turns the
 * difference models of ModelMergeSubtract / CLIPMergeSubtract into a LoRA file by truncated SVD of every weight
 * difference ({@link LoraExtraction}, with ComfyUI's 0.99-quantile clamp), written in float16 under kohya's names so
 * that Noodle, ComfyUI and A1111 all load it: {@code lora_unet_<LDM module path, _ for dots>.lora_up.weight}/{@code
 * .lora_down.weight}/{@code .alpha} (α = rank: scale 1) for the UNet (A1111 maps {@code lora_unet_} onto its
 * {@code diffusion_model_} modules) and {@code lora_te_text_model_<module>} (SD1/SD2; SDXL: {@code lora_te1_} for
 * CLIP-L, {@code lora_te2_} for bigG) for text encoders. With {@code bias_diff}, 1-D weights are stored whole as
 * {@code .diff} and biases as {@code .diff_b} (A1111's "full" network type reads both); {@code full_diff} stores every
 * weight difference whole as {@code .diff}. The file carries kohya's {@code ss_*} description of a LoRA (network
 * module, dim, alpha, base model) beside Noodle's recipe.
 */
public final class LoraSaveNode extends Node {
    static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "loras/ComfyUI_extracted_lora");
    static final IntInput RANK = IntInput.of("rank", 8, 1, 4096);
    static final ComboInput LORA_TYPE = ComboInput.of("lora_type", "standard", "full_diff");
    static final BoolInput BIAS_DIFF = BoolInput.of("bias_diff", true);
    static final SocketInput<ModelValue> MODEL_DIFF = SocketInput.of("model_diff", PortType.MODEL, ModelValue.class)
            .asOptional().withTooltip("The ModelSubtract output to be converted to a lora.");
    static final SocketInput<ClipValue> TEXT_ENCODER_DIFF = SocketInput.of("text_encoder_diff", PortType.CLIP,
            ClipValue.class).asOptional().withTooltip("The CLIPSubtract output to be converted to a lora.");

    private final NodeEnvironment env;

    public LoraSaveNode(NodeEnvironment env) {
        super(NodeSupport.schema("LoraSave", "Extract and Save Lora", "_for_testing",
                        "Extracts a LoRA of the given rank from a model difference (ModelMergeSubtract) and/or a text"
                                + " encoder difference (CLIPMergeSubtract) by SVD and saves it in the output folder"
                                + " (prefix_00001_.safetensors). Move it to models/loras to load it.")
                .input(FILENAME_PREFIX)
                .input(RANK)
                .input(LORA_TYPE)
                .input(BIAS_DIFF)
                .input(MODEL_DIFF)
                .input(TEXT_ENCODER_DIFF)
                .outputNode(true));
        this.env = env;
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) throws IOException {
        NodeInputs in = ctx.inputs();
        ModelValue model = in.get(MODEL_DIFF);
        ClipValue clip = in.get(TEXT_ENCODER_DIFF);
        if (model == null && clip == null) {
            ctx.message(MessageLevel.WARNING, "LoraSave: nothing saved; connect model_diff (a ModelMergeSubtract"
                    + " output) and/or text_encoder_diff (a CLIPMergeSubtract output)");
            return new NodeOutputs(List.of(), Map.of());
        }
        Options o = new Options(in.getInt(RANK), "full_diff".equals(in.get(LORA_TYPE)), in.get(BIAS_DIFF));
        SafetensorsWriter w = new SafetensorsWriter();
        List<String> skipped = new ArrayList<>();
        if (model != null) {
            add(ctx, w, model.unet().weights().keys(), model.unet().weights()::get, KeyNames::kohyaUnet, o,
                    skipped);
        }
        if (clip != null) {
            ModelFamily base = clip.family().base();
            String first = switch (base) {
                case SD1, SD2 -> KeyNames.KOHYA_TE;
                default -> clip.dual() ? KeyNames.KOHYA_TE1 : KeyNames.KOHYA_TE2; // SDXL: CLIP-L + bigG; refiner: bigG
            };
            addClip(ctx, w, clip.clip(), first, o, skipped);
            if (clip.dual()) {
                addClip(ctx, w, clip.clip2(), KeyNames.KOHYA_TE2, o, skipped);
            }
        }
        if (!skipped.isEmpty()) {
            ctx.message(MessageLevel.WARNING, "LoraSave: " + skipped.size() + " weights are neither 2-D nor conv"
                    + " and were not extracted, e.g. " + skipped.subList(0, Math.min(3, skipped.size())));
        }
        ModelFamily family = model != null ? model.family().base() : clip.family().base();
        w.metadata("ss_network_module", o.fullDiff() ? "networks.full" : "networks.lora");
        w.metadata("ss_network_dim", Integer.toString(o.rank()));
        w.metadata("ss_network_alpha", Integer.toString(o.rank()));
        w.metadata("ss_base_model_version", switch (family) { // kohya's names of the base models
            case SD1 -> "sd_v1";
            case SD2 -> "sd_v2";
            case SDXL_REFINER -> "sdxl_refiner_v1-0";
            default -> "sdxl_base_v1-0";
        });
        w.metadata("ss_v2", Boolean.toString(family == ModelFamily.SD2));
        w.metadata("ss_training_comment", "extracted by SVD from a model difference (LoraSave)");
        Path file = SaveNodes.save(ctx, env, in.get(FILENAME_PREFIX), title -> w);
        return new NodeOutputs(List.of(), Map.of("loras", List.of(file)));
    }

    private record Options(int rank, boolean fullDiff, boolean biasDiff) {}

    private static void addClip(NodeContext ctx, SafetensorsWriter w, ClipTextModel m, String kohyaPrefix,
            Options o, List<String> skipped) {
        add(ctx, w, m.parameterKeys(), m::parameter, name -> KeyNames.kohyaText(kohyaPrefix, name), o, skipped);
    }

    /** Writes one component's weights: keys relative to its own prefix, renamed by {@code moduleName}. */
    private static void add(NodeContext ctx, SafetensorsWriter w, Set<String> keys, Function<String, NDArray> get,
            Function<String, String> moduleName, Options o, List<String> skipped) {
        int done = 0;
        Set<String> sorted = new TreeSet<>(keys);
        for (String k : sorted) {
            if (ctx.cancellation().isCancelled()) {
                throw NodeSupport.cancelledException();
            }
            NDArray a = get.apply(k);
            ctx.progress(++done, sorted.size());
            if (!a.getDataType().isFloating()) {
                continue;
            }
            long[] shape = a.getShape().getShape();
            if (k.endsWith(".weight")) {
                String module = moduleName.apply(k.substring(0, k.length() - ".weight".length()));
                if (o.fullDiff() || (shape.length < 2 && o.biasDiff())) {
                    w.addF16(module + ".diff", shape, floats(a));
                } else if (shape.length == 2 || shape.length == 4) {
                    LoraExtraction.Pair p = LoraExtraction.extract(floats(a), shape, o.rank(),
                            LoraExtraction.COMFY_CLAMP_QUANTILE);
                    w.addF16(module + ".lora_up.weight", p.upShape(), p.up());
                    w.addF16(module + ".lora_down.weight", p.downShape(), p.down());
                    w.addF16(module + ".alpha", new long[] {}, new float[] {p.rank()}); // α / rank = 1
                } else if (shape.length > 2) {
                    skipped.add(k);
                }
            } else if (k.endsWith(".bias") && o.biasDiff()) {
                w.addF16(moduleName.apply(k.substring(0, k.length() - ".bias".length())) + ".diff_b", shape,
                        floats(a));
            }
        }
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }
}
