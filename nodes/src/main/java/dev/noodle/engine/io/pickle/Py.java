package dev.noodle.engine.io.pickle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The value types a restricted unpickle produces besides plain Java values. Python maps to Java as: None → null,
 * bool → Boolean, int → Long (BigInteger when wider), float → Double, str → String, bytes → byte[], list →
 * mutable List, dict/OrderedDict → LinkedHashMap, set → LinkedHashSet, tuple → {@link Tuple}, allowed class
 * instances → {@link Instance}, storages → {@link StorageRef}, tensors → {@link PickleTensor}.
 */
public final class Py {
    private Py() {}

    /** A reference to an allowed global, e.g. {@code torch.FloatStorage}. */
    public record Global(String module, String name) {
        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    /** An immutable Python tuple (may hold nulls). */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        /** Item i. */
        public Object get(int i) {
            return items.get(i);
        }

        /** Number of items. */
        public int size() {
            return items.size();
        }
    }

    /**
     * An instance of an allowed, harmless class (numpy scalar, ParameterDict, Lightning ModelCheckpoint), kept as
     * its constructor arguments and the state set by BUILD; nothing is executed.
     */
    public static final class Instance {
        private final Global type;
        private final Tuple args;
        private Object state;

        Instance(Global type, Tuple args) {
            this.type = type;
            this.args = args;
        }

        /** The class. */
        public Global type() {
            return type;
        }

        /** Constructor arguments. */
        public Tuple args() {
            return args;
        }

        /** The state passed to {@code __setstate__} (usually a dict), or null. */
        public Object state() {
            return state;
        }

        void setState(Object state) {
            this.state = state;
        }

        @Override
        public String toString() {
            return type + args.items().toString();
        }
    }

    /**
     * A storage reference from a persistent id, already checked against its zip entry.
     *
     * @param key the storage key (zip entry {@code <archive>/data/<key>})
     * @param dtype element dtype from the storage class
     * @param numel element count
     */
    public record StorageRef(String key, dev.noodle.engine.io.DType dtype, long numel) {}
}
