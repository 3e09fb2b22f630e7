package dev.noodle.nodes.model;

import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.loaders.LoraNodes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Model merging: ComfyUI's ModelMergeSimple / ModelMergeSubtract / ModelMergeAdd / CLIPMergeSimple and Noodle's
 * CheckpointMerger with AUTOMATIC1111's formulas. Merged weights are new arrays owned by the result; the inputs
 * are never modified.
 */
public final class MergeNodes {
    private MergeNodes() {}

    /** Per-key combination of the inputs' weights (same key, same shape), computed in float32. */
    @FunctionalInterface
    interface Formula {
        NDArray combine(NDArray[] w);
    }

    /** Merges the UNets: keys of the first model whose shape every other model shares; others keep model 1's. */
    static ModelValue mergeModels(NodeContext ctx, List<ModelValue> models, Formula f, String note) {
        ModelValue first = models.get(0);
        UNetWeights base = first.unet().weights();
        List<Function<String, NDArray>> getters = new ArrayList<>();
        List<java.util.Set<String>> keys = new ArrayList<>();
        for (ModelValue m : models) {
            getters.add(m.unet().weights()::get);
            keys.add(m.unet().weights().keys());
        }
        NDManager owner = NDManager.newBaseManager(base.get("out.2.weight").getDevice());
        try {
            Map<String, NDArray> merged = merge(ctx, base.keys(), getters, keys, f, owner, k -> false);
            UNetWeights patched = base.patched(merged, owner);
            UNetModel unet = first.unet().withWeights(patched);
            long bytes = LoraNodes.ownBytes(base, patched);
            return first.withUNet(unet, note, bytes, SharedRef.closing(bytes, patched,
                    SharedRef.retainOwned(first.owned())));
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /** Merges the text encoders (position ids and logit scale stay clip 1's, as ComfyUI). */
    static ClipValue mergeClips(NodeContext ctx, List<ClipValue> clips, Formula f, String note) {
        ClipValue first = clips.get(0);
        ClipTextModel base = first.clip();
        List<Function<String, NDArray>> getters = new ArrayList<>();
        List<java.util.Set<String>> keys = new ArrayList<>();
        for (ClipValue c : clips) {
            getters.add(c.clip()::parameter);
            keys.add(c.clip().parameterKeys());
        }
        NDManager owner = NDManager.newBaseManager(base.parameter(base.parameterKeys().iterator().next()).getDevice());
        try {
            Map<String, NDArray> merged = merge(ctx, base.parameterKeys(), getters, keys, f, owner,
                    k -> k.endsWith(".position_ids") || k.endsWith(".logit_scale"));
            ClipTextModel patched = base.withParameters(merged, owner);
            return first.withClip(patched, note, SharedRef.closing(0, patched, SharedRef.retainOwned(first.owned())));
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static Map<String, NDArray> merge(NodeContext ctx, java.util.Set<String> baseKeys,
            List<Function<String, NDArray>> getters, List<java.util.Set<String>> keys, Formula f, NDManager owner,
            java.util.function.Predicate<String> skip) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        List<String> mismatched = new ArrayList<>();
        int done = 0;
        for (String k : baseKeys) {
            if (ctx.cancellation().isCancelled()) {
                throw NodeSupport.cancelledException();
            }
            NDArray a = getters.get(0).apply(k);
            if (skip.test(k) || !a.getDataType().isFloating()) {
                continue;
            }
            NDArray[] w = new NDArray[getters.size()];
            boolean ok = true;
            for (int i = 0; i < w.length; i++) {
                if (!keys.get(i).contains(k) || !getters.get(i).apply(k).getShape().equals(a.getShape())) {
                    ok = false;
                    break;
                }
                w[i] = getters.get(i).apply(k);
            }
            if (!ok) {
                mismatched.add(k);
                continue;
            }
            try (NDManager scope = owner.newSubManager()) {
                NDArray[] f32 = new NDArray[w.length];
                for (int i = 0; i < w.length; i++) {
                    f32[i] = w[i].toType(ai.djl.ndarray.types.DataType.FLOAT32, true);
                    f32[i].attach(scope);
                }
                NDArray r = f.combine(f32).toType(a.getDataType(), true);
                r.attach(owner);
                out.put(k, r);
            }
            ctx.progress(++done, baseKeys.size());
        }
        if (!mismatched.isEmpty()) {
            ctx.message(MessageLevel.WARNING, mismatched.size() + " weights differ in shape or are missing and were"
                    + " not merged (kept from the first input), e.g. " + mismatched.subList(0,
                    Math.min(3, mismatched.size())) + ". The models are probably of different families.");
        }
        return out;
    }

    /** ModelMergeSimple: model1·ratio + model2·(1 − ratio). */
    public static final class ModelMergeSimple implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ModelMergeSimple", "ModelMergeSimple", "advanced/model_merging",
                        "Blends two models: result = model1 × ratio + model2 × (1 − ratio). ratio 1 = model1 only.")
                .input(SocketInput.of("model1", PortType.MODEL))
                .input(SocketInput.of("model2", PortType.MODEL))
                .input(FloatInput.of("ratio", 1.0, 0.0, 1.0, 0.01))
                .output(PortType.MODEL, "MODEL")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float r = (float) in.getFloat("ratio");
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get("model1", ModelValue.class),
                    in.get("model2", ModelValue.class)), w -> w[0].mul(r).add(w[1].mul(1f - r)),
                    "merge model1×" + r + " + model2×" + (1 - r)));
        }
    }

    /** ModelMergeSubtract: (model1 − model2)·multiplier. */
    public static final class ModelMergeSubtract implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ModelMergeSubtract", "ModelMergeSubtract",
                        "advanced/model_merging", "result = (model1 − model2) × multiplier: the difference"
                                + " between two models, e.g. to add to a third with ModelMergeAdd.")
                .input(SocketInput.of("model1", PortType.MODEL))
                .input(SocketInput.of("model2", PortType.MODEL))
                .input(FloatInput.of("multiplier", 1.0, -10.0, 10.0, 0.01))
                .output(PortType.MODEL, "MODEL")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = (float) in.getFloat("multiplier");
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get("model1", ModelValue.class),
                    in.get("model2", ModelValue.class)), w -> w[0].sub(w[1]).mul(m), "(model1 − model2)×" + m));
        }
    }

    /** ModelMergeAdd: model1 + model2. */
    public static final class ModelMergeAdd implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ModelMergeAdd", "ModelMergeAdd", "advanced/model_merging",
                        "result = model1 + model2 (e.g. a base plus a difference from ModelMergeSubtract).")
                .input(SocketInput.of("model1", PortType.MODEL))
                .input(SocketInput.of("model2", PortType.MODEL))
                .output(PortType.MODEL, "MODEL")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get("model1", ModelValue.class),
                    in.get("model2", ModelValue.class)), w -> w[0].add(w[1]), "model1 + model2"));
        }
    }

    /** CLIPMergeSimple: clip1·ratio + clip2·(1 − ratio). */
    public static final class ClipMergeSimple implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("CLIPMergeSimple", "CLIPMergeSimple", "advanced/model_merging",
                        "Blends two text encoders: result = clip1 × ratio + clip2 × (1 − ratio).")
                .input(SocketInput.of("clip1", PortType.CLIP))
                .input(SocketInput.of("clip2", PortType.CLIP))
                .input(FloatInput.of("ratio", 1.0, 0.0, 1.0, 0.01))
                .output(PortType.CLIP, "CLIP")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float r = (float) in.getFloat("ratio");
            return NodeOutputs.of(mergeClips(ctx, List.of(in.get("clip1", ClipValue.class),
                    in.get("clip2", ClipValue.class)), w -> w[0].mul(r).add(w[1].mul(1f - r)),
                    "merge clip1×" + r + " + clip2×" + (1 - r)));
        }
    }

    /** Noodle's CheckpointMerger: AUTOMATIC1111's checkpoint merger formulas on MODEL and CLIP. */
    public static final class CheckpointMerger implements NodeDefinition {
        static final List<String> MODES = List.of("weighted_sum", "add_difference");
        private final NodeSchema schema = NodeSupport.schema("NoodleCheckpointMerger", "Checkpoint Merger (A1111)",
                        "advanced/model_merging", "AUTOMATIC1111's checkpoint merger. weighted_sum: (1 − M)·A + M·B,"
                                + " so M = 0 gives A and M = 1 gives B (the opposite direction of ModelMergeSimple's"
                                + " ratio). add_difference: A + M·(B − C), needs model_c and clip_c.")
                .input(SocketInput.of("model_a", PortType.MODEL))
                .input(SocketInput.of("clip_a", PortType.CLIP))
                .input(SocketInput.of("model_b", PortType.MODEL))
                .input(SocketInput.of("clip_b", PortType.CLIP))
                .input(ComboInput.of("interp_method", MODES))
                .input(FloatInput.of("multiplier", 0.5, 0.0, 1.0, 0.05))
                .input(SocketInput.optional("model_c", PortType.MODEL))
                .input(SocketInput.optional("clip_c", PortType.CLIP))
                .output(PortType.MODEL, "MODEL")
                .output(PortType.CLIP, "CLIP")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = (float) in.getFloat("multiplier");
            List<ModelValue> models = new ArrayList<>(Arrays.asList(in.get("model_a", ModelValue.class),
                    in.get("model_b", ModelValue.class)));
            List<ClipValue> clips = new ArrayList<>(Arrays.asList(in.get("clip_a", ClipValue.class),
                    in.get("clip_b", ClipValue.class)));
            Formula f;
            String note;
            if (in.getString("interp_method").equals("add_difference")) {
                ModelValue c = in.get("model_c", ModelValue.class);
                ClipValue cc = in.get("clip_c", ClipValue.class);
                if (c == null || cc == null) {
                    throw new IllegalArgumentException("add_difference needs model_c and clip_c (the base that B"
                            + " was trained from); connect them or use weighted_sum");
                }
                models.add(c);
                clips.add(cc);
                f = w -> w[0].add(w[1].sub(w[2]).mul(m));
                note = "A1111 add difference A + " + m + "·(B − C)";
            } else {
                f = w -> w[0].mul(1f - m).add(w[1].mul(m));
                note = "A1111 weighted sum (1 − " + m + ")·A + " + m + "·B";
            }
            return NodeOutputs.of(mergeModels(ctx, models, f, note), mergeClips(ctx, clips, f, note));
        }
    }
}
