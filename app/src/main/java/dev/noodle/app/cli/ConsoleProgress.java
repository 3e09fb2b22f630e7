package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunResult;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a run's events: a redrawn progress bar per node and per sampler step on a terminal, plain lines
 * otherwise. Node failures are printed as one line naming the node id, type and message.
 */
final class ConsoleProgress implements RunListener {
    private static final int BAR = 30;
    private final PrintStream out;
    private final boolean tty;
    private final boolean debug;
    private final Map<String, String> types = new HashMap<>();
    private int total;
    private int done;
    private long lastPlainPercent = -1;
    private boolean barOpen;

    ConsoleProgress(PrintStream out, boolean tty, boolean debug) {
        this.out = out;
        this.tty = tty;
        this.debug = debug;
    }

    @Override
    public synchronized void onEvent(RunEvent e) {
        switch (e) {
            case RunEvent.RunStarted s -> {
                total = s.plan().size();
                out.println("running " + total + " node(s)");
            }
            case RunEvent.NodeCached c -> {
                done++;
                line(String.format("[%d/%d] node %s: cached", done, total, c.nodeId()));
            }
            case RunEvent.NodeStarted s -> {
                types.put(s.nodeId(), s.nodeType());
                lastPlainPercent = -1;
                if (!tty) {
                    out.println(String.format("[%d/%d] node %s (%s) ...", done + 1, total, s.nodeId(), s.nodeType()));
                }
            }
            case RunEvent.NodeProgress p -> progress(p);
            case RunEvent.NodeMessage m -> line(String.format("%s: node %s (%s): %s",
                    m.level().toString().toLowerCase(Locale.ROOT), m.nodeId(), types.getOrDefault(m.nodeId(), "?"),
                    m.text()));
            case RunEvent.NodeFinished f -> {
                done++;
                line(String.format("[%d/%d] node %s (%s): done in %.2f s", done, total, f.nodeId(),
                        types.getOrDefault(f.nodeId(), "?"), f.nanos() / 1e9));
            }
            case RunEvent.NodeFailed f -> {
                line(String.format("error: node %s (%s): %s", f.nodeId(), f.nodeType(), f.message()));
                if (debug && f.cause() != null) {
                    f.cause().printStackTrace(out);
                }
            }
            case RunEvent.RunCancelled c -> line("cancelled at node " + c.nodeId());
            case RunEvent.RunFinished f -> line(String.format("finished: %d executed, %d cached, %.2f s",
                    f.executed(), f.cached(), f.nanos() / 1e9));
            default -> { }
        }
    }

    private void progress(RunEvent.NodeProgress p) {
        if (p.max() <= 0) {
            return;
        }
        long pct = Math.min(100, p.value() * 100 / p.max());
        String type = types.getOrDefault(p.nodeId(), "?");
        if (tty) {
            int filled = (int) (BAR * p.value() / p.max());
            out.print(String.format("\r  %s %-10s [%s%s] %d/%d", p.nodeId(), type, "#".repeat(filled),
                    "-".repeat(BAR - filled), p.value(), p.max()));
            out.flush();
            barOpen = true;
        } else if (Math.floorDiv(pct, 25) != Math.floorDiv(lastPlainPercent, 25) || p.value() == p.max()) {
            lastPlainPercent = pct;
            out.println(String.format("  node %s (%s): step %d/%d", p.nodeId(), type, p.value(), p.max()));
        }
    }

    private void line(String s) {
        if (barOpen) {
            out.print("\r" + " ".repeat(BAR + 40) + "\r");
            barOpen = false;
        }
        out.println(s);
    }

    void finish(RunResult r) {
        if (barOpen) {
            out.println();
            barOpen = false;
        }
    }
}
