package dev.noodle.nodes.model;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.model.CheckpointWriter;
import dev.noodle.engine.io.WeightSet;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.host.ImageFiles;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.host.WorkflowTexts;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelRecipe;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.VaeValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * VAESave, CLIPSave and ModelSave, shaped as ComfyUI's ({@code comfy_extras/nodes_model_merging.py}): each writes
 * one part of a model as .safetensors into the output folder, named {@code prefix_00001_.safetensors} with
 * ComfyUI's counter, in the key layout ComfyUI writes for that part and with the workflow in its metadata.
 */
public final class SaveNodes {
    private SaveNodes() {}

    /**
     * Writes {@code writer(title)} under the next free {@code prefix_NNNNN_.safetensors} of {@code prefix}, as
     * ComfyUI's get_save_image_path counts; the title is ComfyUI's {@code "name counter"}.
     */
    static Path save(NodeContext ctx, NodeEnvironment env, String prefix,
            Function<String, SafetensorsWriter> writer) throws IOException {
        ImageFiles.SaveTarget t = ImageFiles.splitPrefix(env.outputDir(), prefix);
        Files.createDirectories(t.folder());
        Path file;
        synchronized (SaveNodes.class) { // counters must not collide between concurrent saves of any model file
            int counter = ImageFiles.nextCounter(t.folder(), t.name());
            file = t.folder().resolve(String.format("%s_%05d_.safetensors", t.name(), counter));
            writer.apply(t.name() + " " + counter).write(file);
        }
        ctx.message(MessageLevel.INFO, "saved " + env.outputDir().relativize(file));
        return file;
    }

    /** ComfyUI's {@code prompt} (empty when the run has none) and {@code workflow} texts. */
    static Map<String, String> workflowTexts(NodeContext ctx) {
        return WorkflowTexts.forSavedFile(ctx, "the file");
    }

    /** VAESave: the VAE's weights as a standalone VAE file ({@code vae/ComfyUI_vae_00001_.safetensors}). */
    public static final class VaeSave extends Node {
        static final SocketInput<VaeValue> VAE = SocketInput.of("vae", PortType.VAE, VaeValue.class);
        static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "vae/ComfyUI_vae");

        private final NodeEnvironment env;

        public VaeSave(NodeEnvironment env) {
            super(NodeSupport.schema("VAESave", "VAESave", "advanced/model_merging",
                            "Saves the VAE as a .safetensors file in the output folder (vae/ComfyUI_vae_00001_"
                                    + ".safetensors, counting up). Move it to models/vae to load it with Load VAE.")
                    .input(VAE)
                    .input(FILENAME_PREFIX)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            var weights = MergeNodes.vaeWeights(in.get(VAE), "VAESave");
            Map<String, String> meta = workflowTexts(ctx);
            Path file = save(ctx, env, in.get(FILENAME_PREFIX), title -> CheckpointWriter.vaeWriter(weights, meta));
            return new NodeOutputs(List.of(), Map.of("vae", List.of(file)));
        }
    }

    /**
     * CLIPSave: each text encoder of the CLIP as its own file, named as ComfyUI names them: the prefix plus
     * {@code _clip_l} (SD 1.x, SDXL's first), {@code _clip_h} (SD 2.x's OpenCLIP ViT-H) or {@code _clip_g} (SDXL's
     * bigG), each with its own counter.
     */
    public static final class ClipSave extends Node {
        static final SocketInput<ClipValue> CLIP = SocketInput.of("clip", PortType.CLIP, ClipValue.class);
        static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "clip/ComfyUI");

        private final NodeEnvironment env;

        public ClipSave(NodeEnvironment env) {
            super(NodeSupport.schema("CLIPSave", "CLIPSave", "advanced/model_merging",
                            "Saves the text encoder(s) as .safetensors files in the output folder (clip/ComfyUI_clip_l"
                                    + "_00001_.safetensors; SDXL also writes a _clip_g file), with the workflow in"
                                    + " their metadata.")
                    .input(CLIP)
                    .input(FILENAME_PREFIX)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get(CLIP);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.putAll(workflowTexts(ctx));
            ModelRecipe recipe = CheckpointSaveNode.mergeRecipe(ctx, clip.recipe());
            if (recipe != null) {
                meta.put(ModelRecipe.METADATA_KEY, ModelRecipe.metadataText(null, recipe));
            }
            Map<String, WeightSet> parts = new LinkedHashMap<>();
            switch (clip.family().base()) {
                case SD1 -> parts.put("clip_l", MergeNodes.clipWeights(clip));
                case SD2 -> parts.put("clip_h", MergeNodes.clipWeights(clip));
                case SDXL -> {
                    if (clip.dual()) {
                        parts.put("clip_l", MergeNodes.clipWeights(clip));
                        parts.put("clip_g", MergeNodes.clip2Weights(clip));
                    } else {
                        parts.put("clip_g", MergeNodes.clipWeights(clip)); // the refiner has bigG only
                    }
                }
                default -> throw new IllegalArgumentException("CLIPSave: cannot name the text encoder of a "
                        + clip.family() + " CLIP; connect an SD 1.x, SD 2.x or SDXL CLIP");
            }
            List<Path> files = new ArrayList<>();
            String prefix = in.get(FILENAME_PREFIX);
            for (Map.Entry<String, WeightSet> e : parts.entrySet()) {
                files.add(save(ctx, env, prefix + "_" + e.getKey(),
                        title -> CheckpointWriter.clipWriter(e.getValue(), meta)));
            }
            return new NodeOutputs(List.of(), Map.of("clip", List.copyOf(files)));
        }
    }

    /**
     * ModelSave: the diffusion model alone under {@code model.diffusion_model.*}
     * ({@code diffusion_models/ComfyUI_00001_.safetensors}), with the checkpoint's modelspec fields and recipe.
     */
    public static final class ModelSave extends Node {
        static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
        static final StringInput FILENAME_PREFIX = StringInput.of("filename_prefix", "diffusion_models/ComfyUI");

        private final NodeEnvironment env;

        public ModelSave(NodeEnvironment env) {
            super(NodeSupport.schema("ModelSave", "ModelSave", "advanced/model_merging",
                            "Saves the diffusion model (UNet) alone as a .safetensors file in the output folder"
                                    + " (diffusion_models/ComfyUI_00001_.safetensors, counting up), with the merge"
                                    + " recipe and the workflow in its metadata.")
                    .input(MODEL)
                    .input(FILENAME_PREFIX)
                    .outputNode(true));
            this.env = env;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) throws IOException {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get(MODEL);
            if (model.lazyUnet() == null && model.unet().attentionHook() != null) {
                ctx.message(MessageLevel.WARNING, "the hypernetwork on this MODEL is not part of its weights and is"
                        + " not saved; load it again on the saved model");
            }
            Path file = save(ctx, env, in.get(FILENAME_PREFIX), title -> {
                Map<String, String> meta = CheckpointSaveNode.metadata(ctx, model, null, null, title);
                return CheckpointWriter.unetWriter(MergeNodes.unetWeights(model), model.sampling().prediction(), meta);
            });
            return new NodeOutputs(List.of(), Map.of("diffusion_models", List.of(file)));
        }
    }
}
