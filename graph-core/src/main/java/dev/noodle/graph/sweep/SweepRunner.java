package dev.noodle.graph.sweep;

import dev.noodle.graph.exec.Planner;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.EffectiveGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Runs a sweep's cells one after another through one executor and its result cache, so each cell re-runs only the
 * nodes its values touch (the cache keys results by input signature) and everything upstream comes from the cache.
 *
 * <p>Order: AUTOMATIC1111's X/Y/Z plot runs Z outermost, then Y, with X innermost, unless an axis is costlier to
 * change (its checkpoint or VAE axes carry a fixed "cost") — then that axis goes outermost, so it changes least often.
 * Here the cost is measured, not declared: the number of nodes that re-run when the axis's value changes (the node
 * itself and everything downstream of it in the plan; nothing is run to measure it). Axes are ordered by that cost, dearest outermost, ties in A1111's
 * Z, Y, X order. With a cache large enough for every result the order changes nothing; when results must be evicted,
 * the dearest axis changing least often keeps what it feeds cached longest.
 *
 * <p>Progress goes to a {@link SweepListener} per cell, with the cell's node events. Cancellation is checked between
 * cells, and inside a cell by the executor and the nodes (the same {@link CancellationToken}). A cell that fails is
 * recorded and the sweep goes on (A1111 leaves that cell empty); an invalid workflow stops the sweep. One sweep at a
 * time per runner.
 */
public final class SweepRunner {
    /** Runs one workflow: {@link dev.noodle.graph.exec.GraphExecutor#run}, or a host's runner around one. */
    @FunctionalInterface
    public interface CellRunner {
        /** Runs {@code wf}; never throws for node failures. */
        RunResult run(Workflow wf, RunOptions options, RunListener listener, CancellationToken token);
    }

    private final NodeRegistry registry;
    private final CellRunner runner;
    private final Planner planner = new Planner();

