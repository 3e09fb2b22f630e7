package dev.noodle.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;

/**
 * The inverse of {@link dev.noodle.engine.text.OpenClipKeys}: writes a text encoder bound with Hugging Face names
 * under the open_clip names SD 2.x checkpoints use — q/k/v projections packed row-wise into
 * {@code attn.in_proj_weight [3D, D]} / {@code in_proj_bias [3D]}, {@code text_projection} stored as {@code [D, P]}
 * (the transpose of the bound {@code [P, D]}), and the renamed norms, MLP and embeddings. Values are copied out as
 * float32 when the file is written. Stateless.
 */
final class OpenClipNames {
    private static final String[][] BLOCK = {
        {"layer_norm1", "ln_1"}, {"layer_norm2", "ln_2"}, {"mlp.fc1", "mlp.c_fc"}, {"mlp.fc2", "mlp.c_proj"},
        {"self_attn.out_proj", "attn.out_proj"}};

    private OpenClipNames() {}

    /** Adds every parameter of {@code clip} under {@code prefix} with open_clip names. */
    static void add(SafetensorsWriter w, String prefix, ClipTextModel clip) {
        ClipConfig c = clip.config();
        long d = c.width();
        copy(w, prefix + "token_embedding.weight", clip, "embeddings.token_embedding.weight");
        copy(w, prefix + "positional_embedding", clip, "embeddings.position_embedding.weight");
        for (int i = 0; i < c.layers(); i++) {
            String hf = "encoder.layers." + i + ".";
            String oc = prefix + "transformer.resblocks." + i + ".";
            for (String[] n : BLOCK) {
                copy(w, oc + n[1] + ".weight", clip, hf + n[0] + ".weight");
                copy(w, oc + n[1] + ".bias", clip, hf + n[0] + ".bias");
            }
            for (String suffix : new String[] {"weight", "bias"}) {
                String[] parts = {hf + "self_attn.q_proj." + suffix, hf + "self_attn.k_proj." + suffix,
                    hf + "self_attn.v_proj." + suffix};
                long[] shape = suffix.equals("weight") ? new long[] {3 * d, d} : new long[] {3 * d};
                CheckpointWriter.addFloats(w, oc + "attn.in_proj_" + suffix, shape, () -> packed(clip, parts));
            }
        }
        copy(w, prefix + "ln_final.weight", clip, "final_layer_norm.weight");
        copy(w, prefix + "ln_final.bias", clip, "final_layer_norm.bias");
        if (clip.parameterKeys().contains(ClipTextModel.PROJECTION_KEY)) {
            long p = c.projectionDim();
            // bound as a linear weight [P, D]; open_clip multiplies x·P with P of shape [D, P]
            CheckpointWriter.addFloats(w, prefix + "text_projection", new long[] {d, p},
                    () -> transpose(floats(clip.parameter(ClipTextModel.PROJECTION_KEY)), (int) p, (int) d));
        }
    }

    private static void copy(SafetensorsWriter w, String name, ClipTextModel clip, String key) {
        CheckpointWriter.add(w, name, clip.parameter(key));
    }

    // q, k, v stacked along rows: [3D, D] (or [3D] for biases)
    private static float[] packed(ClipTextModel clip, String[] keys) {
        float[][] parts = new float[3][];
        int n = 0;
        for (int i = 0; i < 3; i++) {
            parts[i] = floats(clip.parameter(keys[i]));
            n += parts[i].length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static float[] floats(NDArray a) {
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = a.toType(DataType.FLOAT32, true)) {
            return f.toFloatArray();
        }
    }

    // [rows, cols] → [cols, rows]
    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
