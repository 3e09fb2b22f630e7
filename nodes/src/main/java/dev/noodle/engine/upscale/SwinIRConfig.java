package dev.noodle.engine.upscale;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hyper-parameters of a SwinIR network (Liang et al. 2021, "SwinIR: Image Restoration Using Swin Transformer"),
 * read from the key names and shapes of a checkpoint as the published files name them
 * ({@code 001_classicalSR_DF2K_s64w8_SwinIR-M_x4.pth}, {@code 002_lightweightSR_DIV2K_s64w8_SwinIR-S_x4.pth},
 * {@code 003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN.pth}, the SwinIR-L real-world files …):
 *
 * <ul>
 *   <li>{@code conv_first} [C, 3, 3, 3] gives the embedding width C;
 *   <li>{@code layers.i.residual_group.blocks.j} the residual Swin Transformer blocks: the number of {@code i} and
 *       of {@code j} per {@code i} give the depths; {@code attn.relative_position_bias_table} [(2M−1)², heads] the
 *       heads of each block group and the window size M; {@code mlp.fc1} [hidden, C] the MLP ratio;
 *   <li>{@code conv_after_body.weight} (one 3×3 conv) or {@code conv_after_body.0/.2/.4} (the "3conv" bottleneck
 *       of the large real-world models) the residual connection, the same in every {@code layers.i.conv};
 *   <li>the reconstruction: {@code conv_before_upsample.0} with {@code conv_up1} is "nearest+conv" (one
 *       {@code conv_upK} per factor 2), without it "pixelshuffle" ({@code upsample.0, .2, …}: [4·F, F] per factor 2,
 *       or one [9·F, F] for ×3); a lone {@code upsample.0} [3·s², C] is "pixelshuffledirect" (lightweight); none of
 *       them, only {@code conv_last} [3, C], the scale-1 restoration models (denoising, JPEG artifacts).
 * </ul>
 *
 * <p>The input is mean-shifted by the DIV2K RGB mean (0.4488, 0.4371, 0.4040) and multiplied by the image range:
 * 1 for every model except the JPEG artifact-removal ones, the only ones with 7×7 windows, trained on 0..255.
 *
 * @param embedDim C, the token width
 * @param depths Swin Transformer layers in each residual group
 * @param heads attention heads in each residual group
 * @param window the attention window side M
 * @param mlpHidden the MLP's hidden width
 * @param threeConv whether the residual connections are the 3conv bottleneck (else one 3×3 conv)
 * @param upsampler the reconstruction module
 * @param scale the upscale factor (1 for restoration models)
 * @param features F, the width of the reconstruction convs (64 in the published files; 0 where there are none)
 * @param maskWindows windows in the {@code attn_mask} buffers the shifted blocks store for the training size, 0
 *     where the file has none (they are recomputed for each input and never read)
 */
