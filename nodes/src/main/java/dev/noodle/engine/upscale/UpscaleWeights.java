package dev.noodle.engine.upscale;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ExpectedTensors;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Strict binding of an upscaler's weights: every expected key must be present with its exact shape and no other key
 * may be left over; all problems are listed at once, naming the key, both shapes and the file. Weights are read as
 * float32 into a manager the network owns. Not thread-safe while loading; the loaded map is read-only afterwards.
 */
final class UpscaleWeights {
    private UpscaleWeights() {}

    /**
     * Checks {@code source} against {@code expected} (key → shape, in order) and loads every tensor into
     * {@code owner}; throws {@link ModelFormatException} naming the file and each bad key.
     *
     * @param what the architecture and its detected configuration, for messages
     */
    static Map<String, NDArray> bind(TensorSource source, Map<String, long[]> expected, String what,
            NDManager owner) {
        List<String> problems = ExpectedTensors.problems(source, expected);
        if (!problems.isEmpty()) {
            throw new ModelFormatException(source.describe() + " does not match the " + what + " it looks like: "
                    + ExpectedTensors.listed(problems)
                    + ". The file is damaged or is another architecture; re-download it.");
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String k : expected.keySet()) {
            NDArray a = source.load(k, owner, DataType.FLOAT32);
            a.attach(owner);
            out.put(k, a);
        }
        return out;
    }

    /**
     * Builds a network that owns a new manager on {@code device}: the manager is closed here when building fails
     * (a bad file), and by the network's own close otherwise.
     */
    static <T> T owned(Device device, Function<NDManager, T> build) {
        NDManager owner = NDManager.newBaseManager(device);
        try {
            return build.apply(owner);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /** The shape of {@code key}, or a clear error naming the file when it is absent. */
    static long[] shape(TensorSource source, String key, String what) {
        if (!source.contains(key)) {
            throw new ModelFormatException(source.describe() + " looks like " + what + " but has no " + key
                    + ". The file is damaged or incomplete; re-download it.");
        }
        return source.info(key).shape();
    }

    /** The shape of a 3×3 (or k×k) convolution weight: [out, in, k, k]. */
    static long[] conv(long out, long in, long k) {
        return new long[] {out, in, k, k};
    }
}
