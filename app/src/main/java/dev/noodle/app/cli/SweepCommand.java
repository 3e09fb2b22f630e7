package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.sweep.Sweep;
import dev.noodle.graph.sweep.SweepCell;
import dev.noodle.graph.sweep.SweepCellResult;
import dev.noodle.graph.sweep.SweepListener;
import dev.noodle.graph.sweep.SweepResult;
import dev.noodle.graph.sweep.SweepRunner;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import dev.noodle.nodes.host.SweepGrid;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code noodle sweep FILE --x NODE.INPUT=VALUES [--y ...] [--z ...]}: runs a workflow once per combination of the
 * axes' values, as AUTOMATIC1111's X/Y/Z plot, through one cache, and writes a labelled grid. Prints per cell what
 * ran and what came from the cache, each saved image, and the grid's path. Exit codes as {@code run}: 0 every cell
 * ran, 2 invalid workflow or axis, 1 a cell failed, 130 cancelled.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a workflow over a grid of values (AUTOMATIC1111's X/Y/Z plot) and save a labelled grid.",
                "VALUES is a comma list (1,2,3), a range with a step (1-5 (+2): 1, 3, 5) or a count of evenly spaced"
                        + " values (0.5-1.0 [3]: 0.5, 0.75, 1.0). INPUT may also be a name from the workflow's form.",
                "Example: noodle sweep lora.json --x 10.strength_model=0-1 [3] --y 11.stop_at_clip_layer=-1,-2"})
public final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE",
            description = "The workflow: Noodle or ComfyUI JSON, or a PNG from Noodle, ComfyUI or AUTOMATIC1111.")
    Path file;

    @Option(names = "--x", required = true, paramLabel = "NODE.INPUT=VALUES",
            description = "The grid's columns, e.g. --x 10.strength_model=0,0.5,1")
    String x;

    @Option(names = "--y", paramLabel = "NODE.INPUT=VALUES", description = "The grid's rows.")
    String y;

    @Option(names = "--z", paramLabel = "NODE.INPUT=VALUES", description = "One grid per value, side by side.")
    String z;

    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder for the cells and the grid"
            + " (default: ./output).")
    Path out = Path.of("output");

    @Option(names = "--set", paramLabel = "NODE.INPUT=VALUE",
            description = "Override a literal input for every cell, e.g. --set 3.seed=42. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--extra-model-paths", paramLabel = "FILE",
            description = "A ComfyUI extra_model_paths.yaml listing more model folders.")
    Path extraModelPaths;

    @Option(names = "--disable-custom-nodes",
            description = "Run without the node packs in custom_nodes/ beside the models folder.")
    boolean disableCustomNodes;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Override
    public Integer call() {
        if (z != null && y == null) {
            System.err.println("noodle: --z needs a --y (the grid's rows) as well");
            return 2;
        }
        RunSetup setup = RunSetup.open(file, models, out, extraModelPaths, disableCustomNodes);
        if (setup == null) {
            return 2;
        }
        NodeEnvironment env = setup.env();
        NodeRegistry registry = setup.registry();
        NodePacks packs = setup.packs();
        Workflow wf;
        Sweep sweep;
        try {
            wf = InputOverrides.apply(WorkflowLoader.findModels(file, WorkflowLoader.load(file, registry, env), env),
                    registry, overrides);
            List<String> axes = new ArrayList<>(List.of(x));
            if (y != null) {
                axes.add(y);
            }
            if (z != null) {
                axes.add(z);
            }
            sweep = Sweep.parse(wf, registry, axes);
        } catch (IOException | RuntimeException e) {
            System.err.println("noodle: " + e.getMessage());
            packs.close();
            return 2;
        }
        List<ValidationError> problems = new Validator(registry).validate(wf, Set.of());
        if (!problems.isEmpty()) {
            problems.forEach(p -> System.err.println("invalid: " + p.toLine()));
            System.err.println("noodle: " + problems.size() + " problem(s) in " + file + "; nothing was run.");
            packs.close();
            return 2;
        }
        wf = ComfyApiFormat.inPromptOrder(wf, registry);
        NoodleNodes nodes = NoodleNodes.create(env, registry, packs);
        // a sweep shows no previews: do not spend sampling time on them
        nodes.previews().setMethod(dev.noodle.nodes.host.LatentPreviews.Method.NONE);
        CancellationToken token = new CancellationToken();
        Thread hook = new Thread(token::cancel, "noodle-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try (nodes) {
            NoodleRunner runner = new NoodleRunner(nodes);
            SweepRunner sweeps = new SweepRunner(registry, runner::run);
            SavedFiles saved = new SavedFiles(env.outputDir(), Path.of("").toAbsolutePath());
            System.out.println("sweep " + sweep.cellCount() + " cell(s): " + sweep.describe());
            SweepResult result = sweeps.run(sweep, wf, "sweep", new Printer(System.out, saved, debug), token);
            if (!result.runOrder().isEmpty()) {
                Path grid = SweepGrid.write(result, registry, env.outputDir());
                System.out.println("grid " + shown(grid));
            }
            return switch (result.status()) {
                case SUCCESS -> 0;
                case CANCELLED -> {
                    System.err.println("noodle: cancelled.");
                    yield 130;
                }
                case INVALID -> {
                    System.err.println("noodle: " + result.message());
                    yield 2;
                }
                case FAILED -> {
                    System.err.println("noodle: " + result.message() + "; the grid shows them as empty cells.");
                    yield 1;
                }
            };
        } catch (IOException e) {
            System.err.println("noodle: the grid could not be written: " + e.getMessage());
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private static String shown(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path wd = Path.of("").toAbsolutePath().normalize();
        return abs.startsWith(wd) ? wd.relativize(abs).toString() : abs.toString();
    }

    /** Prints each cell's node progress (stderr, as {@code run}) and, once it ran, what ran and what was cached. */
    private static final class Printer implements SweepListener {
        private final PrintStream out;
        private final SavedFiles saved;
        private final boolean debug;
        private ConsoleProgress progress;

        Printer(PrintStream out, SavedFiles saved, boolean debug) {
            this.out = out;
            this.saved = saved;
            this.debug = debug;
        }

        @Override
        public void cellStarted(SweepCell cell, int ordinal, int total) {
            progress = new ConsoleProgress(System.err, Boolean.getBoolean("noodle.tty"), debug);
        }

        @Override
        public void event(SweepCell cell, RunEvent event) {
            progress.onEvent(event);
        }

        @Override
        public void cellFinished(SweepCellResult r, int ordinal, int total) {
            progress.finish(r.result());
            Workflow wf = r.cell().workflow();
            out.println("cell " + ordinal + "/" + total + " (" + r.cell().describe() + "): ran "
                    + nodes(wf, r.executed()) + "; cached " + nodes(wf, r.cached())
                    + (r.succeeded() ? "" : "; " + r.result().status().name().toLowerCase() + ": "
                            + r.result().message()));
            saved.print(r.result(), out);
        }

        private static String nodes(Workflow wf, List<String> ids) {
            if (ids.isEmpty()) {
                return "nothing";
            }
            List<String> parts = new ArrayList<>();
            for (String id : ids) {
                NodeInstance n = wf.node(id);
                parts.add(n == null ? id : id + " " + n.type());
            }
            return String.join(", ", parts);
        }
    }
}
