package dev.noodle.engine.ipadapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Scopes;
import java.util.List;
import java.util.Map;

/**
 * An IP-Adapter (Ye et al. 2023, "IP-Adapter: Text Compatible Image Prompt Adapter"): an image projection that
 * turns CLIP image features into extra context tokens, and per cross-attention layer of the UNet a key and a value
 * projection ({@code to_k_ip}, {@code to_v_ip}) for those tokens. The UNet adds the attention of its queries to the
 * image tokens to the text attention (decoupled cross-attention); {@link IpAdapterPatch} does that.
 *
 * <p>Three projections exist in the published files: the plain adapters' {@code ImageProjModel} (Linear to
 * {@code tokens·D}, then LayerNorm over D) on the pooled, projected image embedding; the plus and plus-face
 * adapters' Perceiver {@code Resampler} (learned latent queries attending to the penultimate hidden states); and
 * full-face's {@code MLPProjModel} (Linear, GELU, Linear, LayerNorm per hidden state). Weights live on the CPU in
 * float32 in this object's manager, read-only, so one model serves every run and thread; close to free them.
 */
public final class IpAdapterModel implements AutoCloseable {
    /** Which image projection the file has. */
    public enum Projection {
        /** ImageProjModel: plain and light adapters, on CLIP's image_embeds. */
        LINEAR,
        /** Resampler (Perceiver): plus and plus-face adapters, on the penultimate hidden states. */
        RESAMPLER,
        /** MLPProjModel: full-face adapters, on the penultimate hidden states. */
        MLP
    }

    /** Head width of the Resampler's attention (the published configs all use 64). */
    public static final int RESAMPLER_HEAD_DIM = 64;
    static final float LN_EPS = 1e-5f;

    private final String name;
    private final IpAdapterLayout layout;
    private final Map<String, NDArray> weights;
    private final NDManager owner;

    IpAdapterModel(String name, IpAdapterLayout layout, Map<String, NDArray> weights, NDManager owner) {
        this.name = name;
        this.layout = layout;
        this.weights = Map.copyOf(weights);
        this.owner = owner;
    }

    /** The file's name, for messages. */
    public String name() {
        return name;
    }

    /** Shapes read from the file: projection kind, widths, token count, per-layer widths. */
    public IpAdapterLayout layout() {
        return layout;
    }

    /** Whether the projection reads the penultimate hidden states (plus, plus-face, full-face) or image_embeds. */
    public boolean usesHiddenStates() {
        return layout.projection() != Projection.LINEAR;
    }

    /** Native bytes of the weights. */
    public long sizeBytes() {
        return Scopes.nativeBytes(weights.values());
    }

    NDArray w(String key) {
        NDArray a = weights.get(key);
        if (a == null) {
            throw new IllegalStateException("no weight " + key + " in " + name);
        }
        return a;
    }

    /**
     * Projects CLIP image features to context tokens.
     *
     * @param features {@link Projection#LINEAR}: image_embeds [B, C]; otherwise penultimate hidden states
     *     [B, N, C]; any device and float type
     * @param scope manager of the result
     * @return tokens [B, T, D] float32 on the CPU (T = the file's token count, or N for the MLP projection)
     */
    public NDArray project(NDArray features, NDManager scope) {
        long[] s = features.getShape().getShape();
        int c = layout.clipDim();
        boolean pooled = layout.projection() == Projection.LINEAR;
        if (pooled ? s.length != 2 || s[1] != c : s.length != 3 || s[2] != c) {
            throw new IllegalArgumentException("IP-Adapter '" + name + "' expects CLIP vision "
                    + (pooled ? "image_embeds [B, " + c + "]" : "hidden states [B, tokens, " + c + "]") + ", got "
                    + features.getShape() + ": use the CLIP vision model this adapter was trained with ("
                    + layout.clipHint() + ")");
        }
        try (NDManager tmp = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray x = features.toDevice(ai.djl.Device.cpu(), true).toType(DataType.FLOAT32, true);
            x.attach(tmp);
            NDArray out = Scopes.scoped(() -> switch (layout.projection()) {
                case LINEAR -> linearProjection(x);
                case MLP -> mlpProjection(x);
                case RESAMPLER -> resampler(x);
            });
            out.attach(scope);
            return out;
        }
    }

