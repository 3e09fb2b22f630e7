package dev.noodle.graph.exec;

/** Receives the events of one run, on the executing thread; must be quick (hand off to a UI thread). */
public interface RunListener {
    /** Called for each event. */
    void onEvent(RunEvent e);

    /** A listener that ignores everything. */
    static RunListener none() {
        return e -> {};
    }
}
