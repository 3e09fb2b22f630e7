package dev.noodle.engine.model;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.ClipTokenizer;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.vae.AutoencoderKL;
import java.nio.file.Path;

/**
 * The parts of one single-file checkpoint, bound and ready: UNet, text encoder (+ tokenizer), VAE (null when the
 * file has none), the noise schedule and the family facts. Immutable; closing frees all native weights.
 *
 * @param file where it was read from
 * @param info detected family and layout
 * @param unet the diffusion model
 * @param clip the text encoder (SDXL: CLIP-L)
 * @param tokenizer the tokenizer for that text encoder
 * @param encoding the family's text-encoding conventions (pad token, default layer, final norm)
 * @param vae the VAE (raw-latent convention: scale factor 1, ComfyUI's LATENT holds unscaled latents)
 * @param sampling discrete schedule with the checkpoint's prediction type
 * @param latentScale the family's latent scale factor (0.18215 for SD1/2, 0.13025 for SDXL)
 * @param weightBytes native bytes held by the weights
 * @param owner manager owning the VAE (the other parts own their own)
 * @param clip2 SDXL's second text encoder (OpenCLIP bigG, with its text projection), null for SD 1.x/2.x
 */
public record LoadedCheckpoint(Path file, CheckpointInfo info, UNetModel unet, ClipTextModel clip,
        ClipTokenizer tokenizer, ClipEncoding encoding, AutoencoderKL vae, ModelSampling sampling, float latentScale, long weightBytes,
        NDManager owner, ClipTextModel clip2) implements AutoCloseable {
    /** The weight stores of every part (UNet, text encoders, VAE), which move between GPU and CPU memory. */
    public java.util.List<dev.noodle.engine.memory.WeightStore> stores() {
        java.util.List<dev.noodle.engine.memory.WeightStore> all = new java.util.ArrayList<>(unet.weights().stores());
        all.addAll(clip.stores());
        if (clip2 != null) {
            all.addAll(clip2.stores());
        }
        if (vae != null) {
            all.add(vae.store());
        }
        return all;
    }

    @Override
    public void close() {
        unet.close();
        clip.close();
        if (clip2 != null) {
            clip2.close();
        }
        if (vae != null) {
            vae.close();
        }
        owner.close();
    }
}
