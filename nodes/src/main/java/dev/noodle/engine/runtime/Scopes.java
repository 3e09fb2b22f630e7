package dev.noodle.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.function.Function;
import java.util.function.Supplier;

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

    /**
     * Runs {@code body} inside an {@link NDScope}: every array created during the call is closed on return except
     * the result, which stays with the manager it was created in. Use it per block so temporaries die early.
     */
    public static NDArray scoped(Supplier<NDArray> body) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = body.get();
            NDScope.unregister(out);
            return out;
        }
    }

    /** Native bytes the arrays hold (elements × element size), e.g. a loaded model's weights. */
    public static long nativeBytes(Iterable<NDArray> arrays) {
        long n = 0;
        for (NDArray a : arrays) {
            n += a.getShape().size() * a.getDataType().getNumOfBytes();
        }
        return n;
    }
}
