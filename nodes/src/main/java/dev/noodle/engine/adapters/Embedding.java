package dev.noodle.engine.adapters;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTensor;
import dev.noodle.engine.io.pickle.PickleTree;
import dev.noodle.engine.io.pickle.Py;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A textual-inversion embedding (Gal et al. 2022): N learned token vectors per text-encoder width. Reads
 * safetensors with {@code emb_params} [N, 768] (or [N, 1024] for SD2), SDXL safetensors with {@code clip_l} [N, 768]
 * and {@code clip_g} [N, 1280], and A1111 {@code .pt} files with {@code string_to_param} {'*': tensor} (plain dict or
 * {@code nn.ParameterDict}) through the safe pickle reader. Immutable and thread-safe.
 *
 * @param name the file stem, used in messages
 * @param byWidth vectors [N][width] by width (one entry, or two for SDXL)
 */
public record Embedding(String name, Map<Integer, float[][]> byWidth) {
    public Embedding {
        byWidth = Map.copyOf(byWidth);
    }

    /** Loads an embedding file (format detected from its bytes, not its extension). */
    public static Embedding load(Path file) {
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        try (ModelFile f = ModelFiles.open(file)) {
            Map<Integer, float[][]> m = new LinkedHashMap<>();
            if (f instanceof PickleCheckpoint pk && pk.keys().isEmpty()) {
                put(m, a1111(pk, stem), stem, file);
            } else {
                for (String key : List.of("emb_params", "clip_l", "clip_g", "string_to_param.*")) {
                    if (f.contains(key)) {
                        put(m, rows(f, key, stem), stem, file);
                    }
                }
            }
            if (m.isEmpty()) {
                throw new ModelFormatException(file + " is not a textual-inversion embedding: it has none of"
                        + " emb_params, clip_l/clip_g or string_to_param (keys: " + preview(f) + ").");
            }
            return new Embedding(stem, m);
        }
    }

    private static void put(Map<Integer, float[][]> m, float[][] rows, String stem, Path file) {
        if (rows.length == 0) {
            throw new ModelFormatException("Embedding '" + stem + "' (" + file + ") has no vectors.");
        }
        m.put(rows[0].length, rows);
    }

    private static float[][] a1111(PickleCheckpoint pk, String stem) {
        Object stp = PickleTree.get(pk.root(), "string_to_param");
        if (stp instanceof Py.Instance pd) { // nn.ParameterDict of the original textual-inversion code
            stp = PickleTree.get(pd.state(), "_parameters");
        }
        Object t = PickleTree.get(stp, "*");
        if (!(t instanceof PickleTensor tensor)) {
            throw new ModelFormatException(pk.path() + " is not an A1111 embedding: no string_to_param['*'] tensor"
                    + " (embedding '" + stem + "').");
        }
        return toRows(pk.loadFloats(tensor), tensor.shape(), stem);
    }

    private static float[][] rows(TensorSource f, String key, String stem) {
        return toRows(f.loadFloats(key), f.info(key).shape(), stem);
    }

    // [N, D] or [D] -> N rows of D
    private static float[][] toRows(float[] data, long[] shape, String stem) {
        if (shape.length != 1 && shape.length != 2) {
            throw new ModelFormatException("Embedding '" + stem + "' has vectors of shape " + java.util.Arrays.toString(
                    shape) + "; expected [N, width].");
        }
        int d = (int) shape[shape.length - 1];
        int n = shape.length == 1 ? 1 : (int) shape[0];
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(data, i * d, out[i], 0, d);
        }
        return out;
    }

    private static String preview(TensorSource f) {
        List<String> k = new ArrayList<>(f.keys());
        return k.size() <= 5 ? k.toString() : k.subList(0, 5) + " … (" + k.size() + ")";
    }

    /**
     * The vectors for a text encoder of this width.
     *
     * @throws ModelFormatException naming the embedding, its width(s) and the encoder's width when none fits
     */
    public float[][] vectors(int encoderWidth) {
        float[][] v = byWidth.get(encoderWidth);
        if (v == null) {
            throw new ModelFormatException("Embedding '" + name + "' was made for " + madeFor() + " (width "
                    + widths() + ") but this text encoder is " + familyHint(encoderWidth) + " (width " + encoderWidth
                    + "). Use an embedding trained for this model family.");
        }
        float[][] copy = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            copy[i] = v[i].clone();
        }
        return copy;
    }

    /** The widths this embedding has vectors for, e.g. {@code 768} or {@code 768/1280}. */
    public String widths() {
        StringBuilder s = new StringBuilder();
        byWidth.keySet().stream().sorted().forEach(w -> s.append(s.isEmpty() ? "" : "/").append(w));
        return s.toString();
    }

    /** Number of token positions the embedding takes. */
    public int tokens() {
        return byWidth.values().iterator().next().length;
    }

    /** The family the embedding's widths point to: SDXL when it has both 768 and 1280, else by its one width. */
    private String madeFor() {
        if (byWidth.containsKey(768) && byWidth.containsKey(1280)) {
            return "SDXL";
        }
        return byWidth.size() == 1 ? familyHint(byWidth.keySet().iterator().next()) : "widths " + widths();
    }

    private static String familyHint(int width) {
        return switch (width) {
            case 768 -> "SD 1.x or SDXL CLIP-L";
            case 1024 -> "SD 2.x";
            case 1280 -> "SDXL OpenCLIP bigG";
            default -> "unknown family";
        };
    }
}
