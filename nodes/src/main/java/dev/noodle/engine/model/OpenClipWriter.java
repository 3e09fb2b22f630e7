package dev.noodle.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.text.ClipTextModel;

/**
 * Writes a text encoder bound with Hugging Face names under the open_clip names SD 2.x checkpoints use, as
 * {@link KeyNames#hfToOpenClip} names them: q/k/v projections packed row-wise into {@code attn.in_proj_weight [3D, D]}
 * / {@code in_proj_bias [3D]}, {@code text_projection} stored as {@code [D, P]} (the transpose of the bound
 * {@code [P, D]}), everything else renamed one to one. Values are copied out as float32 when the file is written.
 * Stateless.
 */
final class OpenClipWriter {
    private OpenClipWriter() {}

    /** Adds every parameter of {@code clip} under {@code prefix} with open_clip names. */
    static void add(SafetensorsWriter w, String prefix, ClipTextModel clip) {
        for (String hf : clip.parameterKeys()) {
            KeyNames.OpenClipTensor t = KeyNames.hfToOpenClip(hf);
            String name = prefix + t.openClipKey();
            long[] shape = clip.parameter(hf).getShape().getShape(); // [P, D] or one third of a packed tensor
            if (t.part() == 0) {
                String[] parts = KeyNames.openClipPackedParts(hf).toArray(String[]::new);
                long[] packed = shape.clone();
                packed[0] *= 3;
                CheckpointWriter.addFloats(w, name, packed, () -> packed(clip, parts));
            } else if (t.transpose()) {
                // bound as a linear weight [P, D]; open_clip multiplies x·P with P of shape [D, P]
                CheckpointWriter.addFloats(w, name, new long[] {shape[1], shape[0]},
                        () -> transpose(floats(clip.parameter(hf)), (int) shape[0], (int) shape[1]));
            } else if (t.part() < 0) {
                copy(w, name, clip, hf);
            }
            // parts 1 and 2 of a packed projection are written with part 0
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
