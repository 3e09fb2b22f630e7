package dev.noodle.engine.model;

import java.util.List;
import java.util.Optional;

/**
 * What {@link FamilyDetector} found in a single-file checkpoint: the family, where each part's weights live, and
 * hints for sampling. Immutable.
 *
 * @param family detected family (inpainting variant included)
 * @param prediction eps / v / EDM-v hint from marker keys
 * @param inpainting whether the UNet's {@code input_blocks.0.0.weight} has 9 input channels
 * @param unetPrefix key prefix of the UNet, e.g. {@code model.diffusion_model.}
 * @param textEncoderPrefixes one prefix per text encoder (SDXL: CLIP-L then OpenCLIP bigG)
 * @param vaePrefix key prefix of the VAE, empty when the file has none (a separate VAE must be loaded)
 * @param textWidth cross-attention context width (768, 1024 or 2048)
 * @param unetInChannels UNet input channels (4; 8 for InstructPix2Pix-style editing; 9 for inpainting)
 */
public record CheckpointInfo(ModelFamily family, Prediction prediction, boolean inpainting, String unetPrefix,
        List<String> textEncoderPrefixes, Optional<String> vaePrefix, int textWidth, int unetInChannels) {
    public CheckpointInfo {
        textEncoderPrefixes = List.copyOf(textEncoderPrefixes);
    }
}
