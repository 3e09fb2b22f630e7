package dev.noodle.nodes.model;

import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.TensorCodec;
import dev.noodle.engine.io.WeightSet;
import dev.noodle.engine.model.CheckpointWriter;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetWeights;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.LazyPart;
import dev.noodle.nodes.values.ModelRecipe;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Model merging: ComfyUI's ModelMergeSimple / ModelMergeBlocks / ModelMergeSD1 / ModelMergeSD2 / ModelMergeSDXL /
 * ModelMergeSubtract / ModelMergeAdd / CLIPMergeSimple / CLIPMergeSubtract / CLIPMergeAdd and Noodle's
 * CheckpointMerger with AUTOMATIC1111's formulas. A merge is lazy: saved, it is computed key by key from the inputs
 * (their files when they are not loaded); needed in memory, it is made as new arrays owned by the result. The inputs
 * are never modified.
 */
public final class MergeNodes {
    private MergeNodes() {}

    static final SocketInput<ModelValue> MODEL1 = SocketInput.of("model1", PortType.MODEL, ModelValue.class);
    static final SocketInput<ModelValue> MODEL2 = SocketInput.of("model2", PortType.MODEL, ModelValue.class);

    /** Per-key combination of the inputs' weights (same key, same shape), computed in float32. */
    interface Formula extends MergedWeights.Formula {}

    /** Merges the UNets: keys of the first model whose shape every other model shares; others keep model 1's. */
    static ModelValue mergeModels(NodeContext ctx, List<ModelValue> models, Formula f, String note, String method,
            Map<String, ? extends Number> ratios) {
        return mergeModelsPerKey(ctx, models, k -> f, note, method, ratios);
    }

    /**
     * Refuses inputs of different families (SD 1.x with SDXL, …), naming each input's source files: their layers
     * differ, so a merge would keep most of the first model and silently drop the rest.
     */
    static void requireOneFamily(String what, List<ModelFamily> families, List<ModelRecipe> recipes) {
        for (int i = 1; i < families.size(); i++) {
            if (families.get(i).base() != families.get(0).base()) {
                throw new IllegalArgumentException("cannot merge " + source(what, 0, recipes) + " (" + families.get(0)
                        + ") with " + source(what, i, recipes) + " (" + families.get(i) + "): models of different"
                        + " families have different layers. Merge models of one family (an SD 1.x fine-tune with"
                        + " SD 1.x, SDXL with SDXL).");
            }
        }
    }

    private static String source(String what, int i, List<ModelRecipe> recipes) {
        ModelRecipe r = recipes.get(i);
        return what + (i + 1) + (r == null ? "" : " from " + r.sourceNames());
    }

    /** The recipe of a merge of {@code recipes} by {@code method}. */
    static ModelRecipe recipe(String method, Map<String, ? extends Number> ratios, List<ModelRecipe> recipes) {
        return ModelRecipe.merge(method, ratios, recipes);
    }

    /** A UNet's weights as a merge reads them: from its file when not loaded, else from memory. */
    static WeightSet unetWeights(ModelValue m) {
        return m.lazyUnet() != null ? m.lazyUnet().weights() : CheckpointWriter.unetWeights(m.unet().weights());
    }

    /** A VAE's weights as a save reads them: from its file when not loaded, else from memory. */
    static WeightSet vaeWeights(dev.noodle.nodes.values.VaeValue v, String node) {
        return v.lazyVae() != null ? v.lazyVae().weights() : CheckpointWriter.vaeWeights(v.autoencoderKL(node));
    }

    /** A text encoder's weights as a merge reads them: from its file when not loaded, else from memory. */
    static WeightSet clipWeights(ClipValue c) {
        return c.lazyClip() != null ? c.lazyClip().weights() : CheckpointWriter.clipWeights(c.clip());
    }

