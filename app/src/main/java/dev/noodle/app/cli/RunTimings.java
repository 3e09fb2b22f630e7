package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code run --timings}: where the wall time of a cold {@code noodle run} goes, from the launcher script's start to
 * the last saved image. The phases before the run are marked by {@link RunCommand}; those of the run come from the
 * executor's own events (a node's start, its steps, its end), so a node that reads a checkpoint's weights the first
 * time they are needed shows that cost as its own. Each phase runs from the end of the one before, so the phases add
 * up to the total. Thread-safe.
 */
final class RunTimings implements RunListener {
    /** One phase: its name and its wall seconds. */
    record Phase(String name, double seconds) {}

    private final List<Phase> phases = new ArrayList<>();
    private final Map<String, String> types = new HashMap<>();
    private final Map<String, Long> steps = new HashMap<>(); // stepped nodes that passed step 1: their step count
    private final long start;
    private long last;
    private Long firstStep;
    private Long lastImage;

    /**
     * Starts the clock at the launcher script's start ({@code launched}, as the script passes it) or, without one,
     * at the JVM's, and marks the time up to {@code main()}.
     */
    RunTimings(String launched) {
        long main = StartClock.mainNanos();
        Optional<Long> jvm = StartClock.processStartNanos().filter(t -> t <= main);
        Optional<Long> script = StartClock.launcherStartNanos(launched).filter(t -> t <= main);
        long begin = script.or(() -> jvm).orElse(main);
        this.start = begin;
        this.last = begin;
        if (script.isPresent() && jvm.isPresent()) {
            // the launcher execs the JVM, so both are one process: its start is the script's, not the JVM's
            mark("launcher script + JVM start to main()", main);
        } else if (jvm.isPresent()) {
            mark("JVM start to main()", main);
        }
    }

    /** Ends a phase now. */
    synchronized void mark(String name) {
        mark(name, System.nanoTime());
    }

    private void mark(String name, long now) {
        phases.add(new Phase(name, (now - last) / 1e9));
        last = now;
    }

    @Override
    public synchronized void onEvent(RunEvent e) {
        long now = System.nanoTime();
        switch (e) {
            case RunEvent.RunStarted s -> mark("run start (plan, cache)", now);
            case RunEvent.NodeStarted s -> types.put(s.nodeId(), s.nodeType());
            case RunEvent.NodeProgress p -> {
                if (p.value() == 1 && p.max() > 1 && !steps.containsKey(p.nodeId())) {
                    mark(node(p.nodeId()) + ": to step 1 done", now);
                    steps.put(p.nodeId(), p.max());
                    if (firstStep == null) {
                        firstStep = now;
                    }
                }
            }
            case RunEvent.NodeFinished f -> {
                Long n = steps.get(f.nodeId());
                mark(node(f.nodeId()) + (n == null ? "" : ": steps 2-" + n), now);
                if (f.ui().containsKey("images")) {
                    lastImage = now;
                }
            }
            case RunEvent.NodeFailed f -> mark(node(f.nodeId()) + " (failed)", now);
            case RunEvent.RunFinished f -> mark("run end", now);
            default -> { }
        }
    }

    private String node(String id) {
        return "node " + id + " " + types.getOrDefault(id, "?");
    }

    /** The phases so far, in order. */
    synchronized List<Phase> phases() {
        return List.copyOf(phases);
    }

    /** Prints the phases, the total, and the times to the first step and to the last saved image. */
    synchronized void print(PrintStream out) {
        mark("after the run");
        int width = phases.stream().mapToInt(p -> p.name().length()).max().orElse(10);
        out.println("timings (wall seconds; the first step and the images counted from the launcher's start):");
        for (Phase p : phases) {
            out.println(String.format(Locale.ROOT, "  %-" + width + "s %8.3f", p.name(), p.seconds()));
        }
        out.println(String.format(Locale.ROOT, "  %-" + width + "s %8.3f", "total", (last - start) / 1e9));
        if (firstStep != null) {
            out.println(String.format(Locale.ROOT, "  %-" + width + "s %8.3f", "to the first step (done)",
                    (firstStep - start) / 1e9));
        }
        if (lastImage != null) {
            out.println(String.format(Locale.ROOT, "  %-" + width + "s %8.3f", "to the image saved",
                    (lastImage - start) / 1e9));
        }
    }
}
