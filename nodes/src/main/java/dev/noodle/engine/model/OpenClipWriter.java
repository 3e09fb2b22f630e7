package dev.noodle.engine.model;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.io.WeightSet;

/**
 * Writes a text encoder bound with Hugging Face names under the open_clip names SD 2.x checkpoints use, as
 * {@link KeyNames#hfToOpenClip} names them: q/k/v projections packed row-wise into {@code attn.in_proj_weight [3D, D]}
 * / {@code in_proj_bias [3D]}, {@code text_projection} stored as {@code [D, P]} (the transpose of the bound
 * {@code [P, D]}), everything else renamed one to one. Each tensor is read when the file is written, in its stored type.
 * Stateless.
 */
final class OpenClipWriter {
    private OpenClipWriter() {}

    /**
     * Adds an encoder's parameters (Hugging Face names) under {@code prefix} with open_clip's names: q/k/v packed into
     * {@code in_proj_*}, the text projection transposed. Each tensor keeps its stored type (a packed tensor that of
     * its first part), read when the file is written.
     */
    static void add(SafetensorsWriter w, String prefix, WeightSet clip) {
        for (String hf : clip.keys()) {
            KeyNames.OpenClipTensor t = KeyNames.hfToOpenClip(hf);
            String name = prefix + t.openClipKey();
            long[] shape = clip.shape(hf); // [P, D] or one third of a packed tensor
            DType dtype = clip.dtype(hf);
            if (t.part() == 0) {
                String[] parts = KeyNames.openClipPackedParts(hf).toArray(String[]::new);
                long[] packed = shape.clone();
                packed[0] *= 3;
                w.add(name, dtype, packed, () -> WeightSet.encode(packed(clip, parts), dtype));
            } else if (t.transpose()) {
                // bound as a linear weight [P, D]; open_clip multiplies x·P with P of shape [D, P]
                w.add(name, dtype, new long[] {shape[1], shape[0]}, () -> WeightSet.encode(
                        transpose(clip.floats(hf), (int) shape[0], (int) shape[1]), dtype));
            } else if (t.part() < 0) {
                CheckpointWriter.add(w, name, clip, hf);
            }
            // parts 1 and 2 of a packed projection are written with part 0
        }
    }

    // q, k, v stacked along rows: [3D, D] (or [3D] for biases)
    private static float[] packed(WeightSet clip, String[] keys) {
        float[][] parts = new float[3][];
        int n = 0;
        for (int i = 0; i < 3; i++) {
            parts[i] = clip.floats(keys[i]);
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
