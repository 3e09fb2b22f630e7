package dev.noodle.engine.upscale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.io.ExpectedTensors;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.runtime.TorchOps;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded SwinIR network (Liang et al. 2021, "SwinIR: Image Restoration Using Swin Transformer"), the classical,
 * lightweight, real-world and restoration models as their checkpoints are published; {@link SwinIRConfig} reads
 * the hyper-parameters from the keys.
 *
 * <p>Forward: the input is padded (reflected at the bottom and right) to a multiple of the window size M, shifted
 * by the DIV2K mean and scaled by the image range; {@code conv_first} gives the shallow features; the deep features
 * are K residual Swin Transformer blocks (each: Swin layers then a conv, plus its input) under LayerNorms and
 * {@code conv_after_body}, plus the shallow features; the reconstruction module upsamples; the mean is added back
 * and the result cropped to scale × the input size. A Swin layer is {@code x + W-MSA(LN(x))} then
 * {@code x + MLP(LN(x))}: multi-head self-attention inside M×M windows with a learnt relative position bias, every
 * second layer on windows shifted by ⌊M/2⌋ (a cyclic roll up-left, with the mask that keeps wrapped-around pixels
 * apart computed for the actual padded size, then rolled back).
 *
 * <p>Weights are float32 arrays owned by this object (the relative position biases expanded once at load); the
 * forward pass only reads them, so one network serves concurrent calls. Every intermediate array is freed before
 * {@link #forward} returns.
 */
public final class SwinIR implements UpscaleNet {
    /** Mask added to attention scores between pixels of a shifted window that wrapped differently. */
    private static final float MASKED = -100f;
    /** Most attention-score elements computed at once (window chunks bound the memory of large tiles). */
    static final long SCORE_CHUNK = 16L << 20;

    private final SwinIRConfig config;
    private final String source;
    private final NDManager owner;
    private final Map<String, NDArray> weights;
    /** [layer][block] relative position bias [heads, M², M²]. */
    private final NDArray[][] bias;
    private final long bytes;
    /** Most attention-score elements per window chunk ({@link #SCORE_CHUNK}; smaller in tests). */
    volatile long scoreChunk = SCORE_CHUNK;

    private SwinIR(SwinIRConfig config, String source, NDManager owner, Map<String, NDArray> weights,
            NDArray[][] bias, long bytes) {
        this.config = config;
        this.source = source;
        this.owner = owner;
        this.weights = weights;
        this.bias = bias;
        this.bytes = bytes;
    }

    /** Whether {@code keys} (an unwrapped state dict's) are a SwinIR network's. */
    public static boolean matches(Set<String> keys) {
        return SwinIRConfig.matches(keys);
    }

    /**
     * The state dict inside a checkpoint saved under {@code params_ema}, {@code params} or another common wrapper,
     * or with {@code module.} prefixes; {@code source} itself when already unwrapped ({@link StateDicts#unwrap}).
     */
    public static TensorSource unwrap(TensorSource source) {
        return StateDicts.unwrap(source);
    }

    /**
     * Detects the configuration of {@code source} (an unwrapped state dict, see {@link #unwrap}) and binds every
     * weight strictly, on a new CPU manager.
     *
     * @throws ModelFormatException naming the file and each missing, misshapen or unexpected key
     */
    public static SwinIR load(TensorSource source) {
        return load(source, (NDManager) null);
    }

    /** As {@link #load(TensorSource)}, the weights (float32) on {@code device}. */
    public static SwinIR load(TensorSource source, ai.djl.Device device) {
        return bind(source, NDManager.newBaseManager(device));
    }

    /**
     * As {@link #load(TensorSource)}, the weights' manager made under {@code parent} (or a new CPU manager when
     * null).
     */
    public static SwinIR load(TensorSource source, NDManager parent) {
        return bind(source, parent == null ? NDManager.newBaseManager(ai.djl.Device.cpu()) : parent.newSubManager());
    }

    // detects, checks and loads into owner, which the network then owns (closed here on failure)
    private static SwinIR bind(TensorSource source, NDManager owner) {
        try {
            SwinIRConfig config = SwinIRConfig.detect(source);
            Map<String, long[]> expected = config.parameterShapes();
            check(config, expected, source);
            NDArray[][] bias = new NDArray[config.depths().length][];
            Map<String, NDArray> loaded = new HashMap<>();
            long bytes = 0;
            for (String k : expected.keySet()) {
                if (k.endsWith(".attn_mask") || k.contains(".attn.relative_position_")) {
                    continue;
                }
                NDArray a = source.load(k, owner, DataType.FLOAT32);
                loaded.put(k, a);
                bytes += a.size() * Float.BYTES;
            }
            int[] depths = config.depths();
            int[] heads = config.heads();
            for (int i = 0; i < depths.length; i++) {
                bias[i] = new NDArray[depths[i]];
                for (int j = 0; j < depths[i]; j++) {
                    String p = "layers." + i + ".residual_group.blocks." + j + ".attn.";
                    bias[i][j] = owner.create(positionBias(source, p, heads[i], config.window()),
                            new Shape(heads[i], config.windowTokens(), config.windowTokens()));
                    bytes += bias[i][j].size() * Float.BYTES;
                }
            }
            return new SwinIR(config, source.describe(), owner, Collections.unmodifiableMap(loaded), bias, bytes);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    // bias[h][p][q] = table[index[p][q]][h], the index checked against the table's rows
    private static float[] positionBias(TensorSource w, String p, int heads, int window) {
        float[] table = w.loadFloats(p + "relative_position_bias_table");
        float[] index = w.loadFloats(p + "relative_position_index");
        int n = window * window;
        int rows = (2 * window - 1) * (2 * window - 1);
        float[] out = new float[heads * n * n];
        for (int pq = 0; pq < n * n; pq++) {
            float r = index[pq];
            if (!(r >= 0 && r < rows && r == Math.rint(r))) {
                throw new ModelFormatException(w.describe() + ": " + p + "relative_position_index holds " + r
                        + " at " + pq + ", outside the " + rows + " rows of the bias table. The file is damaged.");
            }
            int row = (int) r;
            for (int h = 0; h < heads; h++) {
                out[h * n * n + pq] = table[row * heads + h];
            }
        }
        return out;
    }

    private static void check(SwinIRConfig config, Map<String, long[]> expected, TensorSource w) {
        List<String> problems = ExpectedTensors.problems(w, expected);
        if (!problems.isEmpty()) {
            throw new ModelFormatException(w.describe() + " does not fit the SwinIR its keys describe (" + config
                    + ", " + expected.size() + " tensors): " + ExpectedTensors.listed(problems)
                    + ". The file is damaged or is another kind of model.");
        }
    }

    /** The configuration read from the file. */
    public SwinIRConfig config() {
        return config;
    }

    @Override
    public String architecture() {
        return "SwinIR";
    }

    @Override
    public int scale() {
        return config.scale();
    }

    @Override
    public int sizeMultiple() {
        return config.window();
    }

    @Override
    public long sizeBytes() {
        return bytes;
    }

    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return config + " from " + source;
    }

    /**
     * Upscales {@code image} [B, 3, H, W] (RGB 0..1) to [B, 3, H·s, W·s]; any H, W ≥ 1 (padded internally to the
     * window size, reflected, as SwinIR's {@code check_image_size} does, and cropped back).
     */
    @Override
    public NDArray forward(NDArray image, NDManager manager) {
        Shape s = image.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(0) < 1 || s.get(2) < 1 || s.get(3) < 1) {
            throw new IllegalArgumentException("the SwinIR " + source + " takes an RGB image [B, 3, H, W], got " + s);
        }
        long h = s.get(2);
        long w = s.get(3);
        int m = config.window();
        long hp = (h + m - 1) / m * m;
        long wp = (w + m - 1) / m * m;
        return Scopes.keep(manager, run -> {
            NDArray x = image.toDevice(owner.getDevice(), true);
            x.attach(run);
            x = x.toType(DataType.FLOAT32, false);
            x = padReflect(x, hp - h, wp - w);
            NDArray mean = run.create(SwinIRConfig.RGB_MEAN, new Shape(1, 3, 1, 1)).toDevice(x.getDevice(), false);
            float range = config.imgRange();
            NDArray input = x.sub(mean).mul(range);
            NDArray shallow = conv(input, "conv_first");
            NDArray deep = deepFeatures(shallow, hp, wp, run);
            NDArray y = reconstruct(deep, input);
            deep.close();
            return Scopes.scoped(() -> {
                NDArray out = y.div(range).add(mean);
                long oh = h * config.scale();
                long ow = w * config.scale();
                return hp == h && wp == w ? out : out.get(":, :, 0:" + oh + ", 0:" + ow).duplicate();
            });
        });
    }

    // shallow [B, C, Hp, Wp] -> conv_after_body(norm(RSTBs(tokens))) + shallow
    private NDArray deepFeatures(NDArray shallow, long hp, long wp, NDManager run) {
        NDArray labels = config.window() > 1
                ? shiftLabels(hp, wp, config.window(), run).toDevice(shallow.getDevice(), false) : null;
        NDArray tok = Scopes.scoped(() -> layerNorm(tokens(shallow), "patch_embed.norm"));
        int[] depths = config.depths();
        for (int i = 0; i < depths.length; i++) {
            NDArray next = residualGroup(tok, i, depths[i], hp, wp, labels);
            tok.close();
            tok = next;
        }
        NDArray t = tok;
        NDArray out = Scopes.scoped(
                () -> resi(image(layerNorm(t, "norm"), hp, wp), "conv_after_body").add(shallow));
        tok.close();
        return out;
    }

    // one RSTB: Swin layers, then the conv on the image, plus the group's input
    private NDArray residualGroup(NDArray tok, int i, int depth, long hp, long wp, NDArray labels) {
        NDArray u = tok;
        for (int j = 0; j < depth; j++) {
            NDArray in = u;
            int block = j;
            NDArray next = Scopes.scoped(() -> swinLayer(in, i, block, hp, wp, labels));
            if (u != tok) {
                u.close();
            }
            u = next;
        }
        NDArray body = u;
        NDArray out = Scopes.scoped(() -> tokens(resi(image(body, hp, wp), "layers." + i + ".conv")).add(tok));
        if (u != tok) {
            u.close();
        }
        return out;
    }

    // x + W-MSA(LN1(x)); then + MLP(LN2(x)). Each step runs in its own scope (its temporaries and views die with
    // it) and its input is closed once used: a 512² tile of SwinIR-M has 189 MB per token-wide array.
    private NDArray swinLayer(NDArray tok, int i, int j, long hp, long wp, NDArray labels) {
        String p = "layers." + i + ".residual_group.blocks." + j + ".";
        long b = tok.getShape().get(0);
        long c = config.embedDim();
        NDArray n1 = Scopes.scoped(() -> layerNorm(tok, p + "norm1").reshape(b, hp, wp, c));
        NDArray a = windowAttention(n1, i, j, p, labels);
        n1.close();
        NDArray x = Scopes.scoped(() -> tok.add(a.reshape(b, hp * wp, c)));
        a.close();
        NDArray h = Scopes.scoped(() -> Activation.gelu(linear(layerNorm(x, p + "norm2"), p + "mlp.fc1")));
        NDArray f = Scopes.scoped(() -> linear(h, p + "mlp.fc2"));
        h.close();
        x.addi(f);
        f.close();
        return x;
    }

    // [B, Hp, Wp, C] -> [B, Hp, Wp, C], a new array (img is left to the caller)
    private NDArray windowAttention(NDArray img, int i, int j, String p, NDArray labels) {
        Shape s = img.getShape();
        long b = s.get(0);
        long hp = s.get(1);
        long wp = s.get(2);
        long c = s.get(3);
        int m = config.window();
        int shift = j % 2 == 1 ? m / 2 : 0;
        int heads = config.heads()[i];
        long hd = c / heads;
        long n = (long) m * m;
        long nw = (hp / m) * (wp / m);
        NDArray x = shift > 0 ? Scopes.scoped(() -> roll(img, -shift)) : img;
        NDArray win = Scopes.scoped(
                () -> x.reshape(b, hp / m, m, wp / m, m, c).transpose(0, 1, 3, 2, 4, 5).reshape(b, nw, n, c));
        if (x != img) {
            x.close();
        }
        // [3, B, nW, heads, N, hd]: q, k, v
        NDArray qkv = Scopes.scoped(() -> linear(win, p + "attn.qkv").reshape(b, nw, n, 3, heads, hd)
                .transpose(3, 0, 1, 4, 2, 5));
        win.close();
        NDArray rel = bias[i][j]; // [heads, N, N]
        long chunk = Math.max(1, Math.min(nw, scoreChunk / (b * heads * n * n)));
        NDList parts = new NDList();
        for (long w0 = 0; w0 < nw; w0 += chunk) {
            long from = w0;
            long to = Math.min(nw, w0 + chunk);
            parts.add(Scopes.scoped(() -> {
                String sel = ":, " + from + ":" + to;
                NDArray mask = rel;
                if (shift > 0) {
                    NDArray lab = labels.get(from + ":" + to); // [cw, N]
                    mask = lab.expandDims(2).neq(lab.expandDims(1)).toType(DataType.FLOAT32, false).mul(MASKED)
                            .expandDims(1).add(rel); // [cw, heads, N, N]
                }
                return TorchOps.sdpa(qkv.get(0).get(sel), qkv.get(1).get(sel), qkv.get(2).get(sel), mask);
            }));
        }
        qkv.close();
        NDArray out = Scopes.scoped(() -> {
            NDArray o = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 1); // [B, nW, heads, N, hd]
            NDArray proj = linear(o.transpose(0, 1, 3, 2, 4).reshape(b, nw, n, c), p + "attn.proj");
            return proj.reshape(b, hp / m, wp / m, m, m, c).transpose(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, c);
        });
        parts.close();
        if (shift == 0) {
            return out;
        }
        NDArray rolled = Scopes.scoped(() -> roll(out, shift));
        out.close();
        return rolled;
    }

    /**
     * The region of each pixel of each window in the image rolled by s = ⌊M/2⌋, [nW, M²] (windows row-major, pixels
     * row-major inside a window): rows {@code [0, Hp−M)}, {@code [Hp−M, Hp−s)}, {@code [Hp−s, Hp)} and likewise
     * columns make nine regions; pixels of different regions came from parts of the image that are not adjacent.
     */
    static NDArray shiftLabels(long hp, long wp, int m, NDManager manager) {
        int s = m / 2;
        long rows = hp / m;
        long cols = wp / m;
        float[] v = new float[Math.toIntExact(hp * wp)];
        int at = 0;
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                for (int y = 0; y < m; y++) {
                    for (int x = 0; x < m; x++) {
                        v[at++] = 3 * region(r * m + y, hp, m, s) + region(c * m + x, wp, m, s);
                    }
                }
            }
        }
        return manager.create(v, new Shape(rows * cols, (long) m * m));
    }

    private static int region(long i, long len, int m, int s) {
        return i < len - m ? 0 : i < len - s ? 1 : 2;
    }

    // the reconstruction module; each step's input is closed once the step is done (except deep and input)
    private NDArray reconstruct(NDArray deep, NDArray input) {
        int scale = config.scale();
        switch (config.upsampler()) {
            case PIXELSHUFFLE -> {
                NDArray y = Scopes.scoped(() -> UpscaleOps.leakyRelu(conv(deep, "conv_before_upsample.0"), 0.01f));
                if (scale == 3) {
                    y = then(y, t -> UpscaleOps.pixelShuffle(conv(t, "upsample.0"), 3));
                } else {
                    for (int k = 0; 1 << k < scale; k++) {
                        String name = "upsample." + 2 * k;
                        y = then(y, t -> UpscaleOps.pixelShuffle(conv(t, name), 2));
                    }
                }
                return then(y, t -> conv(t, "conv_last"));
            }
            case PIXELSHUFFLE_DIRECT -> {
                return Scopes.scoped(() -> UpscaleOps.pixelShuffle(conv(deep, "upsample.0"), scale));
            }
            case NEAREST_CONV -> {
                NDArray y = Scopes.scoped(() -> UpscaleOps.leakyRelu(conv(deep, "conv_before_upsample.0"), 0.01f));
                for (int k = 1; 1 << k <= scale; k++) {
                    String name = "conv_up" + k;
                    y = then(y, t -> UpscaleOps.leakyRelu(conv(UpscaleOps.upsampleNearest(t, 2), name), 0.2f));
                }
                y = then(y, t -> UpscaleOps.leakyRelu(conv(t, "conv_hr"), 0.2f));
                return then(y, t -> conv(t, "conv_last"));
            }
            default -> {
                return Scopes.scoped(() -> input.add(conv(deep, "conv_last")));
            }
        }
    }

    // f(x) in its own scope, then x closed
    private static NDArray then(NDArray x, java.util.function.UnaryOperator<NDArray> f) {
        NDArray y = Scopes.scoped(() -> f.apply(x));
        x.close();
        return y;
    }

    // one 3x3 conv, or the 3conv bottleneck (3x3 C->C/4, LeakyReLU 0.2, 1x1, LeakyReLU 0.2, 3x3 C/4->C)
    private NDArray resi(NDArray x, String name) {
        if (!config.threeConv()) {
            return conv(x, name);
        }
        NDArray h = UpscaleOps.leakyRelu(conv(x, name + ".0"), 0.2f);
        h = UpscaleOps.leakyRelu(conv(h, name + ".2"), 0.2f);
        return conv(h, name + ".4");
    }

    private NDArray conv(NDArray x, String name) {
        return UpscaleOps.conv(x, weights.get(name + ".weight"), weights.get(name + ".bias"));
    }

    private NDArray linear(NDArray x, String name) {
        return Linear.linear(x, weights.get(name + ".weight"), weights.get(name + ".bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String name) {
        return LayerNorm.layerNorm(x, new Shape(config.embedDim()), weights.get(name + ".weight"),
                weights.get(name + ".bias"), 1e-5f).singletonOrThrow();
    }

    // [B, C, H, W] -> [B, H·W, C]
    private static NDArray tokens(NDArray img) {
        Shape s = img.getShape();
        return img.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
    }

    // [B, H·W, C] -> [B, C, H, W]
    private static NDArray image(NDArray tok, long h, long w) {
        Shape s = tok.getShape();
        return tok.transpose(0, 2, 1).reshape(s.get(0), s.get(2), h, w);
    }

    /** torch.roll by {@code by} along axes 1 and 2 of [B, H, W, C]. */
    static NDArray roll(NDArray x, int by) {
        return rollAxis(rollAxis(x, by, 1), by, 2);
    }

    private static NDArray rollAxis(NDArray x, int by, int axis) {
        long len = x.getShape().get(axis);
        long k = Math.floorMod(by, len); // out[i] = x[(i - k) mod len]
        if (k == 0) {
            return x;
        }
        String head = axis == 1 ? ":, " : ":, :, ";
        return NDArrays.concat(new NDList(x.get(head + (len - k) + ":"), x.get(head + "0:" + (len - k))), axis);
    }

    /**
     * Pads [B, C, H, W] with {@code ph} rows at the bottom and {@code pw} columns at the right, reflected without
     * repeating the edge (PyTorch's "reflect"; where the pad is not smaller than the side the reflection bounces).
     */
    static NDArray padReflect(NDArray x, long ph, long pw) {
        NDArray y = x;
        if (ph > 0) {
            y = reflectAxis(y, ph, 2);
        }
        if (pw > 0) {
            y = reflectAxis(y, pw, 3);
        }
        return y;
    }

    private static NDArray reflectAxis(NDArray x, long pad, int axis) {
        long len = x.getShape().get(axis);
        NDList parts = new NDList(x);
        for (long i = len; i < len + pad; i++) {
            long src = TiledUpscale.reflect(Math.toIntExact(i), Math.toIntExact(len));
            String sel = (axis == 2 ? ":, :, " : ":, :, :, ") + src + ":" + (src + 1);
            parts.add(x.get(sel));
        }
        return NDArrays.concat(parts, axis);
    }
}
