package dev.noodle.engine.upscale;

import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.NestedPickleDict;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTree;
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
            if (PickleTree.get(root, w) instanceof Map<?, ?> m) {
                TensorSource nested = NestedPickleDict.of(p, w, m);
                if (nested != null) {
                    return nested;
                }
            }
        }
        if (p.keys().isEmpty() && ((Map<?, ?>) root).size() == 1) {
            // a single wrapper under another name
            Map.Entry<?, ?> only = ((Map<?, ?>) root).entrySet().iterator().next();
            if (only.getValue() instanceof Map<?, ?> m) {
                TensorSource nested = NestedPickleDict.of(p, String.valueOf(only.getKey()), m);
                if (nested != null) {
                    return nested;
                }
            }
        }
        return p;
    }
}