    /** SDXL bigG's weights as a merge reads them, or null for single-encoder families. */
    static WeightSet clip2Weights(ClipValue c) {
        if (c.lazyClip2() != null) {
            return c.lazyClip2().weights();
        }
        return c.dual() ? CheckpointWriter.clipWeights(c.clip2()) : null;
    }

    /**
     * As {@link #mergeModels(NodeContext, List, Formula, String, String, Map)} with a formula chosen per weight
     * key; the result's recipe is {@code method} with {@code ratios} of the inputs' recipes. The merge is lazy: the
     * result is computed key by key when it is saved (nothing held in memory) or, the first time a node needs the
     * UNet in memory, made as one array per merged key beside the first model's.
     */
    static ModelValue mergeModelsPerKey(NodeContext ctx, List<ModelValue> models, Function<String, Formula> perKey,
            String note, String method, Map<String, ? extends Number> ratios) {
        List<ModelRecipe> recipes = models.stream().map(ModelValue::recipe).toList();
        requireOneFamily("model", models.stream().map(ModelValue::family).toList(), recipes);
        ModelValue first = models.get(0);
        MergedWeights merged = new MergedWeights(models.stream().map(MergeNodes::unetWeights).toList(),
                k -> perKey.apply(k), k -> false);
        warnMismatched(ctx, merged);
        String what = "the merge '" + note + "' of " + recipes.stream()
                .map(r -> r == null ? "a model" : r.sourceNames()).toList();
        LazyPart<UNetModel> part = new LazyPart<>(() -> {
            UNetModel base = first.unet();
            UNetWeights w = base.weights();
            NDManager owner = NDManager.newBaseManager(w.get(merged.keys().get(0)).getDevice());
            return withOwner(owner, () -> base.withWeights(w.patched(materialise(what, merged, w::get, owner),
                    owner)));
        }, () -> merged, u -> closeReplacements(u.weights()));
        List<String> patches = new ArrayList<>(first.patches());
        patches.add(note);
        ctx.progress(1, 1);
        return new ModelValue(holdAll(models.stream().map(ModelValue::hold).toList(),
                models.stream().map(ModelValue::owned).toList()), null, first.sampling(), first.latentScale(),
                first.family(), patches, 0, SharedRef.closing(0, part.closer()), first.guidance(),
                recipe(method, ratios, recipes), part);
    }

    /** Merges the text encoders (both of SDXL's, each key by key, as ComfyUI's merges every CLIP weight). */
    static ClipValue mergeClips(NodeContext ctx, List<ClipValue> clips, Formula f, String note, String method,
            Map<String, ? extends Number> ratios) {
        List<ModelRecipe> recipes = clips.stream().map(ClipValue::recipe).toList();
        requireOneFamily("clip", clips.stream().map(ClipValue::family).toList(), recipes);
        ClipValue first = clips.get(0);
        String what = "the text encoder merge '" + note + "' of " + recipes.stream()
                .map(r -> r == null ? "a CLIP" : r.sourceNames()).toList();
        java.util.function.Predicate<String> keep = k -> k.endsWith(".position_ids") || k.endsWith(".logit_scale");
        MergedWeights m1 = new MergedWeights(clips.stream().map(MergeNodes::clipWeights).toList(), k -> f, keep);
        warnMismatched(ctx, m1);
        LazyPart<ClipTextModel> part1 = new LazyPart<>(() -> {
            ClipTextModel base = first.clip();
            NDManager owner = NDManager.newBaseManager(base.parameter(base.parameterKeys().iterator().next())
                    .getDevice());
            return withOwner(owner, () -> base.withParameters(materialise(what, m1, base::parameter, owner), owner));
        }, () -> m1, ClipTextModel::close);
        LazyPart<ClipTextModel> part2 = null;
        if (first.dual()) {
            List<WeightSet> in2 = new ArrayList<>();
            for (ClipValue c : clips) {
                WeightSet g = clip2Weights(c);
                if (g == null) {
                    throw new IllegalArgumentException("cannot merge the SDXL CLIP of clip1 with a CLIP that has no"
                            + " OpenCLIP bigG encoder; connect the CLIP outputs of two SDXL checkpoint loaders");
                }
                in2.add(g);
            }
            MergedWeights m2 = new MergedWeights(in2, k -> f, keep);
            warnMismatched(ctx, m2);
            part2 = new LazyPart<>(() -> {
                ClipTextModel base = first.clip2();
                NDManager owner = NDManager.newBaseManager(base.parameter(base.parameterKeys().iterator().next())
                        .getDevice());
                return withOwner(owner, () -> base.withParameters(materialise(what + " (bigG)", m2, base::parameter,
                        owner), owner));
            }, () -> m2, ClipTextModel::close);
        }
        List<String> patches = new ArrayList<>(first.patches());
        patches.add(note);
        return new ClipValue(holdAll(clips.stream().map(ClipValue::hold).toList(),
                clips.stream().map(ClipValue::owned).toList()), null, first.tokenizer(), first.encoding(),
                first.family(), patches, part2 == null ? SharedRef.closing(0, part1.closer())
                        : SharedRef.closing(0, part1.closer(), part2.closer()), null,
                recipe(method, ratios, recipes), part1, part2);
    }

