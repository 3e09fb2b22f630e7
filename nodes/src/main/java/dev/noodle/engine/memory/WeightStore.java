package dev.noodle.engine.memory;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A model's weights as one unit that can move between devices: named arrays owned by one manager, kept on a
 * {@linkplain #home() home} device (where the model computes) and moved to the CPU when GPU memory is needed for
 * something else, and back before the model runs again ({@link ModelPlacement} decides when).
 *
 * <p>Models read their weights through {@link #view()}, a live map: after a move, every lookup returns the array
 * on the new device, so a model built over the view never holds an array the move closed. A model that adds arrays
 * of its own (a LoRA-patched copy) keeps them in a second store and reads both through {@link #layered}.
 *
 * <p>A move copies every array to the new device into a fresh manager and then closes the old manager (when this
 * store owns it), so the old device's memory is freed and nothing is left behind. Moves, closing and reads of the
 * array references are synchronized; callers must not move a store while a model computes with it (the placement
 * pins the stores a step uses). Identity equality.
 */
public final class WeightStore implements Resident, AutoCloseable {
    private final String name;
    private final Device home;
    private Map<String, NDArray> arrays;
    private NDManager owner;
    private boolean ownsArrays;
    private Device device;
    private long bytes;
    private boolean closed;
    private volatile boolean streams;

    /**
     * A store whose home is the device the arrays are on.
     *
     * @param name what the weights are, for messages ("UNet of sd15.safetensors")
     * @param arrays the weights, all on one device
     * @param owner the manager that owns the arrays, closed with this store (or after the first move); null when
     *     the caller keeps ownership (the first move then copies and leaves the originals to the caller)
     */
    public WeightStore(String name, Map<String, NDArray> arrays, NDManager owner) {
        this(name, arrays, owner, null);
    }

    /**
     * A store whose home may differ from where the arrays are now (a patch computed while the model it patches
     * was in CPU memory belongs on that model's GPU).
     *
     * @param home the device the model computes on; null for the device the arrays are on
     */
    public WeightStore(String name, Map<String, NDArray> arrays, NDManager owner, Device home) {
        this.name = Objects.requireNonNull(name, "name");
        this.arrays = new LinkedHashMap<>(arrays);
        this.owner = owner;
        this.ownsArrays = owner != null;
        Device d = null;
        long n = 0;
        for (Map.Entry<String, NDArray> e : this.arrays.entrySet()) {
            NDArray a = e.getValue();
            Device ad = a.getDevice();
            if (d == null) {
                d = ad;
            } else if (!d.equals(ad)) {
                throw new IllegalArgumentException(name + ": weight '" + e.getKey() + "' is on " + ad
                        + " but the others are on " + d);
            }
            n += a.getShape().size() * a.getDataType().getNumOfBytes();
        }
        Device now = d != null ? d : home != null ? home : owner != null ? owner.getDevice() : Device.cpu();
        this.home = home != null ? home : now;
        this.device = now;
        this.bytes = n;
    }

    /** What the weights are, for messages. */
    @Override
    public String name() {
        return name;
    }

    /** The device the model computes on: where the weights were loaded and where they return before use. */
    @Override
    public Device home() {
        return home;
    }

    /** The device the weights are on now. */
    @Override
    public synchronized Device device() {
        return device;
    }

    /** Whether the weights are on their home device. */
    public synchronized boolean atHome() {
        return device.equals(home);
    }

    /** Native bytes of the weights. */
    @Override
    public long bytes() {
        return bytes;
    }

    /** Whether the store is closed (its arrays freed). */
    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Declares that the model reading this store copies each weight to its home device as it uses it (so the
     * store may stay in CPU memory while the model computes on the GPU).
     */
    public void allowStreaming() {
        streams = true;
    }

    @Override
    public boolean streams() {
        return streams;
    }

    /** The array named {@code key} on the current device, or null when there is none. */
    public synchronized NDArray get(String key) {
        return arrays.get(key); // after close: the freed array, whose shape can still be read, as before stores
    }

    /** Whether a weight is named {@code key}. */
    public synchronized boolean contains(String key) {
        return arrays.containsKey(key);
    }

    /** The names of the weights, in their order. */
    public synchronized Set<String> keys() {
        return Collections.unmodifiableSet(arrays.keySet());
    }

    /**
     * Copies every weight to {@code target} into a fresh manager there and frees the old copies (when this store
     * owns them). A move to the device the weights are on copies too (the placement never asks for one; it gives
     * the same result, so the copy-and-free path can be checked where there is no GPU). The new arrays are kept out
     * of any {@link NDScope} the caller runs in, so a scope closing after the move cannot free them. On failure the
     * weights stay where they were, complete.
     *
     * @throws IllegalStateException when the store is closed
     */
    @Override
    public synchronized void moveTo(Device target) {
        if (closed) {
            throw new IllegalStateException(name + " was closed");
        }
        NDManager next = NDManager.newBaseManager(target, "PyTorch");
        Map<String, NDArray> moved = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
                NDArray a = e.getValue();
                // PyTorch's to() hands back the same tensor when nothing changes, so a same-device move clones
                NDArray copy;
                if (a.getDevice().equals(target)) {
                    copy = a.duplicate();
                    copy.attach(next);
                } else {
                    copy = copyTo(a, target, next);
                }
                if (e.getValue().getName() != null) {
                    copy.setName(e.getValue().getName());
                }
                NDScope.unregister(copy);
                moved.put(e.getKey(), copy);
            }
        } catch (RuntimeException | Error e) {
            next.close(); // the weights stay where they were, complete
            throw e;
        }
        if (ownsArrays && owner != null) {
            owner.close();
        }
        owner = next;
        ownsArrays = true;
        arrays = moved;
        device = target;
    }

    /**
     * A copy of {@code a} on another device, owned by {@code owner}. (DJL makes such a copy in a new child of
     * {@code a}'s manager; that empty child is closed here, so repeated copies leave nothing behind in the weights'
     * manager.)
     */
    public static NDArray copyTo(NDArray a, Device device, NDManager owner) {
        NDArray copy = a.toDevice(device, false);
        if (copy == a) {
            copy = a.duplicate();
            copy.attach(owner);
            return copy;
        }
        NDManager made = copy.getManager();
        copy.attach(owner);
        if (made != a.getManager()) {
            made.close();
        }
        return copy;
    }

    /** A read-only live map over this store: lookups see the arrays on their current device. */
    public Map<String, NDArray> view() {
        return layered(java.util.List.of(this));
    }

    /**
     * A read-only live map over several stores, the first in front: a key in an earlier store hides the same key
     * in later ones (how a patched copy replaces some of a model's weights and shares the rest). Keys keep the
     * order of the last store, then the keys only earlier stores have.
     */
    public static Map<String, NDArray> layered(java.util.List<WeightStore> frontFirst) {
        return new LiveMap(java.util.List.copyOf(frontFirst));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsArrays && owner != null) {
            owner.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + bytes + " bytes on " + device() + ")";
    }

    private static final class LiveMap extends AbstractMap<String, NDArray> {
        private final java.util.List<WeightStore> stores;

        LiveMap(java.util.List<WeightStore> stores) {
            this.stores = stores;
        }

        @Override
        public NDArray get(Object key) {
            if (!(key instanceof String k)) {
                return null;
            }
            for (WeightStore s : stores) {
                NDArray a = s.get(k);
                if (a != null) {
                    return a;
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object key) {
            if (!(key instanceof String k)) {
                return false;
            }
            for (WeightStore s : stores) {
                if (s.contains(k)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Set<Map.Entry<String, NDArray>> entrySet() {
            java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
            for (int i = stores.size() - 1; i >= 0; i--) {
                keys.addAll(stores.get(i).keys());
            }
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, NDArray>> iterator() {
                    Iterator<String> it = keys.iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Map.Entry<String, NDArray> next() {
                            String k = it.next();
                            return new AbstractMap.SimpleImmutableEntry<>(k, get(k));
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.size();
                }
            };
        }
    }
}