public record SwinIRConfig(int embedDim, int[] depths, int[] heads, int window, int mlpHidden, boolean threeConv,
        Upsampler upsampler, int scale, int features, int maskWindows) {

    /** The reconstruction module, as SwinIR's {@code upsampler} argument names it. */
    public enum Upsampler {
        /** Classical SR: conv + LeakyReLU, (conv, PixelShuffle) per factor, conv_last. */
        PIXELSHUFFLE("pixelshuffle"),
        /** Lightweight SR: one conv and one PixelShuffle. */
        PIXELSHUFFLE_DIRECT("pixelshuffledirect"),
        /** Real-world SR: nearest ×2 and conv per factor 2. */
        NEAREST_CONV("nearest+conv"),
        /** Restoration at scale 1: input + conv_last(features). */
        NONE("");

        private final String label;

        Upsampler(String label) {
            this.label = label;
        }

        /** The name SwinIR's code uses. */
        public String label() {
            return label;
        }
    }

    /** The DIV2K RGB mean the input is shifted by. */
    static final float[] RGB_MEAN = {0.4488f, 0.4371f, 0.4040f};

    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\..*");
    private static final Pattern BLOCK = Pattern.compile("layers\\.(\\d+)\\.residual_group\\.blocks\\.(\\d+)\\..*");
    private static final int MAX_INDEX = 4096;

    public SwinIRConfig {
        depths = depths.clone();
        heads = heads.clone();
        if (depths.length == 0 || depths.length != heads.length) {
            throw new IllegalArgumentException("SwinIR needs one depth and one head count per residual group");
        }
        for (int i = 0; i < depths.length; i++) {
            if (depths[i] < 1 || heads[i] < 1 || embedDim % heads[i] != 0) {
                throw new IllegalArgumentException("residual group " + i + ": depth " + depths[i] + ", " + heads[i]
                        + " heads for width " + embedDim);
            }
        }
        if (embedDim < 1 || window < 1 || mlpHidden < 1 || scale < 1 || (threeConv && embedDim < 4)) {
            throw new IllegalArgumentException("bad SwinIR sizes: width " + embedDim + ", window " + window
                    + ", mlp " + mlpHidden + ", scale " + scale);
        }
        if (upsampler == Upsampler.NONE && scale != 1 || upsampler != Upsampler.NONE && scale < 2) {
            throw new IllegalArgumentException("upsampler '" + upsampler.label() + "' with scale " + scale);
        }
        if ((upsampler == Upsampler.PIXELSHUFFLE || upsampler == Upsampler.NEAREST_CONV) && features < 1) {
            throw new IllegalArgumentException("upsampler '" + upsampler.label() + "' needs its feature width");
        }
        if (upsampler == Upsampler.NEAREST_CONV && scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("nearest+conv upsamples by 2, 4 or 8, not " + scale);
        }
        if (upsampler == Upsampler.PIXELSHUFFLE && scale != 3 && Integer.bitCount(scale) != 1) {
            throw new IllegalArgumentException("pixelshuffle upsamples by 2^n or 3, not " + scale);
        }
    }

    @Override
    public int[] depths() {
        return depths.clone();
    }

    @Override
    public int[] heads() {
        return heads.clone();
    }

    /** The MLP ratio, hidden width / C (2 for the published SwinIR-M/S/L files). */
    public double mlpRatio() {
        return (double) mlpHidden / embedDim;
    }

    /** SwinIR's {@code resi_connection}: "1conv" or "3conv". */
    public String resiConnection() {
        return threeConv ? "3conv" : "1conv";
    }

    /** The image range the input is multiplied by: 255 for the JPEG models (window 7), 1 otherwise. */
    public float imgRange() {
        return window == 7 ? 255f : 1f;
    }

    /** Tokens in one window, M². */
    public int windowTokens() {
        return window * window;
    }

    /**
     * Whether {@code keys} look like a SwinIR state dict: the first Swin block's {@code norm1}, without the keys of
     * the architectures built on SwinIR's layout (HAT's {@code conv_block} and {@code relative_position_index_SA},
     * Swin2SR's {@code patch_embed.proj}). A damaged SwinIR file matches too, so that {@link #detect} names what it
     * lacks.
     */
    public static boolean matches(java.util.Set<String> keys) {
        String b = "layers.0.residual_group.blocks.0.";
        return keys.contains(b + "norm1.weight") && !keys.contains("patch_embed.proj.weight")
                && !keys.contains("relative_position_index_SA") && !keys.contains(b + "conv_block.cab.0.weight");
    }

    /**
     * Reads the configuration from the keys and shapes of {@code w} (an unwrapped state dict).
     *
     * @throws ModelFormatException naming the key and {@code w.describe()} when the file is not a SwinIR network
     *     Noodle can run
     */
    public static SwinIRConfig detect(TensorSource w) {
        String file = w.describe();
        if (w.contains("conv_first.1.weight")) {
            throw new ModelFormatException(file + " is a SwinIR variant that pixel-unshuffles its input first"
                    + " (conv_first.1, as DiffBIR's restoration stage); Noodle runs the published SwinIR layouts only.");
        }
        long[] first = shape(w, "conv_first.weight", 4);
        int c = dim(first[0], "conv_first.weight", file);
        if (first[1] != 3) {
            throw new ModelFormatException(file + ": conv_first.weight is " + Arrays.toString(first) + ", a SwinIR for "
                    + first[1] + "-channel images; Noodle upscales RGB images and runs the 3-channel models only.");
        }
        int layers = count(w, LAYER, -1, file);
        if (layers == 0) {
            throw new ModelFormatException(file + " has no layers.0.residual_group.blocks.0 weights; it is not a SwinIR"
                    + " network.");
        }
        int[] depths = new int[layers];
        int[] heads = new int[layers];
        int window = 0;
        for (int i = 0; i < layers; i++) {
            depths[i] = count(w, BLOCK, i, file);
            if (depths[i] == 0) {
                throw new ModelFormatException(file + ": missing tensor 'layers." + i
                        + ".residual_group.blocks.0.norm1.weight' (residual group " + i + " has no Swin blocks).");
            }
            String key = "layers." + i + ".residual_group.blocks.0.attn.relative_position_bias_table";
            long[] table = shape(w, key, 2);
            heads[i] = dim(table[1], key, file);
            int m = windowOf(table[0]);
            if (m < 1) {
                throw new ModelFormatException(file + ": " + key + " is " + Arrays.toString(table) + "; its rows must"
                        + " be (2M-1)² for a window side M.");
            }
            if (i == 0) {
                window = m;
            }
        }
        String fc1 = "layers.0.residual_group.blocks.0.mlp.fc1.weight";
        int hidden = dim(shape(w, fc1, 2)[0], fc1, file);
        boolean three;
        if (w.contains("conv_after_body.weight")) {
            three = false;
        } else if (w.contains("conv_after_body.0.weight")) {
            three = true;
        } else {
            throw new ModelFormatException(file + ": missing tensor 'conv_after_body.weight' (or the 3conv"
                    + " 'conv_after_body.0.weight') of a SwinIR network; the file is damaged or is another kind of"
                    + " model.");
        }
        Upsampler up;
        int scale;
        int feat = 0;
        if (w.contains("conv_before_upsample.0.weight")) {
            feat = dim(shape(w, "conv_before_upsample.0.weight", 4)[0], "conv_before_upsample.0.weight", file);
            if (w.contains("conv_up1.weight")) {
                up = Upsampler.NEAREST_CONV;
                int k = 1;
                while (k < 3 && w.contains("conv_up" + (k + 1) + ".weight")) {
                    k++;
                }
                scale = 1 << k;
            } else {
                up = Upsampler.PIXELSHUFFLE;
                scale = pixelShuffleScale(w, feat, file);
            }
        } else if (w.contains("upsample.0.weight")) {
            up = Upsampler.PIXELSHUFFLE_DIRECT;
            long out = shape(w, "upsample.0.weight", 4)[0];
            int s = (int) Math.round(Math.sqrt(out / 3.0));
            if (s < 2 || 3L * s * s != out) {
                throw new ModelFormatException(file + ": upsample.0.weight has " + out + " output channels; a"
                        + " pixelshuffledirect SwinIR has 3·s² for its scale s.");
            }
            scale = s;
        } else {
            up = Upsampler.NONE;
            scale = 1;
        }
        int maskWindows = 0;
        for (String k : new TreeSet<>(w.keys())) {
            if (k.endsWith(".attn_mask") && BLOCK.matcher(k).matches()) {
                long[] s = shape(w, k, 3);
                maskWindows = dim(s[0], k, file);
                break;
            }
        }
        try {
            return new SwinIRConfig(c, depths, heads, window, hidden, three, up, scale, feat, maskWindows);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + " is not a SwinIR network Noodle can run: " + e.getMessage() + ".");
        }
    }

    // the scale of upsample.0, .2, …: 2 per [4F, F] conv, or a single [9F, F] conv for ×3
    private static int pixelShuffleScale(TensorSource w, int feat, String file) {
        int scale = 1;
        int n = 0;
        for (int i = 0; w.contains("upsample." + i + ".weight"); i += 2) {
            String key = "upsample." + i + ".weight";
            long[] s = shape(w, key, 4);
            if (s[1] != feat || s[0] != 4L * feat && !(s[0] == 9L * feat && i == 0)) {
                throw new ModelFormatException(file + ": " + key + " is " + Arrays.toString(s) + ", expected ["
                        + 4 * feat + ", " + feat + ", 3, 3] (×2) or, alone, [" + 9 * feat + ", " + feat
                        + ", 3, 3] (×3).");
            }
            scale *= s[0] == 4L * feat ? 2 : 3;
            n++;
        }
        if (n == 0) {
            throw new ModelFormatException(file + ": missing tensor 'upsample.0.weight' (the pixelshuffle"
                    + " upsampler after conv_before_upsample).");
        }
        if (scale % 3 == 0 && n > 1) {
            throw new ModelFormatException(file + ": a ×3 pixelshuffle upsampler has one conv, this file has " + n
                    + ".");
        }
        return scale;
    }

    // M from (2M-1)² rows, or 0
    private static int windowOf(long rows) {
        long r = Math.round(Math.sqrt((double) rows));
        if (r * r != rows || r % 2 == 0 || r > 2 * 255) {
            return 0;
        }
        return (int) ((r + 1) / 2);
    }

    private static long[] shape(TensorSource w, String key, int rank) {
        if (!w.contains(key)) {
            throw new ModelFormatException(w.describe() + ": missing tensor '" + key + "' of a SwinIR network; the"
                    + " file is damaged or is another kind of model.");
        }
        long[] s = w.info(key).shape();
        if (s.length != rank) {
            throw new ModelFormatException(w.describe() + ": " + key + " is " + Arrays.toString(s) + ", expected "
                    + rank + " dimensions.");
        }
        return s;
    }

    private static int dim(long d, String key, String file) {
        if (d < 1 || d > 1 << 16) {
            throw new ModelFormatException(file + ": " + key + " has a dimension of " + d + ", out of range.");
        }
        return (int) d;
    }

    // number of distinct indices (max + 1) of group 1 (parent < 0) or of group 2 under group 1 == parent
    private static int count(TensorSource w, Pattern p, int parent, String file) {
        int max = -1;
        java.util.BitSet seen = new java.util.BitSet();
        for (String k : w.keys()) {
            Matcher m = p.matcher(k);
            if (!m.matches()) {
                continue;
            }
            String idx = parent < 0 ? m.group(1) : m.group(2);
            if (parent >= 0 && !m.group(1).equals(Integer.toString(parent))) {
                continue;
            }
            if (idx.length() > 4 || Integer.parseInt(idx) >= MAX_INDEX) {
                throw new ModelFormatException(file + ": key " + k + " has an index out of range.");
            }
            int n = Integer.parseInt(idx);
            seen.set(n);
            max = Math.max(max, n);
        }
        if (seen.cardinality() != max + 1) {
            String what = parent < 0 ? "layers" : "layers." + parent + ".residual_group.blocks";
            throw new ModelFormatException(file + ": missing tensors under '" + what + "." + seen.nextClearBit(0)
                    + "' (indices run to " + max + ").");
        }
        return max + 1;
    }

    /**
     * Every tensor such a network has, name → shape, in the order of the published files (the optional
     * {@code attn_mask} buffers included when {@link #maskWindows()} is not 0).
     */
    public Map<String, long[]> parameterShapes() {
        Map<String, long[]> s = new LinkedHashMap<>();
        long c = embedDim;
        long n = windowTokens();
        long rows = (2L * window - 1) * (2L * window - 1);
        conv(s, "conv_first", 3, c, 3);
        s.put("patch_embed.norm.weight", new long[] {c});
        s.put("patch_embed.norm.bias", new long[] {c});
        for (int i = 0; i < depths.length; i++) {
            for (int j = 0; j < depths[i]; j++) {
                String p = "layers." + i + ".residual_group.blocks." + j + ".";
                if (j % 2 == 1 && maskWindows > 0) {
                    s.put(p + "attn_mask", new long[] {maskWindows, n, n});
                }
                s.put(p + "norm1.weight", new long[] {c});
                s.put(p + "norm1.bias", new long[] {c});
                s.put(p + "attn.relative_position_bias_table", new long[] {rows, heads[i]});
                s.put(p + "attn.relative_position_index", new long[] {n, n});
                linear(s, p + "attn.qkv", c, 3 * c);
                linear(s, p + "attn.proj", c, c);
                s.put(p + "norm2.weight", new long[] {c});
                s.put(p + "norm2.bias", new long[] {c});
                linear(s, p + "mlp.fc1", c, mlpHidden);
                linear(s, p + "mlp.fc2", mlpHidden, c);
            }
            resi(s, "layers." + i + ".conv");
        }
        s.put("norm.weight", new long[] {c});
        s.put("norm.bias", new long[] {c});
        resi(s, "conv_after_body");
        long f = features;
        switch (upsampler) {
            case PIXELSHUFFLE -> {
                conv(s, "conv_before_upsample.0", c, f, 3);
                if (scale == 3) {
                    conv(s, "upsample.0", f, 9 * f, 3);
                } else {
                    for (int k = 0; 1 << k < scale; k++) {
                        conv(s, "upsample." + 2 * k, f, 4 * f, 3);
                    }
                }
                conv(s, "conv_last", f, 3, 3);
            }
            case PIXELSHUFFLE_DIRECT -> conv(s, "upsample.0", c, 3L * scale * scale, 3);
            case NEAREST_CONV -> {
                conv(s, "conv_before_upsample.0", c, f, 3);
                for (int k = 1; 1 << k <= scale; k++) {
                    conv(s, "conv_up" + k, f, f, 3);
                }
                conv(s, "conv_hr", f, f, 3);
                conv(s, "conv_last", f, 3, 3);
            }
            case NONE -> conv(s, "conv_last", c, 3, 3);
        }
        return s;
    }

    private void resi(Map<String, long[]> s, String name) {
        long c = embedDim;
        if (threeConv) {
            conv(s, name + ".0", c, c / 4, 3);
            conv(s, name + ".2", c / 4, c / 4, 1);
            conv(s, name + ".4", c / 4, c, 3);
        } else {
            conv(s, name, c, c, 3);
        }
    }

    private static void conv(Map<String, long[]> s, String name, long in, long out, long k) {
        s.put(name + ".weight", new long[] {out, in, k, k});
        s.put(name + ".bias", new long[] {out});
    }

    private static void linear(Map<String, long[]> s, String name, long in, long out) {
        s.put(name + ".weight", new long[] {out, in});
        s.put(name + ".bias", new long[] {out});
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SwinIRConfig x && x.embedDim == embedDim && Arrays.equals(x.depths, depths)
                && Arrays.equals(x.heads, heads) && x.window == window && x.mlpHidden == mlpHidden
                && x.threeConv == threeConv && x.upsampler == upsampler && x.scale == scale
                && x.features == features && x.maskWindows == maskWindows;
    }

    @Override
    public int hashCode() {
        return ((embedDim * 31 + Arrays.hashCode(depths)) * 31 + Arrays.hashCode(heads)) * 31 + window * 7 + scale;
    }

    @Override
    public String toString() {
        return "SwinIR(dim " + embedDim + ", depths " + Arrays.toString(depths) + ", heads " + Arrays.toString(heads)
                + ", window " + window + ", mlp " + mlpHidden + ", " + resiConnection() + ", upsampler '"
                + upsampler.label() + "' x" + scale + (features > 0 ? ", features " + features : "") + ")";
    }
}
