package dev.noodle.engine.vision;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TencentARC's T2I style adapter (Mou et al. 2023, {@code t2iadapter_style_sd14v1.pth}; ComfyUI's
 * {@code StyleAdapter}): it turns a CLIP image tower's last hidden state [B, T, width] into {@code tokens} extra
 * text-encoder tokens [B, tokens, context] that are appended to the conditioning. Learned style embeddings are
 * appended to the image tokens, a layer norm (ln_pre), pre-norm transformer blocks (8-head self-attention with q, k
 * and v stacked in {@code attn.in_proj_weight}, a quick-GELU MLP {@code mlp.c_fc}/{@code mlp.c_proj}), then the
 * last {@code tokens} rows through ln_post and {@code proj} [width, context]. The published file: width 1024 (CLIP
 * ViT-L/14's hidden size), context 768 (SD 1.x's), 3 blocks ({@code transformer_layes.0..2}, the file's spelling),
 * 8 tokens. Sizes are read from the shapes.
 *
 * <p>Weights are owned by this object and only read; thread-safe; {@link #close()} frees them.
 */
public final class StyleAdapter implements AutoCloseable {
    /** Heads of every block (ComfyUI builds the adapter with num_head=8). */
    public static final int HEADS = 8;

    private static final Pattern LAYER = Pattern.compile("^transformer_layes\\.(\\d+)\\.");

    /**
     * Sizes of a style adapter.
     *
     * @param width hidden size (the CLIP tower's)
     * @param context token width (the UNet's cross-attention width)
     * @param layers transformer blocks
     * @param tokens style tokens made per image
     */
    public record Config(int width, int context, int layers, int tokens) {
        public Config {
            if (width <= 0 || width % HEADS != 0 || context <= 0 || layers < 1 || tokens < 1) {
                throw new IllegalArgumentException("Invalid style adapter config: width " + width + " (a multiple of "
                        + HEADS + "), context " + context + ", layers " + layers + ", tokens " + tokens);
            }
        }

        /** The published t2iadapter_style_sd14v1: width 1024, context 768, 3 blocks, 8 tokens. */
        public static Config sd14v1() {
            return new Config(1024, 768, 3, 8);
        }
    }

    private final Config config;
    private final String name;
    private final NDManager weights;
    private final Map<String, NDArray> params;
    private final long bytes;

    private StyleAdapter(Config config, String name, NDManager weights, Map<String, NDArray> params) {
        this.config = config;
        this.name = name;
        this.weights = weights;
        this.params = params;
        this.bytes = Scopes.nativeBytes(params.values());
    }

    /** Parameter names and shapes, as the file stores them. */
    public static Map<String, long[]> shapes(Config c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long w = c.width();
        m.put("style_embedding", new long[] {1, c.tokens(), w});
        m.put("ln_pre.weight", new long[] {w});
        m.put("ln_pre.bias", new long[] {w});
        for (int i = 0; i < c.layers(); i++) {
            String l = "transformer_layes." + i + ".";
            m.put(l + "attn.in_proj_weight", new long[] {3 * w, w});
            m.put(l + "attn.in_proj_bias", new long[] {3 * w});
            m.put(l + "attn.out_proj.weight", new long[] {w, w});
            m.put(l + "attn.out_proj.bias", new long[] {w});
            m.put(l + "ln_1.weight", new long[] {w});
            m.put(l + "ln_1.bias", new long[] {w});
            m.put(l + "mlp.c_fc.weight", new long[] {4 * w, w});
            m.put(l + "mlp.c_fc.bias", new long[] {4 * w});
            m.put(l + "mlp.c_proj.weight", new long[] {w, 4 * w});
            m.put(l + "mlp.c_proj.bias", new long[] {w});
            m.put(l + "ln_2.weight", new long[] {w});
            m.put(l + "ln_2.bias", new long[] {w});
        }
        m.put("ln_post.weight", new long[] {w});
        m.put("ln_post.bias", new long[] {w});
        m.put("proj", new long[] {w, c.context()});
        return m;
    }

    /**
     * The sizes a file's shapes give.
     *
     * @throws ModelFormatException naming the file when it is not a style adapter
     */
    public static Config detect(TensorSource source) {
        if (!source.contains("style_embedding")) {
            String hint = source.contains("redux_down.weight")
                    ? " It is a Flux Redux image encoder, which needs a Flux model; Noodle runs SD 1.x/2.x/SDXL."
                    : " StyleModelLoader reads TencentARC's T2I style adapter (t2iadapter_style_sd14v1.pth).";
            throw new ModelFormatException(source.describe() + " is not a style model: it has no 'style_embedding'."
                    + hint);
        }
        if (!source.contains("proj")) {
            throw new ModelFormatException(source.describe() + ": the style adapter has no 'proj'. The file is"
                    + " incomplete.");
        }
        long[] e = source.info("style_embedding").shape();
        long[] p = source.info("proj").shape();
        int layers = 0;
        for (String k : source.keys()) {
            Matcher m = LAYER.matcher(k);
            if (m.find()) {
                layers = Math.max(layers, m.group(1).length() > 6 ? 1_000_000 : Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (e.length != 3 || e[0] != 1 || p.length != 2 || e[2] != p[0] || e[1] < 1 || e[1] > 4096 || e[2] < 1
                || e[2] % HEADS != 0 || e[2] > 65536 || p[1] < 1 || p[1] > 65536 || layers < 1 || layers > 1000) {
            throw new ModelFormatException(source.describe() + ": the style adapter's shapes fit no style adapter:"
                    + " style_embedding " + Arrays.toString(e) + " (expected [1, tokens, width], width a multiple of "
                    + HEADS + "), proj " + Arrays.toString(p) + " (expected [width, context]), " + layers
                    + " blocks. The file is damaged.");
        }
        return new Config((int) e[2], (int) p[1], layers, (int) e[1]);
    }

    /** Loads the adapter in {@code source} (fp32, CPU), strictly: every key and shape must fit. */
    public static StyleAdapter load(TensorSource source, String name) {
        return load(source, name, detect(source), Device.cpu());
    }

    /** Loads with given sizes. */
    public static StyleAdapter load(TensorSource source, String name, Config config, Device device) {
        Map<String, long[]> shapes = shapes(config);
        WeightLayout.of("style adapter", shapes)
                .withDetail("width " + config.width() + ", context " + config.context() + ", " + config.layers()
                        + " blocks, " + config.tokens() + " tokens")
                .withAdvice("The file is damaged or is not a T2I style adapter.")
                .check(source);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String k : shapes.keySet()) {
                NDArray a = source.load(k, manager, DataType.FLOAT32);
                a.setName(k);
                params.put(k, a);
            }
            // q, k, v rows of each stacked projection, split once here
            for (int i = 0; i < config.layers(); i++) {
                String l = "transformer_layes." + i + ".attn.";
                long w = config.width();
                NDArray pw = params.remove(l + "in_proj_weight");
                NDArray pb = params.remove(l + "in_proj_bias");
                String[] names = {"q", "k", "v"};
                for (int j = 0; j < 3; j++) {
                    String rows = j * w + ":" + (j + 1) * w;
                    try (NDArray vw = pw.get(rows); NDArray vb = pb.get(rows)) {
                        params.put(l + names[j] + ".weight", vw.duplicate());
                        params.put(l + names[j] + ".bias", vb.duplicate());
                    }
                }
                pw.close();
                pb.close();
            }
            return new StyleAdapter(config, name, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The adapter's sizes. */
    public Config config() {
        return config;
    }

    /** The file name given at load. */
    public String name() {
        return name;
    }

    /** Native bytes held by the weights. */
    public long sizeBytes() {
        return bytes;
    }

    /**
     * The style tokens of a CLIP tower's last hidden state (ComfyUI's {@code StyleModel.get_cond}).
     *
     * @param lastHiddenState [B, T, width]
     * @return [B, tokens, context] owned by {@code scope}
     */
    public NDArray tokens(NDArray lastHiddenState, NDManager scope) {
        Shape s = lastHiddenState.getShape();
        if (s.dimension() != 3 || s.get(2) != config.width()) {
            throw new IllegalArgumentException("The style model " + name + " takes CLIP vision hidden states of width "
                    + config.width() + " (CLIP ViT-L/14 for t2iadapter_style_sd14v1), got " + s
                    + "; load the CLIP vision model it was trained with");
        }
        long b = s.get(0);
        long w = config.width();
        try (NDManager work = scope.newSubManager(weights.getDevice())) {
            NDArray moved = lastHiddenState.toDevice(weights.getDevice(), false);
            if (moved != lastHiddenState) {
                moved.attach(work);
            }
            NDArray x = moved.toType(DataType.FLOAT32, true);
            x.attach(work);
            NDArray style = Scopes.attach(params.get("style_embedding").broadcast(b, config.tokens(), w), work);
            NDArray h = NDArrays.concat(new NDList(x, style), 1);
            h = layerNorm(h, "ln_pre.");
            for (int i = 0; i < config.layers(); i++) {
                NDArray in = h;
                String l = "transformer_layes." + i + ".";
                h = Scopes.scoped(() -> block(in, l));
            }
            long t = h.getShape().get(1);
            NDArray last = layerNorm(h.get(":, " + (t - config.tokens()) + ":, :"), "ln_post.");
            NDArray out = last.matMul(params.get("proj"));
            out.attach(scope);
            return out;
        }
    }

    private NDArray block(NDArray x, String l) {
        NDArray a = layerNorm(x, l + "ln_1.");
        NDArray q = linear(a, l + "attn.q.");
        NDArray k = linear(a, l + "attn.k.");
        NDArray v = linear(a, l + "attn.v.");
        NDArray o = Attention.multiHead(q, k, v, HEADS, Attention.Mode.FALLBACK);
        x = x.add(linear(o, l + "attn.out_proj."));
        NDArray m = linear(layerNorm(x, l + "ln_2."), l + "mlp.c_fc.");
        m = m.mul(Activation.sigmoid(m.mul(1.702f)));
        return x.add(linear(m, l + "mlp.c_proj."));
    }

    private NDArray linear(NDArray x, String p) {
        return Linear.linear(x, params.get(p + "weight"), params.get(p + "bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String p) {
        return LayerNorm.layerNorm(x, new Shape(config.width()), params.get(p + "weight"), params.get(p + "bias"),
                1e-5f).singletonOrThrow();
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "style adapter " + name + " (" + config.tokens() + " tokens of " + config.context() + ")";
    }
}
