package dev.noodle.nodes.interop;

import java.util.Optional;

/**
 * Where {@link ModelHashCache} keeps hashes between runs (the model library's database). Implementations are
 * thread-safe; a store that cannot be reached answers empty and forgets, so hashing still works.
 */
public interface HashStore {
    /** The hash of kind {@code kind} ("sha256" or "addnet") of this version of the file, if recorded. */
    Optional<String> find(String kind, String realPath, long size, long mtimeMillis);

    /** Records a hash computed for this version of the file. */
    void save(String kind, String realPath, long size, long mtimeMillis, String hex);
}
