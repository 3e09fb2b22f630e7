package dev.noodle.engine.io;

import dev.noodle.engine.io.pickle.PickleCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Converts a model file (a legacy pickle checkpoint or safetensors) to safetensors, keeping every tensor's dtype
 * and values bit for bit. The output is written atomically, one tensor in memory at a time. Stateless.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {}

    /**
     * Converts {@code in} to a safetensors file at {@code out}.
     *
     * @return the number of tensors written
     */
    public static int toSafetensors(Path in, Path out) throws IOException {
        try (ModelFile src = ModelFiles.open(in)) {
            if (src.keys().isEmpty()) {
                throw new ModelFormatException(in + " holds no tensors to convert, so nothing was written. "
                        + whatItSeemsToBe(src));
            }
            SafetensorsWriter w = new SafetensorsWriter();
            src.metadata().forEach(w::metadata);
            w.metadata("format", "pt");
            w.metadata("noodle_converted_from", String.valueOf(in.getFileName()));
            for (String key : src.keys()) {
                TensorInfo info = src.info(key);
                w.add(key, info.dtype(), info.shape(), () -> src.readBytes(key));
            }
            w.write(out);
            return src.keys().size();
        }
    }

    /**
     * What a file without a state dict seems to be and what to do with it: A1111 hypernetworks and textual-inversion
     * embeddings keep their tensors inside nested structures, and Noodle reads them as they are.
     */
    static String whatItSeemsToBe(ModelFile src) {
        if (src instanceof PickleCheckpoint pk && pk.root() instanceof Map<?, ?> root) {
            boolean widths = root.keySet().stream().anyMatch(k -> k instanceof Long);
            if (widths && (root.containsKey("layer_structure") || root.containsKey("activation_func"))) {
                return "It looks like an AUTOMATIC1111 hypernetwork: put it in models/hypernetworks/ as it is;"
                        + " it needs no conversion (the HypernetworkLoader node reads it safely).";
            }
            if (root.containsKey("string_to_param") || root.containsKey("emb_params")) {
                return "It looks like a textual-inversion embedding: put it in models/embeddings/ as it is and write"
                        + " embedding:" + stem(src.path()) + " in a prompt; it needs no conversion.";
            }
            List<String> keys = root.keySet().stream().map(String::valueOf).sorted().limit(8).toList();
            return "It is not a model checkpoint (its top level holds " + keys + "); convert only .ckpt/.pt files"
                    + " whose tensors are in a state dict.";
        }
        return "It is not a model checkpoint; convert only .ckpt/.pt files whose tensors are in a state dict.";
    }

    private static String stem(Path p) {
        return String.valueOf(p.getFileName()).replaceFirst("\\.[^.]+$", "");
    }
}