    /**
     * A runner whose cells run through {@code runner} ({@link dev.noodle.graph.exec.GraphExecutor#run}, or a host's
     * runner around one executor: its cache is what the cells share); {@code registry} holds the node types, to
     * measure the axes' costs.
     */
    public SweepRunner(NodeRegistry registry, CellRunner runner) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.runner = Objects.requireNonNull(runner, "runner");
    }

    /**
     * The axes from outermost to innermost (0 = X, 1 = Y, 2 = Z): by measured cost, dearest first, ties Z, Y, X.
     */
    public List<Integer> axisOrder(Sweep sweep, Workflow base) {
        int n = sweep.axes().size();
        int[] cost = new int[n];
        Workflow first = sweep.cell(base, 0, 0, 0).workflow();
        for (int i = 0; i < n; i++) {
            if (sweep.size(i) > 1) {
                int[] at = new int[3];
                at[i] = 1;
                cost[i] = changedNodes(first, sweep.cell(base, at[0], at[1], at[2]).workflow());
            }
        }
        List<Integer> order = new ArrayList<>();
        for (int i = n - 1; i >= 0; i--) {
            order.add(i); // Z, Y, X: A1111's default, kept among equal costs (the sort is stable)
        }
        order.sort(Comparator.comparingInt((Integer i) -> cost[i]).reversed());
        return order;
    }

    /**
     * How many planned nodes of {@code b} re-run after {@code a}: those whose own inputs differ (compared after
     * flattening, so a subgraph's promoted input counts at the inner nodes it feeds) and everything downstream.
     */
    private int changedNodes(Workflow a, Workflow b) {
        try {
            EffectiveGraph ga = EffectiveGraph.build(a, registry);
            EffectiveGraph gb = EffectiveGraph.build(b, registry);
            Set<String> changed = new HashSet<>();
            for (String id : planner.plan(gb, Set.of()).order()) {
                boolean c = !Objects.equals(ga.nodes().get(id), gb.nodes().get(id));
                for (String dep : gb.dependencies(id)) {
                    c |= changed.contains(dep);
                }
                if (c) {
                    changed.add(id);
                }
            }
            return changed.size();
        } catch (RuntimeException e) {
            return 0; // a graph that cannot be planned: its first cell's run says why
        }
    }

    /** The cells in the order they run (see {@link #axisOrder}). */
    public List<SweepCell> runOrder(Sweep sweep, Workflow base) {
        List<Integer> axes = axisOrder(sweep, base);
        List<SweepCell> cells = new ArrayList<>();
        int[] at = new int[3];
        visit(sweep, base, axes, 0, at, cells);
        return cells;
    }

    private static void visit(Sweep sweep, Workflow base, List<Integer> axes, int depth, int[] at,
            List<SweepCell> out) {
        if (depth == axes.size()) {
            out.add(sweep.cell(base, at[0], at[1], at[2]));
            return;
        }
        int axis = axes.get(depth);
        for (int v = 0; v < sweep.size(axis); v++) {
            at[axis] = v;
            visit(sweep, base, axes, depth + 1, at, out);
        }
        at[axis] = 0;
    }

    /**
     * Runs every cell of {@code sweep} over {@code base}; never throws for node failures.
     *
     * @param runIdPrefix each cell's run id is this, {@code -}, and the cell's grid index
     */
    public SweepResult run(Sweep sweep, Workflow base, String runIdPrefix, SweepListener listener,
            CancellationToken token) {
        SweepListener events = safe(listener == null ? SweepListener.none() : listener);
        CancellationToken cancel = token == null ? new CancellationToken() : token;
        List<SweepCell> order = runOrder(sweep, base);
        SweepCellResult[] results = new SweepCellResult[sweep.cellCount()];
        List<Integer> ran = new ArrayList<>();
        int failed = 0;
        for (int i = 0; i < order.size(); i++) {
            SweepCell cell = order.get(i);
            if (cancel.isCancelled()) {
                return end(sweep, SweepResult.Status.CANCELLED, results, ran,
                        "Sweep cancelled after " + i + " of " + order.size() + " cell(s)");
            }
            events.cellStarted(cell, i + 1, order.size());
            List<String> executed = new ArrayList<>();
            List<String> cached = new ArrayList<>();
            RunListener forward = e -> {
                if (e instanceof RunEvent.NodeStarted s) {
                    executed.add(s.nodeId());
                } else if (e instanceof RunEvent.NodeCached c) {
                    cached.add(c.nodeId());
                }
                events.event(cell, e);
            };
            RunResult r = runner.run(cell.workflow(), new RunOptions(Set.of(), runIdPrefix + "-" + cell.index()),
                    forward, cancel);
            SweepCellResult cr = new SweepCellResult(cell, r, executed, cached);
            results[cell.index()] = cr;
            ran.add(cell.index());
            events.cellFinished(cr, i + 1, order.size());
            switch (r.status()) {
                case CANCELLED -> {
                    return end(sweep, SweepResult.Status.CANCELLED, results, ran,
                            "Sweep cancelled in cell " + (i + 1) + " of " + order.size() + " (" + cell.describe()
                                    + ")");
                }
                case INVALID -> {
                    return end(sweep, SweepResult.Status.INVALID, results, ran,
                            "The workflow is not valid in cell " + cell.describe() + ": " + r.message());
                }
                case FAILED -> failed++;
                case SUCCESS -> { }
            }
        }
        return failed == 0
                ? end(sweep, SweepResult.Status.SUCCESS, results, ran, "Ran " + order.size() + " cell(s)")
                : end(sweep, SweepResult.Status.FAILED, results, ran,
                        failed + " of " + order.size() + " cell(s) failed");
    }

    private static SweepResult end(Sweep sweep, SweepResult.Status status, SweepCellResult[] results,
            List<Integer> ran, String message) {
        return new SweepResult(sweep, status, Arrays.asList(results), ran, message);
    }

    private static SweepListener safe(SweepListener l) {
        return new SweepListener() {
            @Override
            public void cellStarted(SweepCell cell, int ordinal, int total) {
                try {
                    l.cellStarted(cell, ordinal, total);
                } catch (RuntimeException ignored) {
                    // a broken listener must not break the sweep
                }
            }

            @Override
            public void event(SweepCell cell, RunEvent event) {
                try {
                    l.event(cell, event);
                } catch (RuntimeException ignored) {
                    // as above
                }
            }

            @Override
            public void cellFinished(SweepCellResult result, int ordinal, int total) {
                try {
                    l.cellFinished(result, ordinal, total);
                } catch (RuntimeException ignored) {
                    // as above
                }
            }
        };
    }
}