    private static <T> T withOwner(NDManager owner, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static void warnMismatched(NodeContext ctx, MergedWeights merged) {
        List<String> mismatched = merged.mismatched();
        if (!mismatched.isEmpty()) {
            ctx.message(MessageLevel.WARNING, mismatched.size() + " weights differ in shape or are missing and were"
                    + " not merged (kept from the first input), e.g. " + mismatched.subList(0,
                    Math.min(3, mismatched.size())) + ". The models are probably of different families.");
        }
    }

    /**
     * One hold on every input (and on what each owns) for as long as the merge lives: a lazy merge reads them when
     * it is saved or made.
     */
    private static SharedRef holdAll(List<ModelValue.Hold> holds, List<AutoCloseable> owned) {
        List<AutoCloseable> kept = new ArrayList<>();
        for (ModelValue.Hold h : holds) {
            if (h != null) {
                ModelValue.Hold r = h.retain();
                kept.add(r::release);
            }
        }
        for (AutoCloseable o : owned) {
            AutoCloseable r = SharedRef.retainOwned(o);
            if (r != null) {
                kept.add(r);
            }
        }
        return SharedRef.closing(0, kept.toArray(AutoCloseable[]::new));
    }

    /** The merged keys as arrays of the stored types of {@code base} (after a memory check), owned by {@code owner}. */
    private static Map<String, NDArray> materialise(String what, MergedWeights merged, Function<String, NDArray> base,
            NDManager owner) {
        long bytes = 0;
        for (String k : merged.mergedKeys()) {
            bytes += TensorCodec.elementCount(merged.shape(k)) * base.apply(k).getDataType().getNumOfBytes();
        }
        MemoryPreflight.checkAvailable("Making " + what + " in memory", bytes, "Close other programs or free idle"
                + " models, or save the merge (CheckpointSave, ModelSave, CLIPSave) without sampling it in the same"
                + " run: saving computes it tensor by tensor, and the saved file loads like any checkpoint.");
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String k : merged.mergedKeys()) {
            ai.djl.ndarray.types.DataType t = base.apply(k).getDataType();
            NDArray a = owner.create(merged.floats(k), new Shape(merged.shape(k)));
            if (t != ai.djl.ndarray.types.DataType.FLOAT32) {
                NDArray c = a.toType(t, false);
                a.close();
                a = c;
            }
            out.put(k, a);
        }
        return out;
    }

    // a patched UNet's weights own only the merged arrays' manager: closing them frees those and nothing shared
    private static void closeReplacements(UNetWeights w) {
        w.close();
    }

    static Formula weighted(float r) {
        return MergedWeights.weighted(r)::combine;
    }

