package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.Function;

/**
 * Helpers for native-memory scopes: run a computation in a child {@link NDManager} that is closed afterwards and
 * keep only its result, attached to the parent. Stateless and thread-safe.
 */
public final class Scopes {
    private Scopes() {}

    /**
     * Runs {@code body} with a fresh sub-manager of {@code parent}; every temporary it creates there is freed on
     * return, and the returned array is moved to {@code parent}.
     */
    public static NDArray keep(NDManager parent, Function<NDManager, NDArray> body) {
        try (NDManager step = parent.newSubManager()) {
            NDArray out = body.apply(step);
            out.attach(parent);
            return out;
        }
    }

    /** Moves {@code a} to {@code owner} (survivor of an inner scope) and returns it. */
    public static NDArray attach(NDArray a, NDManager owner) {
        a.attach(owner);
        return a;
    }
}
