package dev.noodle.engine.model;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.vision.ClipVisionModel;
import java.nio.file.Path;

/**
 * The CLIP image tower inside a Stable unCLIP 2.1 checkpoint: the checkpoint's {@code embedder.model.*} keys (an
 * open_clip model whose text transformer was removed: {@code visual.*} plus the text tower's embeddings and
 * {@code ln_final}, which are passed over), as ComfyUI's {@code unCLIPCheckpointLoader} reads them (clip_vision_prefix
 * {@code embedder.model.visual.}). Stateless.
 */
public final class UnclipTower {
    /** The open_clip model prefix; the tower's keys follow as {@code visual.*}. */
    public static final String PREFIX = "embedder.model.";

    private UnclipTower() {}

    /**
     * Loads the tower of an unCLIP checkpoint, checking that its embedding fits the UNet (label_emb takes embedding
     * ‖ noise-level embedding of the same width).
     *
     * @throws ModelFormatException naming the file when it is no unCLIP checkpoint, has no tower, or the tower's
     *     embedding width does not fit its UNet
     */
    public static ClipVisionModel load(Path file) {
        String name = file.getFileName().toString();
        try (ModelFile src = ModelFiles.open(file)) {
            CheckpointInfo info = FamilyDetector.detect(src);
            if (!FamilyDetector.isUnclip(info, src)) {
                throw new ModelFormatException(name + " is not an unCLIP checkpoint: it is " + info.family()
                        .displayName() + " without the image-embedding label_emb of Stable unCLIP 2.1. Load it with"
                        + " Load Checkpoint, and a CLIP vision model with Load CLIP Vision.");
            }
            TensorSource tower = src.withPrefix(PREFIX);
            if (!tower.contains("visual.conv1.weight")) {
                throw new ModelFormatException(name + " is an unCLIP checkpoint without its CLIP image tower (no "
                        + PREFIX + "visual.conv1.weight). Use a complete sd21-unclip file, or load the tower with"
                        + " Load CLIP Vision.");
            }
            ClipVisionModel model = ClipVisionModel.load(tower, name);
            long adm = src.info(info.unetPrefix() + "label_emb.0.0.weight").shape()[1];
            if (model.config().projectionDim() * 2L != adm) {
                int dim = model.config().projectionDim();
                model.close();
                throw new ModelFormatException(name + ": its CLIP image tower gives " + dim + "-wide embeddings but"
                        + " its UNet's label_emb takes " + adm + " values (" + adm / 2 + " + " + adm / 2 + "). The"
                        + " file mixes parts of different models.");
            }
            return model;
        }
    }
}
