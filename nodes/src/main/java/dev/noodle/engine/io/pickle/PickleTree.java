package dev.noodle.engine.io.pickle;

import dev.noodle.engine.io.ModelFormatException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks an unpickled object tree before anyone walks it recursively: nesting depth at most {@link #MAX_DEPTH}
 * and no cycles (a list containing itself). Iterative, so hostile input cannot overflow the Java stack.
 */
public final class PickleTree {
    /** Deepest nesting accepted; real checkpoints, embeddings and hypernetworks stay under 10. */
    public static final int MAX_DEPTH = 100;

    private PickleTree() {}

    /** Throws {@link ModelFormatException} naming {@code source} when the tree is too deep or cyclic. */
    public static void check(Object root, String source) {
        Set<Object> onPath = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> done = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> path = new ArrayDeque<>();
        ArrayDeque<Iterator<?>> its = new ArrayDeque<>();
        if (children(root) == null) {
            return;
        }
        path.push(root);
        onPath.add(root);
        its.push(children(root).iterator());
        while (!its.isEmpty()) {
            Iterator<?> it = its.peek();
            if (!it.hasNext()) {
                its.pop();
                Object finished = path.pop();
                onPath.remove(finished);
                done.add(finished);
                continue;
            }
            Object c = it.next();
            Collection<?> kids = children(c);
            if (kids == null || done.contains(c)) {
                continue;
            }
            if (onPath.contains(c)) {
                throw new ModelFormatException(source + " is not a usable checkpoint: its data refers to itself"
                        + " (cyclic structure).");
            }
            if (path.size() >= MAX_DEPTH) {
                throw new ModelFormatException(source + " is not a usable checkpoint: its data is nested deeper than "
                        + MAX_DEPTH + " levels.");
            }
            path.push(c);
            onPath.add(c);
            its.push(kids.iterator());
        }
    }

    private static Collection<?> children(Object o) {
        if (o instanceof Map<?, ?> m) {
            java.util.ArrayList<Object> l = new java.util.ArrayList<>(m.size() * 2);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                l.add(e.getKey());
                l.add(e.getValue());
            }
            return l;
        }
        if (o instanceof Collection<?> c) {
            return c;
        }
        if (o instanceof Py.Tuple t) {
            return t.items();
        }
        if (o instanceof Py.Instance i) {
            return java.util.Arrays.asList(i.args(), i.state());
        }
        return null;
    }

    /** Convenience for callers: the value under {@code key} of a dict, or null. */
    public static Object get(Object dict, Object key) {
        return dict instanceof Map<?, ?> m ? m.get(key) : null;
    }

    /** Convenience: the list items, or an empty list. */
    public static List<?> list(Object o) {
        return o instanceof List<?> l ? l : o instanceof Py.Tuple t ? t.items() : List.of();
    }
}