    // ImageProjModel: [B, C] -> Linear -> [B, T·D] -> [B, T, D] -> LayerNorm(D)
    private NDArray linearProjection(NDArray x) {
        NDArray h = linear(x, "image_proj.proj").reshape(x.getShape().get(0), layout.tokens(), layout.tokenDim());
        return layerNorm(h, "image_proj.norm", layout.tokenDim());
    }

    // MLPProjModel: [B, N, C] -> Linear(C, C) -> GELU -> Linear(C, D) -> LayerNorm(D)
    private NDArray mlpProjection(NDArray x) {
        NDArray h = linear(x, "image_proj.proj.0").getNDArrayInternal().gelu();
        return layerNorm(linear(h, "image_proj.proj.2"), "image_proj.proj.3", layout.tokenDim());
    }

    // Resampler: latents [B, Q, dim] attend to proj_in(x) through `depth` (PerceiverAttention, FeedForward) pairs,
    // each with a residual; then proj_out and norm_out.
    private NDArray resampler(NDArray x) {
        long b = x.getShape().get(0);
        int dim = layout.resamplerDim();
        NDArray latents = w("image_proj.latents").repeat(0, b); // [B, Q, dim]
        latents.attach(x.getManager());
        NDArray h = linear(x, "image_proj.proj_in"); // [B, N, dim]
        for (int i = 0; i < layout.resamplerDepth(); i++) {
            String p = "image_proj.layers." + i + ".";
            latents = perceiverAttention(h, latents, p + "0.").add(latents);
            NDArray ff = layerNorm(latents, p + "1.0", dim);
            ff = linear(linear(ff, p + "1.1").getNDArrayInternal().gelu(), p + "1.3");
            latents = ff.add(latents);
        }
        return layerNorm(linear(latents, "image_proj.proj_out"), "image_proj.norm_out", layout.tokenDim());
    }

    // PerceiverAttention (Alayrac et al. 2022): queries from the latents, keys/values from [x ‖ latents].
    private NDArray perceiverAttention(NDArray x, NDArray latents, String p) {
        int dim = layout.resamplerDim();
        NDArray xn = layerNorm(x, p + "norm1", dim); // [B, N, dim]
        NDArray ln = layerNorm(latents, p + "norm2", dim); // [B, Q, dim]
        NDArray q = linear(ln, p + "to_q"); // [B, Q, inner]
        NDArray kv = linear(xn.concat(ln, 1), p + "to_kv"); // [B, N+Q, 2·inner]
        long inner = kv.getShape().get(2) / 2;
        NDArray k = kv.get(":, :, :" + inner);
        NDArray v = kv.get(":, :, " + inner + ":");
        NDArray o = Attention.multiHead(q, k, v, (int) (inner / RESAMPLER_HEAD_DIM), Attention.Mode.FALLBACK);
        return linear(o, p + "to_out"); // [B, Q, dim]
    }

    /**
     * The key and value of one cross-attention layer for image tokens (no bias, as the published files).
     *
     * @param layer 0-based layer number (file key {@code ip_adapter.(2·layer+1).to_k_ip.weight})
     * @param tokens [B, T, D] float32 on the CPU
     * @return {k, v}, each [B, T, inner], in tokens' manager
     */
    public NDArray[] keyValue(int layer, NDArray tokens) {
        String p = "ip_adapter." + (2 * layer + 1) + ".";
        return new NDArray[] {tokens.matMul(w(p + "to_k_ip.weight").transpose()),
                tokens.matMul(w(p + "to_v_ip.weight").transpose())};
    }

    private NDArray linear(NDArray x, String p) {
        NDArray bias = weights.get(p + ".bias");
        return bias == null ? x.matMul(w(p + ".weight").transpose())
                : Linear.linear(x, w(p + ".weight"), bias).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String p, int width) {
        return LayerNorm.layerNorm(x, new Shape(width), w(p + ".weight"), w(p + ".bias"), LN_EPS)
                .singletonOrThrow();
    }

    /** The keys this model holds (for tests and fuzzing). */
    List<String> keys() {
        return weights.keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        owner.close();
    }
}
