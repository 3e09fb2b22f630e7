package dev.noodle.app.ui.vm;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.subgraph.SubgraphSchemas;
import dev.noodle.graph.sweep.Sweep;
import dev.noodle.graph.sweep.SweepCell;
import dev.noodle.graph.sweep.SweepCellResult;
import dev.noodle.graph.sweep.SweepListener;
import dev.noodle.graph.sweep.SweepResult;
import dev.noodle.graph.sweep.SweepRunner;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.SweepGrid;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyDoubleWrapper;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;

/**
 * The sweep dialog's state: which widget inputs can be axes, the sweep the user described, and its progress.
 *
 * <p>{@link #start} queues the sweep on the run thread through {@link RunController#submitJob}, so it never runs
 * beside another run and Cancel stops it; its cells' node events reach the canvas as a run's do (cards show
 * running/cached, the gallery gets each cell's image), and the grid is written to the output folder and added to
 * the gallery when the sweep ends. Properties change on the UI thread only.
 */
public final class SweepViewModel {
    /** A widget input that can be an axis, as the dialog lists it. */
    public record Choice(String nodeId, String input, String label) {
        /** {@code NODE.INPUT}. */
        public String ref() {
            return nodeId + "." + input;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    private final RunController runs;
    private final RunViewModel run;
    private final NodeRegistry registry;
    private final Path outputDir;
    private final Executor ui;
    private final ReadOnlyDoubleWrapper progress = new ReadOnlyDoubleWrapper(this, "progress", 0);
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper(this, "status", "");
    private final ReadOnlyObjectWrapper<Path> grid = new ReadOnlyObjectWrapper<>(this, "grid");
    private final ReadOnlyBooleanWrapper running = new ReadOnlyBooleanWrapper(this, "running");

    /**
     * A view-model that runs sweeps through {@code runs}, shows them on {@code run}, and writes grids to
     * {@code outputDir}; {@code ui} is the UI thread's executor ({@code Platform::runLater}; direct in tests).
     */
    public SweepViewModel(RunController runs, RunViewModel run, NodeRegistry registry, Path outputDir, Executor ui) {
        this.runs = runs;
        this.run = run;
        this.registry = registry;
        this.outputDir = outputDir;
        this.ui = ui;
    }

    /**
     * The widget inputs of the selected nodes (of every node when none is selected) that can be swept: not wired,
     * not sockets, subgraph hosts' promoted inputs included; labelled {@code "10 Load LoRA: strength_model"}.
     */
    public List<Choice> choices(Workflow wf, Collection<String> selection) {
        List<Choice> out = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (!selection.isEmpty() && !selection.contains(n.id())) {
                continue;
            }
            NodeSchema schema = SubgraphSchemas.schemaOf(wf, registry, n.type()).orElse(null);
            if (schema == null) {
                continue;
            }
            for (InputSpec spec : schema.inputs()) {
                if (!(spec instanceof SocketInput<?>) && !(n.input(spec.name()) instanceof Link)) {
                    out.add(new Choice(n.id(), spec.name(), n.id() + " " + schema.displayName() + ": " + spec.name()));
                }
            }
        }
        return out;
    }

    /**
     * The sweep of these axes (X, Y, Z; a null choice or blank text ends the list) over {@code wf}.
     *
     * @throws IllegalArgumentException naming the axis and what is wrong, as the command line does
     */
    public Sweep sweep(Workflow wf, List<Choice> axes, List<String> values) {
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < axes.size(); i++) {
            Choice c = axes.get(i);
            String text = i < values.size() ? values.get(i) : null;
            if (c == null) {
                break;
            }
            specs.add(c.ref() + "=" + (text == null ? "" : text));
        }
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("choose an input for X and give its values");
        }
        return Sweep.parse(wf, registry, specs);
    }

    /**
     * Validates {@code wf} and queues the sweep (call on the UI thread).
     *
     * @return the problems that stop it (each as one line), empty when it was queued
     */
    public List<String> start(Workflow wf, Sweep sweep) {
        List<ValidationError> problems = new Validator(registry).validate(wf);
        if (!problems.isEmpty()) {
            run.invalid(problems);
            return problems.stream().map(ValidationError::toLine).toList();
        }
        running.set(true);
        progress.set(0);
        grid.set(null);
        status.set("Queued: " + sweep.cellCount() + " cell(s)");
        runs.submitJob("Sweep " + sweep.cellCount() + " cell(s)", (runId, runner, events, token) -> {
            try {
                SweepRunner sweeps = new SweepRunner(registry, runner::run);
                SweepResult result = sweeps.run(sweep, wf, runId, new SweepListener() {
                    @Override
                    public void cellStarted(SweepCell cell, int ordinal, int total) {
                        ui.execute(() -> status.set("Cell " + ordinal + "/" + total + ": " + cell.describe()));
                    }

                    @Override
                    public void event(SweepCell cell, RunEvent event) {
                        events.onEvent(event);
                    }

                    @Override
                    public void cellFinished(SweepCellResult r, int ordinal, int total) {
                        ui.execute(() -> progress.set((double) ordinal / total));
                    }
                }, token);
                Path file = result.runOrder().isEmpty() ? null : SweepGrid.write(result, registry, outputDir);
                ui.execute(() -> {
                    status.set(result.message() + (file == null ? "" : "; grid " + file.getFileName()));
                    if (file != null) {
                        grid.set(file);
                        run.showInGallery(file);
                    }
                    running.set(false);
                });
                int executed = 0;
                int cached = 0;
                for (SweepCellResult c : result.cells()) {
                    executed += c == null ? 0 : c.executed().size();
                    cached += c == null ? 0 : c.cached().size();
                }
                RunResult.Status st = switch (result.status()) {
                    case SUCCESS -> RunResult.Status.SUCCESS;
                    case CANCELLED -> RunResult.Status.CANCELLED;
                    case INVALID -> RunResult.Status.INVALID;
                    case FAILED -> RunResult.Status.FAILED;
                };
                List<ValidationError> errors = result.cells().stream()
                        .filter(c -> c != null && c.result().status() == RunResult.Status.INVALID)
                        .flatMap(c -> c.result().errors().stream()).toList();
                return new RunResult(runId, st, errors, Map.of(), executed, cached, null, result.message());
            } catch (Exception | Error e) {
                ui.execute(() -> {
                    status.set("Sweep failed: " + e.getMessage());
                    running.set(false);
                });
                throw e;
            }
        });
        return List.of();
    }

    /** The share of cells done, 0 to 1. */
    public ReadOnlyDoubleProperty progressProperty() {
        return progress.getReadOnlyProperty();
    }

    /** One line: the cell running now, or how the sweep ended. */
    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    /** The last grid written, or null. */
    public ReadOnlyObjectProperty<Path> gridProperty() {
        return grid.getReadOnlyProperty();
    }

    /** True from {@link #start} until the sweep ends. */
    public ReadOnlyBooleanProperty runningProperty() {
        return running.getReadOnlyProperty();
    }
}
