package dev.noodle.engine.model;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny random-weight cosxl and cosxl_edit checkpoints in the real single-file layout, for tests and examples:
 * {@link TinyCheckpoints}'s small SDXL (same key names, demo vocabulary) plus the root scalars
 * {@code edm_vpred.sigma_max} and {@code edm_vpred.sigma_min} that mark Stability's CosXL models as EDM
 * v-prediction (ComfyUI reads them in {@code supported_models.SDXL.model_type}); the edit variant's UNet takes 8 input
 * channels (the noisy latent, then the image to edit). Values are deterministic per key. Stateless.
 */
public final class TinyCosxl {
    /** CosXL's σ range as its files store it. */
    public static final float SIGMA_MAX = 120f;
    /** CosXL's smallest σ. */
    public static final float SIGMA_MIN = 0.002f;

    private TinyCosxl() {}

    /** The small SDXL UNet with {@code inChannels} input channels (4 for cosxl, 8 for cosxl_edit). */
    public static UNetConfig unet(int inChannels) {
        UNetConfig t = TinyCheckpoints.sdxlUnet();
        return new UNetConfig(inChannels, t.outChannels(), t.modelChannels(), t.channelMult(), t.numResBlocks(),
                t.inputDepth(), t.middleDepth(), t.outputDepth(), t.numHeads(), t.headChannels(), t.contextDim(),
                t.linearProjection(), t.admInChannels());
    }

    /**
     * Writes the checkpoint (atomically); returns {@code file}.
     *
     * @param edit cosxl_edit (8-channel UNet) instead of cosxl
     * @param sigmaMin the stored edm_vpred.sigma_min, or NaN to leave the key out (ComfyUI then uses 0.002)
     */
    public static Path write(Path file, boolean edit, float sigmaMax, float sigmaMin) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata(DemoCheckpoint.TOKENIZER_KEY, DemoCheckpoint.DEMO_TOKENIZER);
        w.metadata("noodle.description", "tiny random-weight " + (edit ? "cosxl_edit" : "cosxl")
                + " checkpoint for tests");
        TinyCheckpoints.add(w, "", UNetConfig.parameterShapes(unet(edit ? 8 : 4)));
        TinyCheckpoints.add(w, ClipTextModel.SDXL_CLIP_L_PREFIX,
                ClipTextModel.parameterShapes(TinyCheckpoints.sdxlClipL()));
        TinyCheckpoints.add(w, ClipTextModel.SDXL_CLIP_G_PREFIX,
                TinyCheckpoints.openClipShapes(TinyCheckpoints.sdxlClipG()));
        TinyCheckpoints.add(w, AutoencoderKL.CHECKPOINT_PREFIX, AutoencoderKL.parameterShapes(VaeConfig.tiny()));
        w.addF32("edm_vpred.sigma_max", new long[] {}, new float[] {sigmaMax});
        if (!Float.isNaN(sigmaMin)) {
            w.addF32("edm_vpred.sigma_min", new long[] {}, new float[] {sigmaMin});
        }
        w.write(file);
        return file;
    }

    /** Writes cosxl or cosxl_edit with CosXL's own σ range (0.002 .. 120). */
    public static Path write(Path file, boolean edit) throws IOException {
        return write(file, edit, SIGMA_MAX, SIGMA_MIN);
    }
}
