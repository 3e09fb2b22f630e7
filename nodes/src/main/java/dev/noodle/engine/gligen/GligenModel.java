package dev.noodle.engine.gligen;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.unet.TransformerSlot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GLIGEN text-box model (Li et al. 2023, "GLIGEN: Open-Set Grounded Text-to-Image Generation"), as the files
 * ComfyUI's {@code GLIGENLoader} reads ({@code gligen_sd14_textbox_pruned.safetensors}): a position net that turns
 * up to {@value #MAX_OBJECTS} (phrase embedding, box) pairs into grounding tokens, and one gated self-attention
 * "fuser" per SpatialTransformer of the UNet, run after each block's self-attention.
 *
 * <p>Position net ({@code position_net.*}): boxes (x1, y1, x2, y2) → Fourier features sin/cos(f·b) for
 * f = 100^(k/8), k = 0..7 ({@value #POSITION_DIM} values); padding slots take the learned
 * {@code null_positive_feature} / {@code null_position_feature}; then Linear(text+64 → 512), SiLU,
 * Linear(512 → 512), SiLU, Linear(512 → tokens) ({@code linears.0/2/4}).
 *
 * <p>Fuser ({@code <block>.fuser.*}, GatedSelfAttentionDense): with o = linear(tokens),
 * x += tanh(alpha_attn)·attn(norm1([x ‖ o]))[:, :N]; x += tanh(alpha_dense)·ff(norm2(x)), where attn is multi-head
 * self-attention (to_q/k/v without bias, to_out.0) and ff is GEGLU (ff.net.0.proj, ff.net.2). Heads as ComfyUI's
 * {@code load_gligen}: 8 when the token width is 768 (SD 1.x), else 64-wide heads. The i-th fuser in file order
 * (input blocks, middle, output blocks, by block number) serves the i-th SpatialTransformer the UNet runs.
 *
 * <p>Weights are float32 in this object's manager on the engine's device; close to free them. Thread-safe.
 */
public final class GligenModel implements AutoCloseable {
    /** Most boxes one conditioning carries (ComfyUI's {@code max_objs}). */
    public static final int MAX_OBJECTS = 30;
    /** Fourier frequencies per box coordinate. */
    public static final int FOURIER_FREQS = 8;
    /** Width of a box's Fourier embedding: frequencies × (sin, cos) × 4 coordinates. */
    public static final int POSITION_DIM = FOURIER_FREQS * 2 * 4;
    /** Width of the position net's hidden layers. */
    public static final int HIDDEN = 512;
    /** Fourier temperature: frequencies are {@code TEMPERATURE^(k / FOURIER_FREQS)}. */
    static final double TEMPERATURE = 100;
    /** The token width of SD 1.x files, for which ComfyUI uses 8 heads. */
    static final int SD1_TOKEN_DIM = 768;
    static final float LAYER_NORM_EPS = 1e-5f;

    /** Position-net key prefix. */
    public static final String POSITION_NET = "position_net.";
    private static final String FUSER = ".fuser.";
    private static final Pattern BLOCK = Pattern.compile("(?:^|\\.)(input_blocks|middle_block|output_blocks)\\.(\\d+)\\.");
    private static final List<String> KINDS = List.of("input_blocks", "middle_block", "output_blocks");

    /**
     * One gated self-attention block.
     *
     * @param prefix key prefix in the file, ending in {@code .fuser.}
     * @param channels width of the hidden states it sees
     * @param heads attention heads
     */
    public record Fuser(String prefix, int channels, int heads) {}

    private final String source;
    private final int textDim;
    private final int tokenDim;
    private final List<Fuser> fusers;
    private final Map<String, NDArray> weights;
    private final float[] nullPositive;
    private final float[] nullPosition;
    private final float[] gateAttn;
    private final float[] gateDense;
    private final NDManager owner;
    private final long bytes;

    private GligenModel(String source, int textDim, int tokenDim, List<Fuser> fusers, Map<String, NDArray> weights,
            float[] nullPositive, float[] nullPosition, float[] gateAttn, float[] gateDense, NDManager owner,
            long bytes) {
        this.source = source;
        this.textDim = textDim;
        this.tokenDim = tokenDim;
        this.fusers = List.copyOf(fusers);
        this.weights = weights;
        this.nullPositive = nullPositive;
        this.nullPosition = nullPosition;
        this.gateAttn = gateAttn;
        this.gateDense = gateDense;
        this.owner = owner;
        this.bytes = bytes;
    }

    /**
     * Every parameter of a GLIGEN text-box file (name → shape), position net first, then the fusers in order.
     *
     * @param textDim width of the phrase embeddings (CLIP-L's 768)
     * @param tokenDim width of the grounding tokens (768 in the SD 1.x files)
     * @param fusers each fuser's key prefix (ending in {@code .fuser.}) and width
     */
    public static Map<String, long[]> parameterShapes(int textDim, int tokenDim, List<Fuser> fusers) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(POSITION_NET + "null_positive_feature", new long[] {textDim});
        s.put(POSITION_NET + "null_position_feature", new long[] {POSITION_DIM});
        linear(s, POSITION_NET + "linears.0", textDim + POSITION_DIM, HIDDEN, true);
        linear(s, POSITION_NET + "linears.2", HIDDEN, HIDDEN, true);
        linear(s, POSITION_NET + "linears.4", HIDDEN, tokenDim, true);
        for (Fuser f : fusers) {
            String p = f.prefix();
            int c = f.channels();
            s.put(p + "alpha_attn", new long[] {});
            s.put(p + "alpha_dense", new long[] {});
            linear(s, p + "linear", tokenDim, c, true);
            for (String q : List.of("to_q", "to_k", "to_v")) {
                linear(s, p + "attn." + q, c, c, false);
            }
            linear(s, p + "attn.to_out.0", c, c, true);
            linear(s, p + "ff.net.0.proj", c, 8 * c, true);
            linear(s, p + "ff.net.2", 4 * c, c, true);
            for (String n : List.of("norm1", "norm2")) {
                s.put(p + n + ".weight", new long[] {c});
                s.put(p + n + ".bias", new long[] {c});
            }
        }
        return s;
    }

    private static void linear(Map<String, long[]> s, String key, int in, int out, boolean bias) {
        s.put(key + ".weight", new long[] {out, in});
        if (bias) {
            s.put(key + ".bias", new long[] {out});
        }
    }

    /** The fusers a GLIGEN file for a UNet with these SpatialTransformers holds (one per transformer, depth 0). */
    public static List<Fuser> fusersFor(List<TransformerSlot> slots, int tokenDim) {
        List<Fuser> out = new ArrayList<>();
        for (TransformerSlot t : slots) {
            out.add(new Fuser(t.path() + ".transformer_blocks.0" + FUSER, t.channels(), heads(t.channels(),
                    tokenDim)));
        }
        return out;
    }

    // ComfyUI load_gligen: 8 heads for 768-wide tokens (SD 1.x), else 64-wide heads
    static int heads(int channels, int tokenDim) {
        return tokenDim == SD1_TOKEN_DIM ? 8 : channels / 64;
    }

    /**
     * Binds a GLIGEN file strictly: the position net, and fusers found under
     * {@code input_blocks.N…}/{@code middle_block.N…}/{@code output_blocks.N…} paths; every key must be one of
     * them with the shape the file's widths imply.
     *
     * @param device where the weights go (float32)
     * @throws ModelFormatException naming the file and every missing, misshapen or unexpected key
     */
    public static GligenModel load(TensorSource src, Device device) {
        String where = src.describe();
        String npf = POSITION_NET + "null_positive_feature";
        String out4 = POSITION_NET + "linears.4.weight";
        if (!src.contains(npf) || !src.contains(out4)) {
            throw new ModelFormatException(where + " is not a GLIGEN model: it has no " + (src.contains(npf) ? out4
                    : npf) + ". GLIGENLoader reads GLIGEN text-box files such as"
                    + " gligen_sd14_textbox_pruned.safetensors.");
        }
        long[] np = src.info(npf).shape();
        long[] o4 = src.info(out4).shape();
        if (np.length != 1 || o4.length != 2) {
            throw new ModelFormatException(where + ": " + npf + " must be a vector and " + out4 + " a matrix, found "
                    + java.util.Arrays.toString(np) + " and " + java.util.Arrays.toString(o4));
        }
        int textDim = Math.toIntExact(np[0]);
        int tokenDim = Math.toIntExact(o4[0]);
        List<Fuser> fusers = findFusers(src, where, tokenDim);
        if (fusers.isEmpty()) {
            throw new ModelFormatException(where + " has a GLIGEN position net but no fuser blocks (keys with"
                    + " '.fuser.'); the file is incomplete.");
        }
        WeightLayout.of("GLIGEN", parameterShapes(textDim, tokenDim, fusers))
                .withDetail(fusers.size() + " fusers, " + textDim + "-wide phrases, " + tokenDim + "-wide tokens")
                .withAdvice("Use a GLIGEN text-box file (gligen_sd14_textbox_pruned.safetensors) as ComfyUI's"
                        + " GLIGENLoader reads it.")
                .check(src);
        NDManager owner = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> w = new HashMap<>();
            long bytes = 0;
            float[] gateAttn = new float[fusers.size()];
            float[] gateDense = new float[fusers.size()];
            for (String k : src.keys()) {
                if (k.endsWith("alpha_attn") || k.endsWith("alpha_dense") || k.endsWith("null_positive_feature")
                        || k.endsWith("null_position_feature")) {
                    continue;
                }
                NDArray a = src.load(k, owner, DataType.FLOAT32);
                bytes += a.size() * 4;
                w.put(k, a);
            }
            for (int i = 0; i < fusers.size(); i++) {
                gateAttn[i] = (float) Math.tanh(finite(src, fusers.get(i).prefix() + "alpha_attn"));
                gateDense[i] = (float) Math.tanh(finite(src, fusers.get(i).prefix() + "alpha_dense"));
            }
            return new GligenModel(where, textDim, tokenDim, fusers, w, src.loadFloats(npf),
                    src.loadFloats(POSITION_NET + "null_position_feature"), gateAttn, gateDense, owner, bytes);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static float finite(TensorSource src, String key) {
        float v = src.loadFloats(key)[0];
        if (!Float.isFinite(v)) {
            throw new ModelFormatException(src.describe() + ": " + key + " is " + v + "; the file is damaged.");
        }
        return v;
    }

    // Fusers grouped by the key part before ".fuser.", ordered as ComfyUI's load_gligen walks them: input blocks,
    // middle block, output blocks, each by block number.
    private static List<Fuser> findFusers(TensorSource src, String where, int tokenDim) {
        TreeMap<Long, String> byOrder = new TreeMap<>();
        for (String k : src.keys()) {
            int i = k.indexOf(FUSER);
            if (i < 0) {
                continue;
            }
            String prefix = k.substring(0, i + FUSER.length());
            Matcher m = BLOCK.matcher(prefix);
            if (!m.find()) {
                throw new ModelFormatException(where + ": " + k + " is a fuser key outside input_blocks, middle_block"
                        + " and output_blocks; this is not a GLIGEN file ComfyUI can load.");
            }
            long order = KINDS.indexOf(m.group(1)) * 1_000_000L + Long.parseLong(m.group(2));
            String before = byOrder.putIfAbsent(order, prefix);
            if (before != null && !before.equals(prefix)) {
                throw new ModelFormatException(where + ": two fusers in one UNet block (" + before + " and " + prefix
                        + "); a GLIGEN file has one per SpatialTransformer.");
            }
        }
        List<Fuser> out = new ArrayList<>();
        for (String prefix : byOrder.values()) {
            String lw = prefix + "linear.weight";
            if (!src.contains(lw)) {
                throw new ModelFormatException(where + ": the GLIGEN fuser " + prefix + " has no " + lw
                        + "; the file is incomplete.");
            }
            long[] s = src.info(lw).shape();
            if (s.length != 2 || s[0] <= 0) {
                throw new ModelFormatException(where + ": " + lw + " must be a [channels, " + tokenDim
                        + "] matrix, found " + java.util.Arrays.toString(s));
            }
            int c = Math.toIntExact(s[0]);
            int heads = heads(c, tokenDim);
            if (heads <= 0 || c % heads != 0 || (tokenDim != SD1_TOKEN_DIM && c % 64 != 0)) {
                throw new ModelFormatException(where + ": the fuser " + prefix + " is " + c + " wide, which "
                        + (tokenDim == SD1_TOKEN_DIM ? "8 heads do not divide" : "is not a multiple of 64-wide heads"));
            }
            out.add(new Fuser(prefix, c, heads));
        }
        return out;
    }

    /** The file it was read from. */
    public String source() {
        return source;
    }

    /** Width of the phrase embeddings it takes (the CLIP's pooled width). */
    public int textDim() {
        return textDim;
    }

    /** Width of its grounding tokens. */
    public int tokenDim() {
        return tokenDim;
    }

    /** Its fusers, in the order of the UNet's SpatialTransformers. */
    public List<Fuser> fusers() {
        return fusers;
    }

    /** Native bytes of its weights. */
    public long sizeBytes() {
        return bytes;
    }

    /**
     * Checks that this GLIGEN fits a UNet with these SpatialTransformers: one fuser each, of the same width.
     *
     * @param model the UNet's name for the message (e.g. its family)
     * @throws IllegalArgumentException naming both layouts
     */
    public void checkFits(List<TransformerSlot> slots, String model) {
        boolean ok = slots.size() == fusers.size();
        for (int i = 0; ok && i < slots.size(); i++) {
            ok = slots.get(i).channels() == fusers.get(i).channels();
        }
        if (!ok) {
            throw new IllegalArgumentException("the GLIGEN model " + source + " has " + fusers.size()
                    + " fusers of widths " + widths(fusers.stream().map(Fuser::channels).toList()) + " but the "
                    + model + " UNet has " + slots.size() + " transformers of widths "
                    + widths(slots.stream().map(TransformerSlot::channels).toList())
                    + "; GLIGEN text-box files are made for SD 1.x models (use one with an SD 1.x checkpoint)");
        }
    }

    private static String widths(List<Integer> w) {
        Map<Integer, Integer> counts = new LinkedHashMap<>();
        w.forEach(c -> counts.merge(c, 1, Integer::sum));
        StringBuilder b = new StringBuilder();
        counts.forEach((c, n) -> b.append(b.isEmpty() ? "" : ", ").append(n).append("×").append(c));
        return b.isEmpty() ? "(none)" : b.toString();
    }

    /**
     * The position net's grounding tokens for these phrases on an h×w latent (ComfyUI {@code Gligen.set_position}
     * and {@code PositionNet.forward}): [1, {@value #MAX_OBJECTS}, tokenDim] in {@code scope}; slots past the
     * phrases hold the null features.
     *
     * @throws IllegalArgumentException for more than {@value #MAX_OBJECTS} phrases or a phrase of another width
     */
    public NDArray groundingTokens(List<GroundedPhrase> phrases, long latentHeight, long latentWidth,
            NDManager scope) {
        if (phrases.size() > MAX_OBJECTS) {
            throw new IllegalArgumentException("GLIGEN takes at most " + MAX_OBJECTS + " boxes per conditioning, got "
                    + phrases.size());
        }
        int width = textDim + POSITION_DIM;
        float[] in = new float[MAX_OBJECTS * width];
        for (int i = 0; i < MAX_OBJECTS; i++) {
            int at = i * width;
            if (i < phrases.size()) {
                GroundedPhrase p = phrases.get(i);
                if (p.embedding().length != textDim) {
                    throw new IllegalArgumentException("the GLIGEN model " + source + " takes " + textDim
                            + "-wide phrase embeddings, got " + p.embedding().length);
                }
                System.arraycopy(p.embedding(), 0, in, at, textDim);
                fourier(p.box(latentHeight, latentWidth), in, at + textDim);
            } else {
                System.arraycopy(nullPositive, 0, in, at, textDim);
                System.arraycopy(nullPosition, 0, in, at + textDim, POSITION_DIM);
            }
        }
        return Scopes.keep(scope, m -> {
            NDArray x = m.create(in, new Shape(1, MAX_OBJECTS, width)).toDevice(owner.getDevice(), false);
            x = Activation.swish(linear(x, POSITION_NET + "linears.0"), 1f);
            x = Activation.swish(linear(x, POSITION_NET + "linears.2"), 1f);
            return linear(x, POSITION_NET + "linears.4"); // [1, 30, tokenDim]
        });
    }

    /**
     * The Fourier embedding of a box (FourierEmbedder, 8 frequencies, temperature 100): for each frequency f, the
     * sines of f·(x1, y1, x2, y2), then their cosines, computed in float32 as torch does.
     */
    static void fourier(float[] box, float[] out, int at) {
        int o = at;
        for (int k = 0; k < FOURIER_FREQS; k++) {
            float f = (float) Math.pow(TEMPERATURE, (float) k / FOURIER_FREQS);
            for (float b : box) {
                out[o++] = (float) Math.sin(f * b);
            }
            for (float b : box) {
                out[o++] = (float) Math.cos(f * b);
            }
        }
    }

    /**
     * One fuser on hidden states after a block's self-attention (GatedSelfAttentionDense.forward).
     *
     * @param index which fuser (the SpatialTransformer's index in the UNet's order)
     * @param x hidden states [B, N, C]
     * @param tokens grounding tokens [1, 30, tokenDim] from {@link #groundingTokens}
     * @param mode the attention implementation of the pass
     * @return [B, N, C] in x's manager and type
     */
    public NDArray fuse(int index, NDArray x, NDArray tokens, Attention.Mode mode) {
        Fuser f = fusers.get(index);
        String p = f.prefix();
        return Scopes.scoped(() -> {
            DataType type = x.getDataType();
            NDArray h = x.toType(DataType.FLOAT32, false); // [B, N, C]
            long b = h.getShape().get(0);
            long n = h.getShape().get(1);
            NDArray objs = linear(tokens.toDevice(h.getDevice(), false).toType(DataType.FLOAT32, false),
                    p + "linear"); // [1, 30, C]
            if (b > 1) {
                objs = objs.repeat(0, b);
            }
            NDArray cat = layerNorm(h.concat(objs, 1), p + "norm1"); // [B, N + 30, C]
            NDArray q = linear(cat, p + "attn.to_q");
            NDArray k = linear(cat, p + "attn.to_k");
            NDArray v = linear(cat, p + "attn.to_v");
            NDArray a = linear(Attention.multiHead(q, k, v, f.heads(), mode), p + "attn.to_out.0");
            h = h.add(a.get(new NDIndex(":, 0:" + n + ", :")).mul(gateAttn[index]));
            NDArray ff = linear(TorchOps.geglu(linear(layerNorm(h, p + "norm2"), p + "ff.net.0.proj")),
                    p + "ff.net.2");
            h = h.add(ff.mul(gateDense[index]));
            return h.toType(type, false);
        });
    }

    private NDArray linear(NDArray x, String key) {
        NDArray wt = weights.get(key + ".weight").toDevice(x.getDevice(), false);
        NDArray bias = weights.get(key + ".bias");
        return bias == null ? Linear.linear(x, wt).singletonOrThrow()
                : Linear.linear(x, wt, bias.toDevice(x.getDevice(), false)).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String key) {
        NDArray g = weights.get(key + ".weight").toDevice(x.getDevice(), false);
        return LayerNorm.layerNorm(x, g.getShape(), g, weights.get(key + ".bias").toDevice(x.getDevice(), false),
                LAYER_NORM_EPS).singletonOrThrow();
    }

    @Override
    public void close() {
        owner.close();
    }
}
