package dev.noodle.nodes.values;

import dev.noodle.engine.io.WeightSet;
import java.util.function.Supplier;

/**
 * A model part whose weights are not in memory yet: made on first use (sampling, encoding), or streamed key by key
 * from its {@linkplain #weights() weights} (a file's tensors read on demand, or a merge computed per key) without
 * ever being made, which is how a merge is saved in a working set of one tensor. Thread-safe; the part is made once.
 *
 * @param <T> the model part (UNet, text encoder, autoencoder)
 */
public final class LazyPart<T> {
    private final Supplier<T> make;
    private final Supplier<WeightSet> weights;
    private final AutoCloseable onClose;
    private T made;
    private boolean closed;

    /**
     * @param make makes the part (may be slow and allocate its full size)
     * @param weights the part's weights, read one tensor at a time; nothing is made
     * @param closeMade frees a made part (null when something else owns it)
     */
    public LazyPart(Supplier<T> make, Supplier<WeightSet> weights, java.util.function.Consumer<T> closeMade) {
        this.make = make;
        this.weights = weights;
        this.onClose = () -> {
            T m;
            synchronized (this) {
                closed = true;
                m = made;
                made = null;
            }
            if (m != null && closeMade != null) {
                closeMade.accept(m);
            }
        };
    }

    /** The part, made now if it was not. */
    public synchronized T get() {
        if (closed) {
            throw new IllegalStateException("the model was already released");
        }
        if (made == null) {
            made = make.get();
        }
        return made;
    }

    /** Whether the part is in memory. */
    public synchronized boolean isMade() {
        return made != null;
    }

    /** The part's weights, read one tensor at a time (the part is not made). */
    public WeightSet weights() {
        return weights.get();
    }

    /** Frees the made part, if any; {@link #get} fails afterwards. */
    public AutoCloseable closer() {
        return onClose;
    }
}
