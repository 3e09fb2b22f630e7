package dev.noodle.nodes.library;

/** Hears how a download goes; called on the downloading thread. */
@FunctionalInterface
public interface DownloadProgress {
    /** Bytes of the file present so far (resumed bytes included) of {@code total}, or -1 when the size is unknown. */
    void update(long done, long total);

    /** A one-line event worth showing (resuming, retrying, restarting). */
    default void note(String line) {}

    /** Hears nothing. */
    DownloadProgress NONE = (done, total) -> {};
}
