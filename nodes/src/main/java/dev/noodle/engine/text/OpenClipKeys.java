package dev.noodle.engine.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A view of an OpenCLIP text encoder stored with open_clip names (SD 2.x {@code cond_stage_model.model.*}, SDXL
 * {@code conditioner.embedders.1.model.*}) under the Hugging Face names {@link ClipTextModel} binds, the same
 * renaming ComfyUI applies when it loads these checkpoints.
 *
 * <ul>
 *   <li>{@code token_embedding.weight} → {@code embeddings.token_embedding.weight}; {@code positional_embedding} →
 *       {@code embeddings.position_embedding.weight}; {@code ln_final} → {@code final_layer_norm};
 *   <li>{@code transformer.resblocks.i.ln_1/ln_2} → {@code encoder.layers.i.layer_norm1/2}, {@code mlp.c_fc/c_proj}
 *       → {@code mlp.fc1/fc2}, {@code attn.out_proj} → {@code self_attn.out_proj};
 *   <li>{@code attn.in_proj_weight [3D, D]} / {@code in_proj_bias [3D]} are split in rows into q, k, v (in that
 *       order, as {@code torch.nn.MultiheadAttention} packs them);
 *   <li>{@code text_projection [D, P]} (used as x·P) becomes {@code text_projection.weight [P, D]} (its transpose);
 *   <li>{@code logit_scale} (the contrastive temperature) is dropped; other keys pass through unchanged so the
 *       binding check reports them.
 * </ul>
 *
 * Immutable and thread-safe for reads, like the source it wraps.
 */
public final class OpenClipKeys implements TensorSource {
    private static final Pattern BLOCK = Pattern.compile("^transformer\\.resblocks\\.(\\d+)\\.(.+)$");
    private static final Map<String, String> BLOCK_NAMES = Map.ofEntries(
            Map.entry("ln_1.weight", "layer_norm1.weight"), Map.entry("ln_1.bias", "layer_norm1.bias"),
            Map.entry("ln_2.weight", "layer_norm2.weight"), Map.entry("ln_2.bias", "layer_norm2.bias"),
            Map.entry("mlp.c_fc.weight", "mlp.fc1.weight"), Map.entry("mlp.c_fc.bias", "mlp.fc1.bias"),
            Map.entry("mlp.c_proj.weight", "mlp.fc2.weight"), Map.entry("mlp.c_proj.bias", "mlp.fc2.bias"),
            Map.entry("attn.out_proj.weight", "self_attn.out_proj.weight"),
            Map.entry("attn.out_proj.bias", "self_attn.out_proj.bias"));
    private static final String[] QKV = {"q_proj", "k_proj", "v_proj"};

    /** How one Hugging Face key is read from the open_clip source. */
    private record Mapping(String sourceKey, int part, boolean transpose) {}

    private final TensorSource source;
    private final Map<String, Mapping> map;

    /** Wraps {@code source}, whose keys are relative to the OpenCLIP model prefix. */
    public OpenClipKeys(TensorSource source) {
        this.source = source;
        Map<String, Mapping> m = new LinkedHashMap<>();
        for (String k : new java.util.TreeSet<>(source.keys())) {
            Matcher b = BLOCK.matcher(k);
            if (k.equals("token_embedding.weight")) {
                m.put("embeddings.token_embedding.weight", new Mapping(k, -1, false));
            } else if (k.equals("positional_embedding")) {
                m.put("embeddings.position_embedding.weight", new Mapping(k, -1, false));
            } else if (k.startsWith("ln_final.")) {
                m.put("final_layer_norm." + k.substring("ln_final.".length()), new Mapping(k, -1, false));
            } else if (k.equals("text_projection")) {
                m.put(ClipTextModel.PROJECTION_KEY, new Mapping(k, -1, true));
            } else if (k.equals("logit_scale")) {
                continue;
            } else if (b.matches()) {
                String layer = "encoder.layers." + b.group(1) + ".";
                String rest = b.group(2);
                if (rest.equals("attn.in_proj_weight") || rest.equals("attn.in_proj_bias")) {
                    String suffix = rest.endsWith("weight") ? ".weight" : ".bias";
                    for (int i = 0; i < 3; i++) {
                        m.put(layer + "self_attn." + QKV[i] + suffix, new Mapping(k, i, false));
                    }
                } else if (BLOCK_NAMES.containsKey(rest)) {
                    m.put(layer + BLOCK_NAMES.get(rest), new Mapping(k, -1, false));
                } else {
                    m.put(k, new Mapping(k, -1, false));
                }
            } else {
                m.put(k, new Mapping(k, -1, false));
            }
        }
        this.map = Collections.unmodifiableMap(m);
    }

    /** The config inferred from the converted shapes, with OpenCLIP's exact GELU. */
    public ClipConfig config() {
        return ClipConfig.fromWeights(this).withActivation(ClipConfig.Activation.GELU);
    }

    @Override
    public Set<String> keys() {
        return map.keySet();
    }

    private Mapping mapping(String key) {
        Mapping m = map.get(key);
        if (m == null) {
            throw new ModelFormatException(describe() + ": missing tensor '" + key + "'");
        }
        return m;
    }

    @Override
    public TensorInfo info(String key) {
        Mapping m = mapping(key);
        TensorInfo src = source.info(m.sourceKey());
        long[] s = src.shape();
        if (m.part() >= 0) {
            if (s.length < 1 || s[0] % 3 != 0) {
                throw new ModelFormatException(source.describe() + ": '" + m.sourceKey() + "' has shape "
                        + Arrays.toString(s) + "; a packed q/k/v projection needs a first dimension divisible by 3");
            }
            s[0] /= 3;
        } else if (m.transpose()) {
            if (s.length != 2) {
                throw new ModelFormatException(source.describe() + ": '" + m.sourceKey() + "' has shape "
                        + Arrays.toString(s) + " but must be 2-D [width, projection]");
            }
            s = new long[] {s[1], s[0]};
        }
        return new TensorInfo(key, src.dtype(), s);
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        Mapping m = mapping(key);
        long[] shape = info(key).shape();
        if (m.part() < 0 && !m.transpose()) {
            return source.load(m.sourceKey(), manager, compute);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray full = source.load(m.sourceKey(), scope, compute);
            NDArray out = m.transpose()
                    ? full.transpose(1, 0).duplicate() // [P, D]
                    : full.get(m.part() * shape[0] + ":" + (m.part() + 1) * shape[0]).duplicate(); // rows of q|k|v
            out.attach(manager);
            return out;
        }
    }

    @Override
    public float[] loadFloats(String key) {
        Mapping m = mapping(key);
        float[] full = source.loadFloats(m.sourceKey());
        long[] shape = info(key).shape();
        if (m.part() >= 0) {
            int n = full.length / 3;
            return Arrays.copyOfRange(full, m.part() * n, (m.part() + 1) * n);
        }
        if (m.transpose()) {
            int rows = (int) shape[1];
            int cols = (int) shape[0];
            float[] t = new float[full.length];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    t[c * rows + r] = full[r * cols + c];
                }
            }
            return t;
        }
        return full;
    }

    @Override
    public String describe() {
        return source.describe() + " (open_clip names)";
    }
}
