package dev.noodle.engine.text;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.memory.WeightStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLIP text transformer (pre-norm, causal self-attention, quick-GELU or GELU MLP, optional pooled projection)
 * with Hugging Face {@code CLIPTextModel} key names, as in OpenAI CLIP (SD 1.x, SDXL CLIP-L) and OpenCLIP (SD 2.x
 * ViT-H, SDXL bigG, read through {@link OpenClipKeys}). Weights live in a manager owned by this object and are released by
 * {@link #close()}; they are never modified. Encoding is thread-safe: each call works in its own sub-manager.
 */
public final class ClipTextModel implements AutoCloseable {
    /** Prefix of the text encoder in SD 1.x single-file checkpoints. */
    public static final String SD1_PREFIX = "cond_stage_model.transformer.text_model.";

    /** Prefix of the OpenCLIP ViT-H text encoder (open_clip names) in SD 2.x checkpoints. */
    public static final String SD2_PREFIX = "cond_stage_model.model.";

    /** Prefix of SDXL's CLIP-L text encoder (Hugging Face names, like SD 1.x). */
    public static final String SDXL_CLIP_L_PREFIX = "conditioner.embedders.0.transformer.text_model.";

    /** Prefix of SDXL's OpenCLIP bigG text encoder (open_clip names). */
    public static final String SDXL_CLIP_G_PREFIX = "conditioner.embedders.1.model.";

    /** Prefix of the SDXL refiner's only text encoder, OpenCLIP bigG. */
    public static final String SDXL_REFINER_CLIP_G_PREFIX = "conditioner.embedders.0.model.";

    /** Pooled projection as a linear layer without bias, {@code [projection, D]}: pooled' = pooled·Wᵀ. */
    public static final String PROJECTION_KEY = KeyNames.HF_TEXT_PROJECTION;

    private final ClipConfig config;
    private final List<WeightStore> stores; // front first: a patched copy's replacements, then the shared weights
    private final Map<String, NDArray> params; // live view over the stores
    private final DataType dtype;

    private ClipTextModel(ClipConfig config, List<WeightStore> stores, DataType dtype) {
        this.config = config;
        this.stores = List.copyOf(stores);
        this.params = WeightStore.layered(this.stores);
        this.dtype = dtype;
    }

    /** Parameter names (relative to {@code text_model.}) and shapes of a model with this config. */
    public static Map<String, long[]> parameterShapes(ClipConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        long d = c.width();
        m.put("embeddings.token_embedding.weight", new long[] {c.vocabSize(), d});
        m.put("embeddings.position_embedding.weight", new long[] {c.maxPositions(), d});
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                m.put(p + "self_attn." + proj + ".weight", new long[] {d, d});
                m.put(p + "self_attn." + proj + ".bias", new long[] {d});
            }
            m.put(p + "layer_norm1.weight", new long[] {d});
            m.put(p + "layer_norm1.bias", new long[] {d});
            m.put(p + "mlp.fc1.weight", new long[] {c.mlpWidth(), d});
            m.put(p + "mlp.fc1.bias", new long[] {c.mlpWidth()});
            m.put(p + "mlp.fc2.weight", new long[] {d, c.mlpWidth()});
            m.put(p + "mlp.fc2.bias", new long[] {d});
            m.put(p + "layer_norm2.weight", new long[] {d});
            m.put(p + "layer_norm2.bias", new long[] {d});
        }
        m.put("final_layer_norm.weight", new long[] {d});
        m.put("final_layer_norm.bias", new long[] {d});
        if (c.projectionDim() > 0) {
            m.put(PROJECTION_KEY, new long[] {c.projectionDim(), d});
        }
        return m;
    }

    /** Loads with the config inferred from the weights, fp32 on the CPU. Keys are relative to {@code text_model.}. */
    public static ClipTextModel load(TensorSource source) {
        return load(source, ClipConfig.fromWeights(source), Device.cpu(), DataType.FLOAT32);
    }

    /**
     * Loads an OpenCLIP text encoder stored with open_clip names (keys relative to the model prefix, e.g.
     * {@code source.withPrefix(SD2_PREFIX)}), config inferred from shapes with exact GELU, fp32 on the CPU.
     */
    public static ClipTextModel loadOpenClip(TensorSource openClip) {
        OpenClipKeys hf = new OpenClipKeys(openClip);
        return load(hf, hf.config(), Device.cpu(), DataType.FLOAT32);
    }

    /**
     * Binds every parameter by name. Missing and unexpected keys and shape mismatches are reported together in one
     * {@link dev.noodle.engine.io.ModelFormatException} naming each key and both shapes; {@code position_ids} is
     * ignored.
     *
     * @param source weights with keys relative to {@code text_model.} (use {@code withPrefix(SD1_PREFIX)})
     * @param dtype FLOAT32 (CPU) or FLOAT16 (GPU)
     */
    public static ClipTextModel load(TensorSource source, ClipConfig config, Device device, DataType dtype) {
        Map<String, long[]> shapes = parameterShapes(config);
        WeightLayout.of("CLIP text encoder", shapes)
                .ignoring(k -> k.endsWith("position_ids"))
                .withDetail("width " + config.width() + ", " + config.layers() + " layers")
                .withAdvice("The file may be damaged or belong to another model family.")
                .check(source);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String key : shapes.keySet()) {
                NDArray a = source.load(key, manager, dtype);
                a.setName(key);
                params.put(key, a);
            }
            return new ClipTextModel(config, List.of(new WeightStore("text encoder (" + source.describe() + ")",
                    params, manager)), dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Parameter keys (relative to {@code text_model.}), e.g. {@code encoder.layers.0.mlp.fc1.weight}. */
    public java.util.Set<String> parameterKeys() {
        return java.util.Collections.unmodifiableSet(params.keySet());
    }

    /** A parameter array; callers must not modify it. */
    public NDArray parameter(String key) {
        NDArray a = params.get(key);
        if (a == null) {
            throw new IllegalArgumentException("CLIP text model has no parameter '" + key + "'");
        }
        return a;
    }

    /**
     * A copy using {@code replacements} (same keys and shapes, e.g. LoRA-patched weights) and sharing every other
     * array with this model. The copy owns only {@code owner}: closing it leaves this model's weights alone.
     */
    public ClipTextModel withParameters(Map<String, NDArray> replacements, NDManager owner) {
        for (Map.Entry<String, NDArray> e : replacements.entrySet()) {
            NDArray old = params.get(e.getKey());
            if (old == null || !old.getShape().equals(e.getValue().getShape())) {
                throw new IllegalArgumentException("cannot replace CLIP parameter '" + e.getKey() + "' "
                        + (old == null ? "(no such key)" : old.getShape()) + " with " + e.getValue().getShape());
            }
        }
        List<WeightStore> layers = new ArrayList<>();
        layers.add(new WeightStore("text encoder patch (" + replacements.size() + " weights)", replacements, owner,
                home()));
        layers.addAll(stores);
        return new ClipTextModel(config, layers, dtype);
    }

    /**
     * The stores this model reads, front first: for a patched copy its replacements and then the weights it shares.
     * An encode moves them to the GPU first ({@link ModelPlacement}).
     */
    public List<WeightStore> stores() {
        return stores;
    }

    /** The device the model computes on (where it was loaded; its weights may be in CPU memory for now). */
    public Device home() {
        return stores.get(0).home();
    }

    /** The model's hyper-parameters. */
    public ClipConfig config() {
        return config;
    }

    /** Encodes token sequences without embeddings; see {@link #encodeChunks}. */
    public ClipOutput encode(NDManager out, int[][] tokens, int stopAtLayer, boolean applyFinalNorm) {
        List<PromptTokens.Chunk> chunks = new ArrayList<>();
        for (int[] t : tokens) {
            float[] ones = new float[t.length];
            Arrays.fill(ones, 1f);
            chunks.add(new PromptTokens.Chunk(t, ones, List.of()));
        }
        return encodeChunks(out, chunks, stopAtLayer, applyFinalNorm);
    }

    /**
     * Encodes chunks as one batch, injecting embedding vectors at their slots; weights are not applied.
     *
     * @param out manager that will own the results (FLOAT32)
     * @param stopAtLayer -1 = last layer, -2 = penultimate (A1111 clip skip 2), down to {@code -layers}
     * @param applyFinalNorm whether the final layer norm is applied to the hidden states (SD1: yes)
     * @return hidden {@code [B, T, D]}, pooled {@code [B, P]}: the last layer's final-normed state at the argmax-id
     *     (first end) position, times the text projection when the model has one (open_clip: x·P)
     */
    public ClipOutput encodeChunks(NDManager out, List<PromptTokens.Chunk> chunks, int stopAtLayer,
            boolean applyFinalNorm) {
        // on a GPU the weights move in first, with one retry after running out of memory; on the CPU it runs as is
        return ModelPlacement.onHome("text encode of " + chunks.size() + " chunk(s)", stores, 0,
                () -> encodeChunksHere(out, chunks, stopAtLayer, applyFinalNorm));
    }

    private ClipOutput encodeChunksHere(NDManager out, List<PromptTokens.Chunk> chunks, int stopAtLayer,
            boolean applyFinalNorm) {
        if (stopAtLayer >= 0 || stopAtLayer < -config.layers()) {
            throw new IllegalArgumentException("stopAtLayer must be between -1 (last layer) and -" + config.layers()
                    + ", was " + stopAtLayer);
        }
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("Nothing to encode: no token chunks");
        }
        int b = chunks.size();
        int t = chunks.get(0).ids().length;
        try (NDManager scope = out.newSubManager(home())) {
            NDArray x = embed(scope, chunks, t); // [B, T, D]
            NDArray mask = causalMask(scope, t); // [T, T]
            int keep = config.layers() + stopAtLayer; // index of the block whose output is returned
            NDArray hidden = null;
            for (int i = 0; i < config.layers(); i++) {
                x = block(x, mask, "encoder.layers." + i + ".");
                if (i == keep) {
                    hidden = x;
                }
            }
            NDArray last = layerNorm(x, "final_layer_norm."); // [B, T, D]
            NDArray h = applyFinalNorm ? (hidden == x ? last : layerNorm(hidden, "final_layer_norm.")) : hidden;
            NDList rows = new NDList();
            for (int i = 0; i < b; i++) {
                rows.add(last.get(i, argmax(chunks.get(i).ids())));
            }
            NDArray pooled = NDArrays.stack(rows); // [B, D]
            if (config.projectionDim() > 0) {
                pooled = pooled.matMul(params.get(PROJECTION_KEY).transpose()); // [B, P]
            }
            NDArray hOut = h.toType(DataType.FLOAT32, true);
            NDArray pOut = pooled.toType(DataType.FLOAT32, true);
            hOut.attach(out);
            pOut.attach(out);
            return new ClipOutput(hOut, pOut);
        }
    }

    /**
     * Encodes a weighted prompt as ComfyUI does: all chunks (plus the empty prompt when any weight is not 1) in one
     * batch; each weighted position becomes z' = (z − z_empty)·w + z_empty, with z_empty the empty prompt's state
     * at the same position; chunks are concatenated along the token axis.
     *
     * @return hidden {@code [1, 77·chunks, D]}, pooled {@code [1, D]} of the first chunk
     */
    public ClipOutput encodeWeighted(NDManager out, PromptTokens prompt, int stopAtLayer, boolean applyFinalNorm) {
        List<PromptTokens.Chunk> batch = new ArrayList<>(prompt.chunks());
        boolean weighted = prompt.hasWeights();
        if (weighted) {
            batch.add(prompt.empty());
        }
        int k = prompt.chunks().size();
        try (NDManager scope = out.newSubManager(home())) {
            ClipOutput all = encodeChunks(scope, batch, stopAtLayer, applyFinalNorm);
            NDArray z = all.hidden().get("0:" + k); // [k, T, D]
            if (weighted) {
                NDArray empty = all.hidden().get(k).expandDims(0); // [1, T, D]
                int t = (int) z.getShape().get(1);
                float[] w = new float[k * t];
                for (int c = 0; c < k; c++) {
                    System.arraycopy(prompt.chunks().get(c).weights(), 0, w, c * t, t);
                }
                NDArray wa = scope.create(w, new Shape(k, t, 1));
                NDArray scaled = z.sub(empty).mul(wa).add(empty);
                z = NDArrays.where(wa.eq(1f).broadcast(z.getShape()), z, scaled); // weight-1 positions stay exact
            }
            long d = z.getShape().get(2);
            NDArray hidden = z.reshape(1, -1, d);
            NDArray pooled = all.pooled().get("0:1");
            hidden.attach(out);
            pooled.attach(out);
            return new ClipOutput(hidden, pooled);
        }
    }

    /** Encodes a weighted prompt with the given encoding and emphasis convention. */
    public ClipOutput encodeWeighted(NDManager out, PromptTokens prompt, ClipEncoding encoding, Emphasis emphasis) {
        ClipEncoding e = encoding.resolvedFor(config.layers());
        return switch (emphasis) {
            case COMFY -> encodeWeighted(out, prompt, e.stopAtLayer(), e.finalNorm());
            case A1111 -> encodeA1111(out, prompt, e.stopAtLayer(), e.finalNorm());
        };
    }

    /**
     * Encodes a weighted prompt as AUTOMATIC1111 does ({@code sd_hijack_clip} + {@code EmphasisOriginal}): each
     * chunk's hidden states z {@code [T, D]} are multiplied by their position weights, z' = z·w, then rescaled by
     * mean(z) / mean(z') (means over the whole chunk) so the chunk's mean is unchanged; chunks are concatenated
     * along the token axis.
     *
     * @return hidden {@code [1, 77·chunks, D]}, pooled {@code [1, P]} of the first chunk
     */
    public ClipOutput encodeA1111(NDManager out, PromptTokens prompt, int stopAtLayer, boolean applyFinalNorm) {
        int k = prompt.chunks().size();
        try (NDManager scope = out.newSubManager(home())) {
            ClipOutput all = encodeChunks(scope, prompt.chunks(), stopAtLayer, applyFinalNorm);
            NDArray z = all.hidden(); // [k, T, D]
            int t = (int) z.getShape().get(1);
            NDList rescaled = new NDList();
            for (int c = 0; c < k; c++) {
                NDArray zc = z.get(c); // [T, D]
                if (!prompt.chunks().get(c).hasWeights()) {
                    // z·1 rescaled by mean(z) / mean(z) is z itself; skipping keeps a chunk whose mean is exactly 0
                    // (a final layer norm without bias, as the demo model's) from becoming 0/0 = NaN
                    rescaled.add(zc);
                    continue;
                }
                NDArray w = scope.create(prompt.chunks().get(c).weights(), new Shape(t, 1));
                NDArray zw = zc.mul(w);
                rescaled.add(zw.mul(zc.mean().div(zw.mean()))); // keep the chunk's original mean
            }
            NDArray hidden = NDArrays.concat(rescaled, 0).expandDims(0); // [1, k·T, D]
            NDArray pooled = all.pooled().get("0:1");
            hidden.attach(out);
            pooled.attach(out);
            return new ClipOutput(hidden, pooled);
        }
    }

    private NDArray embed(NDManager scope, List<PromptTokens.Chunk> chunks, int t) {
        int b = chunks.size();
        int d = config.width();
        if (t > config.maxPositions()) {
            throw new IllegalArgumentException("Token sequences have " + t + " positions but the text model has only "
                    + config.maxPositions());
        }
        long[] ids = new long[b * t];
        float[] override = null;
        float[] mask = null;
        for (int i = 0; i < b; i++) {
            int[] row = chunks.get(i).ids();
            if (row.length != t) {
                throw new IllegalArgumentException("All token sequences in a batch must have the same length: "
                        + row.length + " != " + t);
            }
            for (int j = 0; j < t; j++) {
                if (row[j] < 0 || row[j] >= config.vocabSize()) {
                    throw new IllegalArgumentException("Token id " + row[j] + " at position " + j
                            + " is outside the text model's vocabulary of " + config.vocabSize()
                            + " (tokenizer and model do not match)");
                }
                ids[i * t + j] = row[j];
            }
            for (PromptTokens.EmbeddingSlot s : chunks.get(i).slots()) {
                if (s.vector().length != d) {
                    throw new IllegalArgumentException("Embedding '" + s.name() + "' has width " + s.vector().length
                            + " but this text model's width is " + d + "; it was made for a different model"
                            + " family (768 = SD 1.x, 1024 = SD 2.x).");
                }
                if (override == null) {
                    override = new float[b * t * d];
                    mask = new float[b * t];
                }
                System.arraycopy(s.vector(), 0, override, (i * t + s.position()) * d, d);
                mask[i * t + s.position()] = 1f;
            }
        }
        NDArray idArr = scope.create(ids, new Shape(b, t));
        NDArray tok = params.get("embeddings.token_embedding.weight");
        NDArray x = idArr.getNDArrayInternal().embedding(idArr, tok, SparseFormat.DENSE).singletonOrThrow();
        if (override != null) {
            NDArray m = scope.create(mask, new Shape(b, t, 1)).toType(dtype, false);
            NDArray o = scope.create(override, new Shape(b, t, d)).toType(dtype, false);
            x = x.mul(m.neg().add(1f)).add(o.mul(m)); // keep token rows where m = 0, embedding rows where m = 1
        }
        NDArray pos = params.get("embeddings.position_embedding.weight").get("0:" + t); // [T, D]
        pos.attach(scope); // a slice is made in the weights' manager: without this, every encode left one behind
        return x.add(pos);
    }

    private NDArray causalMask(NDManager scope, int t) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return scope.create(m, new Shape(t, t)).toType(dtype, false);
    }

    /** One pre-norm block: x + attn(ln1(x)), then + mlp(ln2(x)). */
    private NDArray block(NDArray x, NDArray mask, String p) {
        x = x.add(attention(layerNorm(x, p + "layer_norm1."), mask, p + "self_attn."));
        NDArray h = linear(layerNorm(x, p + "layer_norm2."), p + "mlp.fc1."); // [B, T, M]
        h = switch (config.activation()) {
            case QUICK_GELU -> h.mul(Activation.sigmoid(h.mul(1.702f))); // Hendrycks & Gimpel 2016, sigmoid form
            case GELU -> h.getNDArrayInternal().gelu();
        };
        return x.add(linear(h, p + "mlp.fc2."));
    }

    /** Multi-head causal self-attention: softmax(QKᵀ/√d + mask)·V (Vaswani et al. 2017). */
    private NDArray attention(NDArray x, NDArray mask, String p) {
        Shape s = x.getShape(); // [B, T, D]
        long b = s.get(0);
        long t = s.get(1);
        int h = config.heads();
        int hd = config.headSize();
        NDArray q = linear(x, p + "q_proj.").reshape(b, t, h, hd).transpose(0, 2, 1, 3); // [B, H, T, hd]
        NDArray k = linear(x, p + "k_proj.").reshape(b, t, h, hd).transpose(0, 2, 3, 1); // [B, H, hd, T]
        NDArray v = linear(x, p + "v_proj.").reshape(b, t, h, hd).transpose(0, 2, 1, 3); // [B, H, T, hd]
        NDArray scores = q.matMul(k).mul((float) (1.0 / Math.sqrt(hd))).add(mask); // [B, H, T, T]
        NDArray a = scores.softmax(-1).matMul(v); // [B, H, T, hd]
        return linear(a.transpose(0, 2, 1, 3).reshape(b, t, (long) h * hd), p + "out_proj.");
    }

    private NDArray linear(NDArray x, String p) {
        return Linear.linear(x, params.get(p + "weight"), params.get(p + "bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String p) {
        return LayerNorm.layerNorm(x, new Shape(config.width()), params.get(p + "weight"), params.get(p + "bias"),
                config.layerNormEps()).singletonOrThrow();
    }

    /** First position holding the largest id: the end token, which is the largest id in CLIP vocabularies. */
    private static int argmax(int[] ids) {
        int best = 0;
        for (int i = 1; i < ids.length; i++) {
            if (ids[i] > ids[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Releases the weights. */
    @Override
    public void close() {
        stores.get(0).close();
    }
}
