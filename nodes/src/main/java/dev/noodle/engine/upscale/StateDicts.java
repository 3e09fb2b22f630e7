package dev.noodle.engine.upscale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTensor;
import dev.noodle.engine.io.pickle.PickleTree;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the network's state dict inside an upscaler checkpoint as upscaler collections save them: training
 * frameworks (BasicSR, KAIR) wrap the weights in {@code {"params_ema": …}} or {@code {"params": …}} (the EMA copy
 * first where both exist), others in {@code model}, {@code net} or {@code state_dict}, and multi-GPU training
 * prefixes every key with {@code module.}. Stateless.
 */
public final class StateDicts {
    /** Wrapper keys, in the order they are tried (the EMA weights before the plain ones). */
    static final List<String> WRAPPERS =
            List.of("model_state_dict", "state_dict", "params_ema", "params-ema", "params", "model", "net");

    /** Key prefixes removed when every key carries them. */
    static final List<String> PREFIXES = List.of("module.", "netG.");

    private StateDicts() {}

    /**
     * The state dict inside {@code source}: a wrapped dict of a pickle checkpoint, or the keys under a common
     * {@code params_ema.}-style or {@code module.} prefix; {@code source} itself when it is already unwrapped.
     * The result reads from {@code source}, which stays open and owned by the caller.
     */
    public static TensorSource unwrap(TensorSource source) {
        TensorSource s = source;
        if (source instanceof PickleCheckpoint p) {
            s = unwrapPickle(p);
        }
        Set<String> keys = s.keys();
        if (!keys.isEmpty()) {
            for (String w : WRAPPERS) {
                if (allStartWith(keys, w + ".") && !sequential(keys, w + ".")) {
                    s = s.withPrefix(w + ".");
                    keys = s.keys();
                    break;
                }
            }
            for (String prefix : PREFIXES) {
                if (!keys.isEmpty() && allStartWith(keys, prefix)) {
                    s = s.withPrefix(prefix);
                    keys = s.keys();
                }
            }
        }
        return s;
    }

    /**
     * Whether every key continues with a number after {@code prefix}: the network's own {@code nn.Sequential} (the
     * original ESRGAN layout's {@code model.0}, {@code model.1.sub…}), not a wrapper around it.
     */
    private static boolean sequential(Set<String> keys, String prefix) {
        for (String k : keys) {
            if (k.length() == prefix.length() || !Character.isDigit(k.charAt(prefix.length()))) {
                return false;
            }
        }
        return true;
    }

    private static boolean allStartWith(Set<String> keys, String prefix) {
        for (String k : keys) {
            if (!k.startsWith(prefix)) {
                return false;
            }
        }
        return true;
    }

    private static TensorSource unwrapPickle(PickleCheckpoint p) {
        Object root = p.root();
        if (!(root instanceof Map<?, ?>)) {
            return p;
        }
        for (String w : WRAPPERS) {
            Object inner = PickleTree.get(root, w);
            if (inner instanceof Map<?, ?> m) {
                Map<String, PickleTensor> tensors = tensors(m);
                if (!tensors.isEmpty()) {
                    return new PickleDict(p, w, tensors);
                }
            }
        }
        if (p.keys().isEmpty() && ((Map<?, ?>) root).size() == 1) {
            // a single wrapper under another name
            Object inner = ((Map<?, ?>) root).values().iterator().next();
            if (inner instanceof Map<?, ?> m && !tensors(m).isEmpty()) {
                return new PickleDict(p, String.valueOf(((Map<?, ?>) root).keySet().iterator().next()), tensors(m));
            }
        }
        return p;
    }

    private static Map<String, PickleTensor> tensors(Map<?, ?> m) {
        Map<String, PickleTensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof PickleTensor t) {
                out.put(k, t);
            }
        }
        return out;
    }

    /** The tensors of one dict inside a pickle checkpoint; reads through the (open) checkpoint. */
    private static final class PickleDict implements TensorSource {
        private final PickleCheckpoint file;
        private final String wrapper;
        private final Map<String, PickleTensor> tensors;

        PickleDict(PickleCheckpoint file, String wrapper, Map<String, PickleTensor> tensors) {
            this.file = file;
            this.wrapper = wrapper;
            this.tensors = Collections.unmodifiableMap(tensors);
        }

        @Override
        public Set<String> keys() {
            return tensors.keySet();
        }

        private PickleTensor tensor(String key) {
            PickleTensor t = tensors.get(key);
            if (t == null) {
                throw new ModelFormatException(describe() + ": missing tensor '" + key + "'");
            }
            return t;
        }

        @Override
        public TensorInfo info(String key) {
            PickleTensor t = tensor(key);
            return new TensorInfo(key, t.dtype(), t.shape());
        }

        @Override
        public NDArray load(String key, NDManager manager, DataType compute) {
            return file.load(tensor(key), manager, compute);
        }

        @Override
        public float[] loadFloats(String key) {
            return file.loadFloats(tensor(key));
        }

        @Override
        public String describe() {
            return file.describe() + " [" + wrapper + "]";
        }
    }
}
