package dev.noodle.engine.vae;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;

/**
 * Shape hyper-parameters of an LDM {@code AutoencoderKL} (the Stable Diffusion VAE), as in the ldm {@code ddconfig}.
 *
 * <p>The spatial factor is {@code 2^(chMult.length - 1)} (8 for every SD VAE). Immutable and thread-safe.
 *
 * @param inChannels image channels read by {@code encoder.conv_in} (3)
 * @param outChannels image channels written by {@code decoder.conv_out} (3)
 * @param ch base channel count (128 for SD)
 * @param chMult channel multiplier per resolution level ({1, 2, 4, 4} for SD)
 * @param numResBlocks ResNet blocks per encoder level (the decoder has one more per level)
 * @param zChannels latent channels between encoder/decoder and the quant convs (4)
 * @param embedDim latent channels after {@code quant_conv} (4)
 */
public record VaeConfig(
        int inChannels, int outChannels, int ch, int[] chMult, int numResBlocks, int zChannels, int embedDim) {

    /** GroupNorm groups in every block (ldm {@code Normalize}). */
    public static final int GROUPS = 32;

    /** GroupNorm epsilon in every block. */
    public static final float EPS = 1e-6f;

    /** Latent scale factor of SD 1.x / 2.x. */
    public static final float SD_SCALE = 0.18215f;

    /** Latent scale factor of SDXL. */
    public static final float SDXL_SCALE = 0.13025f;

    public VaeConfig {
        chMult = chMult.clone();
        if (chMult.length == 0 || ch <= 0 || numResBlocks <= 0 || zChannels <= 0 || embedDim <= 0) {
            throw new IllegalArgumentException("invalid VAE config: ch=" + ch + " chMult=" + Arrays.toString(chMult));
        }
        for (int m : chMult) {
            if ((ch * m) % GROUPS != 0) {
                throw new IllegalArgumentException(
                        "VAE channels " + ch * m + " are not divisible by " + GROUPS + " GroupNorm groups");
            }
        }
    }

    @Override
    public int[] chMult() {
        return chMult.clone();
    }

    /** The SD 1.x/2.x/SDXL VAE: ch 128, mult {1,2,4,4}, 2 res blocks, 4 latent channels (83.7 M parameters). */
    public static VaeConfig sd() {
        return new VaeConfig(3, 3, 128, new int[] {1, 2, 4, 4}, 2, 4, 4);
    }

    /** A tiny VAE with the same key names and factor 8 (ch 32, mult {1,1,2,2}, 1 res block) for tests and demos. */
    public static VaeConfig tiny() {
        return new VaeConfig(3, 3, 32, new int[] {1, 1, 2, 2}, 1, 4, 4);
    }

    /** Number of resolution levels. */
    public int levels() {
        return chMult.length;
    }

    /** Pixels per latent cell along each axis. */
    public int downscale() {
        return 1 << (chMult.length - 1);
    }

    /** Output channels of level {@code i}. */
    public int channels(int level) {
        return ch * chMult[level];
    }

    /**
     * Infers the config from VAE weights with LDM names and no prefix (use {@code withPrefix("first_stage_model.")}
     * for a full checkpoint).
     *
     * @throws ModelFormatException naming the source when a key needed for inference is absent
     */
    public static VaeConfig fromWeights(TensorSource vae) {
        long[] convIn = shape(vae, "encoder.conv_in.weight"); // [ch, in, 3, 3]
        int ch = (int) convIn[0];
        int levels = 0;
        while (vae.contains("encoder.down." + levels + ".block.0.conv1.weight")) {
            levels++;
        }
        if (levels == 0) {
            throw new ModelFormatException(vae.describe() + ": no 'encoder.down.0.block.0.conv1.weight'; this is not"
                    + " an LDM AutoencoderKL (diffusers-layout VAEs must be converted to LDM names first)");
        }
        int numRes = 0;
        while (vae.contains("encoder.down.0.block." + numRes + ".conv1.weight")) {
            numRes++;
        }
        int[] mult = new int[levels];
        for (int i = 0; i < levels; i++) {
            long out = shape(vae, "encoder.down." + i + ".block.0.conv1.weight")[0];
            if (out % ch != 0) {
                throw new ModelFormatException(vae.describe() + ": encoder.down." + i + " has " + out
                        + " channels, not a multiple of the base " + ch);
            }
            mult[i] = (int) (out / ch);
        }
        int z = (int) shape(vae, "encoder.conv_out.weight")[0] / 2;
        int embed = (int) shape(vae, "quant_conv.weight")[0] / 2;
        int out = (int) shape(vae, "decoder.conv_out.weight")[0];
        try {
            return new VaeConfig((int) convIn[1], out, ch, mult, numRes, z, embed);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(vae.describe() + ": " + e.getMessage(), e);
        }
    }

    private static long[] shape(TensorSource src, String key) {
        if (!src.contains(key)) {
            throw new ModelFormatException(src.describe() + ": missing VAE tensor '" + key
                    + "'; expected LDM AutoencoderKL keys (encoder.*, decoder.*, quant_conv.*, post_quant_conv.*)");
        }
        return src.info(key).shape();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VaeConfig c
                && c.inChannels == inChannels
                && c.outChannels == outChannels
                && c.ch == ch
                && Arrays.equals(c.chMult, chMult)
                && c.numResBlocks == numResBlocks
                && c.zChannels == zChannels
                && c.embedDim == embedDim;
    }

    @Override
    public int hashCode() {
        return ((ch * 31 + Arrays.hashCode(chMult)) * 31 + numResBlocks) * 31 + zChannels;
    }

    @Override
    public String toString() {
        return "VaeConfig[in=" + inChannels + ", out=" + outChannels + ", ch=" + ch + ", chMult="
                + Arrays.toString(chMult) + ", numResBlocks=" + numResBlocks + ", z=" + zChannels + ", embed="
                + embedDim + "]";
    }
}