    static Formula linear(float ra, float rb) {
        return MergedWeights.linear(ra, rb)::combine;
    }

    static Formula difference(float m) {
        return MergedWeights.difference(m)::combine;
    }

    static Formula sum() {
        return MergedWeights.sum()::combine;
    }

    static Formula addDifference(float m) {
        return MergedWeights.addDifference(m)::combine;
    }

    /** ModelMergeSimple: model1·ratio + model2·(1 − ratio). */
    public static final class ModelMergeSimple extends Node {
        static final FloatInput RATIO = FloatInput.of("ratio", 1.0, 0.0, 1.0, 0.01);

        public ModelMergeSimple() {
            super(NodeSupport.schema("ModelMergeSimple", "ModelMergeSimple", "advanced/model_merging",
                            "Blends two models: result = model1 × ratio + model2 × (1 − ratio). ratio 1 = model1"
                                    + " only.")
                    .input(MODEL1)
                    .input(MODEL2)
                    .input(RATIO)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float r = in.getFloat(RATIO);
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get(MODEL1), in.get(MODEL2)),
                    weighted(r),
                    "merge model1×" + r + " + model2×" + (1 - r), "ModelMergeSimple", Map.of("ratio", r)));
        }
    }

    /** ModelMergeSubtract: (model1 − model2)·multiplier. */
    public static final class ModelMergeSubtract extends Node {
        static final FloatInput MULTIPLIER = FloatInput.of("multiplier", 1.0, -10.0, 10.0, 0.01);

        public ModelMergeSubtract() {
            super(NodeSupport.schema("ModelMergeSubtract", "ModelMergeSubtract",
                            "advanced/model_merging", "result = (model1 − model2) × multiplier: the difference"
                                    + " between two models, e.g. to add to a third with ModelMergeAdd.")
                    .input(MODEL1)
                    .input(MODEL2)
                    .input(MULTIPLIER)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = in.getFloat(MULTIPLIER);
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get(MODEL1), in.get(MODEL2)),
                    difference(m), "(model1 − model2)×" + m, "ModelMergeSubtract",
                    Map.of("multiplier", m)));
        }
    }

    /** ModelMergeAdd: model1 + model2. */
    public static final class ModelMergeAdd extends Node {
        public ModelMergeAdd() {
            super(NodeSupport.schema("ModelMergeAdd", "ModelMergeAdd", "advanced/model_merging",
                            "result = model1 + model2 (e.g. a base plus a difference from ModelMergeSubtract).")
                    .input(MODEL1)
                    .input(MODEL2)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(mergeModels(ctx, List.of(in.get(MODEL1), in.get(MODEL2)), sum(),
                    "model1 + model2", "ModelMergeAdd", Map.of()));
        }
    }

    /** CLIPMergeSimple: clip1·ratio + clip2·(1 − ratio). */
    public static final class ClipMergeSimple extends Node {
        static final SocketInput<ClipValue> CLIP1 = SocketInput.of("clip1", PortType.CLIP, ClipValue.class);
        static final SocketInput<ClipValue> CLIP2 = SocketInput.of("clip2", PortType.CLIP, ClipValue.class);
        static final FloatInput RATIO = FloatInput.of("ratio", 1.0, 0.0, 1.0, 0.01);

        public ClipMergeSimple() {
            super(NodeSupport.schema("CLIPMergeSimple", "CLIPMergeSimple", "advanced/model_merging",
                            "Blends two text encoders: result = clip1 × ratio + clip2 × (1 − ratio).")
                    .input(CLIP1)
                    .input(CLIP2)
                    .input(RATIO)
                    .output(PortType.CLIP, "CLIP"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float r = in.getFloat(RATIO);
            return NodeOutputs.of(mergeClips(ctx, List.of(in.get(CLIP1), in.get(CLIP2)),
                    weighted(r),
                    "merge clip1×" + r + " + clip2×" + (1 - r), "CLIPMergeSimple", Map.of("ratio", r)));
        }
    }

    /**
     * The block merges' rule (ComfyUI's ModelMergeBlocks): each weight key takes the ratio of the longest input
     * name that is a prefix of it, and keys no input names take the first input's ratio; the blend is then
     * model1·ratio + model2·(1 − ratio), as ModelMergeSimple.
     */
    abstract static class BlockMerge extends Node {
        private final List<FloatInput> blocks;
        private final String type;

        BlockMerge(String type, String category, String description, List<FloatInput> blocks) {
            super(blockSchema(type, category, description, blocks));
            this.blocks = List.copyOf(blocks);
            this.type = type;
        }

        private static dev.noodle.graph.spec.NodeSchema blockSchema(String type, String category, String description,
                List<FloatInput> blocks) {
            var b = NodeSupport.schema(type, type, category, description).input(MODEL1).input(MODEL2);
            for (FloatInput f : blocks) {
                b.input(f);
            }
            return b.output(PortType.MODEL, "MODEL").build();
        }

        /** The ratio for a weight key under the given block ratios (input name → ratio, in input order). */
        static float ratioFor(String key, Map<String, Float> ratios) {
            float ratio = ratios.values().iterator().next();
            int longest = 0;
            for (Map.Entry<String, Float> e : ratios.entrySet()) {
                if (key.startsWith(e.getKey()) && e.getKey().length() > longest) {
                    ratio = e.getValue();
                    longest = e.getKey().length();
                }
            }
            return ratio;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            Map<String, Float> ratios = new LinkedHashMap<>();
            for (FloatInput f : blocks) {
                ratios.put(f.name(), in.getFloat(f));
            }
            return NodeOutputs.of(mergeModelsPerKey(ctx, List.of(in.get(MODEL1), in.get(MODEL2)), k -> {
                float r = ratioFor(k, ratios);
                return weighted(r);
            }, "block merge model1×ratio + model2×(1 − ratio), ratios " + ratios, type, ratios));
        }

        /** A block ratio input as ComfyUI declares them: default 1 (model1 only), 0..1, step 0.01. */
        static FloatInput ratio(String name) {
            return FloatInput.of(name, 1.0, 0.0, 1.0, 0.01);
        }

        /**
         * The per-block inputs of ComfyUI's model-specific merges: {@code time_embed.}, {@code label_emb.}, then
         * {@code input_blocks.i}, {@code middle_block.i}, {@code output_blocks.i} (each followed by {@code sep}) and
         * {@code out.}.
         */
        static List<FloatInput> unetBlocks(int inputs, int middles, int outputs, String sep) {
            List<FloatInput> l = new ArrayList<>();
            l.add(ratio("time_embed."));
            l.add(ratio("label_emb."));
            for (int i = 0; i < inputs; i++) {
                l.add(ratio("input_blocks." + i + sep));
            }
            for (int i = 0; i < middles; i++) {
                l.add(ratio("middle_block." + i + sep));
            }
            for (int i = 0; i < outputs; i++) {
                l.add(ratio("output_blocks." + i + sep));
            }
            l.add(ratio("out."));
            return l;
        }
    }

    /** ModelMergeBlocks: one ratio for the input blocks, one for the middle block, one for the output blocks. */
    public static final class ModelMergeBlocks extends BlockMerge {
        public ModelMergeBlocks() {
            super("ModelMergeBlocks", "advanced/model_merging", "Blends two models with a ratio per block group:"
                    + " result = model1 × ratio + model2 × (1 − ratio), with 'input' for the input blocks (and"
                    + " the time and label embeddings), 'middle' for the middle block and 'out' for the output"
                    + " blocks and the final layer. The input blocks shape composition, the output blocks detail.",
                    List.of(ratio("input"), ratio("middle"), ratio("out")));
        }
    }

    /** ComfyUI's model-specific merges' category. */
    static final String MODEL_SPECIFIC = "advanced/model_merging/model_specific";

    /** ModelMergeSD1 (and ModelMergeSD2, the same blocks): a ratio for each of the UNet's 12+3+12 blocks. */
    public static final class ModelMergeSD1 extends BlockMerge {
        public ModelMergeSD1() {
            super("ModelMergeSD1", MODEL_SPECIFIC, "Blends two SD 1.x/2.x models with a ratio per UNet block: result = model1"
                    + " × ratio + model2 × (1 − ratio) for the weights under each block name.",
                    unetBlocks(12, 3, 12, "."));
        }
    }

    /** ModelMergeSD2: ComfyUI maps it to ModelMergeSD1's class (SD 1.x and 2.x share the UNet's blocks). */
    public static final class ModelMergeSD2 extends BlockMerge {
        public ModelMergeSD2() {
            super("ModelMergeSD2", MODEL_SPECIFIC, "Blends two SD 1.x/2.x models with a ratio per UNet block:"
                    + " result = model1 × ratio + model2 × (1 − ratio) for the weights under each block name.",
                    unetBlocks(12, 3, 12, "."));
        }
    }

    /** ModelMergeSDXL: a ratio for each of SDXL's 9+3+9 UNet blocks (names without ComfyUI's trailing dot). */
    public static final class ModelMergeSDXL extends BlockMerge {
        public ModelMergeSDXL() {
            super("ModelMergeSDXL", MODEL_SPECIFIC, "Blends two SDXL models with a ratio per UNet block: result ="
                    + " model1 × ratio + model2 × (1 − ratio) for the weights under each block name.",
                    unetBlocks(9, 3, 9, ""));
        }
    }

    static final SocketInput<ClipValue> CLIP1 = SocketInput.of("clip1", PortType.CLIP, ClipValue.class);
    static final SocketInput<ClipValue> CLIP2 = SocketInput.of("clip2", PortType.CLIP, ClipValue.class);

    /** CLIPMergeSubtract: (clip1 − clip2)·multiplier (position ids and logit scale stay clip1's, as ComfyUI). */
    public static final class ClipMergeSubtract extends Node {
        static final FloatInput MULTIPLIER = FloatInput.of("multiplier", 1.0, -10.0, 10.0, 0.01);

        public ClipMergeSubtract() {
            super(NodeSupport.schema("CLIPMergeSubtract", "CLIPMergeSubtract", "advanced/model_merging",
                            "result = (clip1 − clip2) × multiplier: the difference between two text encoders,"
                                    + " e.g. to add to a third with CLIPMergeAdd.")
                    .input(CLIP1)
                    .input(CLIP2)
                    .input(MULTIPLIER)
                    .output(PortType.CLIP, "CLIP"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = in.getFloat(MULTIPLIER);
            return NodeOutputs.of(mergeClips(ctx, List.of(in.get(CLIP1), in.get(CLIP2)),
                    difference(m), "(clip1 − clip2)×" + m, "CLIPMergeSubtract",
                    Map.of("multiplier", m)));
        }
    }

    /** CLIPMergeAdd: clip1 + clip2 (position ids and logit scale stay clip1's, as ComfyUI). */
    public static final class ClipMergeAdd extends Node {
        public ClipMergeAdd() {
            super(NodeSupport.schema("CLIPMergeAdd", "CLIPMergeAdd", "advanced/model_merging",
                            "result = clip1 + clip2 (e.g. a base plus a difference from CLIPMergeSubtract).")
                    .input(CLIP1)
                    .input(CLIP2)
                    .output(PortType.CLIP, "CLIP"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(mergeClips(ctx, List.of(in.get(CLIP1), in.get(CLIP2)), sum(),
                    "clip1 + clip2", "CLIPMergeAdd", Map.of()));
        }
    }

    /** Noodle's CheckpointMerger: AUTOMATIC1111's checkpoint merger formulas on MODEL and CLIP. */
    public static final class CheckpointMerger extends Node {
        /** AUTOMATIC1111's interpolation methods. */
        enum InterpMethod {
            /** (1 − M)·A + M·B. */
            WEIGHTED_SUM,
            /** A + M·(B − C). */
            ADD_DIFFERENCE;

            /** The option name ({@code weighted_sum}, {@code add_difference}). */
            String optionName() {
                return name().toLowerCase(Locale.ROOT);
            }
        }

        static final SocketInput<ModelValue> MODEL_A = SocketInput.of("model_a", PortType.MODEL, ModelValue.class);
        static final SocketInput<ClipValue> CLIP_A = SocketInput.of("clip_a", PortType.CLIP, ClipValue.class);
        static final SocketInput<ModelValue> MODEL_B = SocketInput.of("model_b", PortType.MODEL, ModelValue.class);
        static final SocketInput<ClipValue> CLIP_B = SocketInput.of("clip_b", PortType.CLIP, ClipValue.class);
        static final EnumInput<InterpMethod> INTERP_METHOD =
                EnumInput.of("interp_method", InterpMethod.class, InterpMethod::optionName);
        static final FloatInput MULTIPLIER = FloatInput.of("multiplier", 0.5, 0.0, 1.0, 0.05);
        static final SocketInput<ModelValue> MODEL_C =
                SocketInput.of("model_c", PortType.MODEL, ModelValue.class).asOptional();
        static final SocketInput<ClipValue> CLIP_C =
                SocketInput.of("clip_c", PortType.CLIP, ClipValue.class).asOptional();

        public CheckpointMerger() {
            super(NodeSupport.schema("NoodleCheckpointMerger", "Checkpoint Merger (A1111)",
                            "advanced/model_merging", "AUTOMATIC1111's checkpoint merger. weighted_sum: (1 − M)·A"
                                    + " + M·B, so M = 0 gives A and M = 1 gives B (the opposite direction of"
                                    + " ModelMergeSimple's ratio). add_difference: A + M·(B − C), needs model_c and"
                                    + " clip_c.")
                    .input(MODEL_A)
                    .input(CLIP_A)
                    .input(MODEL_B)
                    .input(CLIP_B)
                    .input(INTERP_METHOD)
                    .input(MULTIPLIER)
                    .input(MODEL_C)
                    .input(CLIP_C)
                    .output(PortType.MODEL, "MODEL")
                    .output(PortType.CLIP, "CLIP"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            float m = in.getFloat(MULTIPLIER);
            List<ModelValue> models = new ArrayList<>(Arrays.asList(in.get(MODEL_A), in.get(MODEL_B)));
            List<ClipValue> clips = new ArrayList<>(Arrays.asList(in.get(CLIP_A), in.get(CLIP_B)));
            Formula f;
            String note;
            if (in.get(INTERP_METHOD) == InterpMethod.ADD_DIFFERENCE) {
                ModelValue c = in.get(MODEL_C);
                ClipValue cc = in.get(CLIP_C);
                if (c == null || cc == null) {
                    throw new IllegalArgumentException("add_difference needs model_c and clip_c (the base that B"
                            + " was trained from); connect them or use weighted_sum");
                }
                models.add(c);
                clips.add(cc);
                f = addDifference(m);
                note = "A1111 add difference A + " + m + "·(B − C)";
            } else {
                f = linear(1f - m, m);
                note = "A1111 weighted sum (1 − " + m + ")·A + " + m + "·B";
            }
            String method = "NoodleCheckpointMerger " + in.get(INTERP_METHOD).optionName();
            Map<String, Float> ratios = Map.of("multiplier", m);
            return NodeOutputs.of(mergeModels(ctx, models, f, note, method, ratios),
                    mergeClips(ctx, clips, f, note, method, ratios));
        }
    }
}
