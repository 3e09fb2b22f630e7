package dev.noodle.nodes.model;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.WorkflowTexts;
import dev.noodle.nodes.interop.ModelHashCache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.model.CheckpointWriter;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.text.DemoVocabulary;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelRecipe;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.VaeValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CheckpointSave, as ComfyUI's ({@code comfy_extras/nodes_model_merging.py}): writes MODEL + CLIP + VAE as one
 * safetensors checkpoint in the original LDM layout into the output folder ({@code checkpoints/ComfyUI_00001_
 * .safetensors} by default), so a merge or a LoRA-baked model can be loaded again with Load Checkpoint. The file is
 * written tensor by tensor: a merge of checkpoints that are not loaded is computed from their files as it is
 * written, in the first input's precision, without loading either. The file
 * carries the workflow ({@code prompt}, {@code workflow}), {@code modelspec.*} fields and the merge recipe (every
 * patch applied to the model and the text encoder) in its {@code __metadata__}.
 */
public final class CheckpointSaveNode extends Node {
    /** Metadata key holding the recipe as JSON: model and clip patches, clip layer, VAE source. */
    public static final String RECIPE_KEY = "noodle.recipe";
    private static final ObjectMapper JSON = new ObjectMapper();

    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    static final SocketInput<ClipValue> CLIP = SocketInput.of("clip", PortType.CLIP, ClipValue.class);
    static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);
    static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "checkpoints/ComfyUI");

    private final NodeEnvironment env;

    public CheckpointSaveNode(NodeEnvironment env) {
        super(NodeSupport.schema("CheckpointSave", "Save Checkpoint", "advanced/model_merging",
                        "Saves the model, text encoder and VAE as one .safetensors checkpoint in the output folder"
                                + " (prefix_00001_.safetensors, counting up), with the merge recipe and the workflow in"
                                + " its metadata. Move it to models/checkpoints to load it again.")
                .input(MODEL)
                .input(CLIP)
                .input(VAE)
                .input(FILENAME_PREFIX)
                .outputNode(true));
        this.env = env;
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) throws IOException {
        NodeInputs in = ctx.inputs();
        ModelValue model = in.get(MODEL);
        ClipValue clip = in.get(CLIP);
        VaeValue vae = in.get(VAE);
        if (model.family().base() != clip.family().base()) {
            throw new IllegalArgumentException("the MODEL is " + model.family() + " but the CLIP is " + clip.family()
                    + "; a checkpoint needs a text encoder of its own family");
        }
        if (model.lazyUnet() == null && model.unet().attentionHook() != null) {
            ctx.message(MessageLevel.WARNING, "the hypernetwork on this MODEL is not part of its weights and is not"
                    + " saved; load it again on the saved checkpoint");
        }
        // each tensor is read (from memory, from the input files, or computed by a merge) as it is written
        Path file = SaveNodes.save(ctx, env, in.get(FILENAME_PREFIX), title -> CheckpointWriter.writer(
                new CheckpointWriter.Streams(model.family(), MergeNodes.unetWeights(model),
                        MergeNodes.clipWeights(clip), MergeNodes.vaeWeights(vae, ctx.nodeType()),
                        model.sampling().prediction(),
                        MergeNodes.clip2Weights(clip)), metadata(ctx, model, clip, vae, title)));
        return new NodeOutputs(List.of(), Map.of("checkpoints", List.of(file)));
    }

    /**
     * ComfyUI's fields (prompt, workflow, modelspec.*) plus the recipe; {@code clip} and {@code vae} are null when
     * the model is saved alone (ModelSave). ComfyUI fills the {@code modelspec.architecture} family only for SDXL
     * and later (its SD 1.x/2.x names are a to-do there); Noodle writes the SAI model-spec name for every family.
     */
    static Map<String, String> metadata(NodeContext ctx, ModelValue model, ClipValue clip, VaeValue vae, String title) {
        Map<String, String> m = new LinkedHashMap<>();
        PredictionType p = model.sampling().prediction();
        m.put("modelspec.sai_model_spec", "1.0.0");
        m.put("modelspec.architecture", architecture(model.family(), p));
        m.put("modelspec.implementation", "sgm");
        m.put("modelspec.title", title);
        m.put("modelspec.predict_key", p == PredictionType.V_PREDICTION ? "v" : "epsilon");
        List<String> recipe = new java.util.ArrayList<>(model.patches());
        if (clip != null) {
            clip.patches().forEach(c -> recipe.add("clip: " + c));
        }
        if (!recipe.isEmpty()) {
            m.put("modelspec.description", "Made with Noodle: " + String.join("; ", recipe));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model.patches());
        if (clip != null) {
            r.put("clip", clip.patches());
            r.put("clip_stop_at_layer", clip.encoding().stopAtLayer());
        }
        if (vae != null) {
            r.put("vae", vae.source());
        }
        try {
            m.put(RECIPE_KEY, JSON.writeValueAsString(r));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ModelRecipe modelRecipe = mergeRecipe(ctx, model.recipe());
        ModelRecipe clipRecipe = clip == null ? null : mergeRecipe(ctx, clip.recipe());
        if (modelRecipe != null || clipRecipe != null) {
            m.put(ModelRecipe.METADATA_KEY, ModelRecipe.metadataText(modelRecipe, clipRecipe));
            List<String> made = new java.util.ArrayList<>();
            if (modelRecipe != null) {
                made.add("model: " + modelRecipe.describe());
            }
            if (clipRecipe != null) {
                made.add("clip: " + clipRecipe.describe());
            }
            m.merge("modelspec.description", "Merged with Noodle: " + String.join("; ", made),
                    (old, add) -> add + ". " + old);
        }
        if (clip != null && DemoVocabulary.SOURCE.equals(clip.tokenizer().source())) {
            m.put(DemoCheckpoint.TOKENIZER_KEY, DemoCheckpoint.DEMO_TOKENIZER); // the loader picks the tokenizer by it
        }
        try {
            m.putAll(ctx.service(WorkflowTexts.class).of(ctx));
        } catch (RuntimeException e) {
            ctx.message(MessageLevel.WARNING, "the workflow could not be stored in the checkpoint: " + e.getMessage());
        }
        m.putIfAbsent("prompt", ""); // ComfyUI writes the key even when the run has no prompt
        return m;
    }

    /**
     * A merge recipe with every source file's SHA-256 (from the shared hash cache: each file is hashed once), or
     * null when {@code r} is not a merge.
     */
    static ModelRecipe mergeRecipe(NodeContext ctx, ModelRecipe r) {
        if (r == null || !r.isMerge()) {
            return null;
        }
        ModelHashCache hashes = ctx.service(ModelHashCache.class);
        return r.hashed(p -> {
            try {
                return hashes.sha256(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot hash " + p + " for the merge recipe: " + e.getMessage(), e);
            }
        });
    }

    /** The modelspec architecture name of a family. */
    static String architecture(ModelFamily f, PredictionType p) {
        return switch (f) {
            case SD1 -> "stable-diffusion-v1";
            case SD1_INPAINT -> "stable-diffusion-v1-inpainting";
            case SD2 -> p == PredictionType.V_PREDICTION ? "stable-diffusion-v2-768-v" : "stable-diffusion-v2-512";
            case SD2_INPAINT -> "stable-diffusion-v2-inpainting";
            case SDXL -> "stable-diffusion-xl-v1-base";
            case SDXL_INPAINT -> "stable-diffusion-xl-v1-inpainting";
            case SDXL_REFINER -> "stable-diffusion-xl-v1-refiner";
        };
    }
}
