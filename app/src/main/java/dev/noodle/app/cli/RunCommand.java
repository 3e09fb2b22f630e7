package dev.noodle.app.cli;

import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.form.WorkflowForm;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NodePacks;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code noodle run FILE}: validates and runs a workflow headless. Exit codes: 0 success, 2 invalid workflow or
 * input (every problem listed, one line each), 1 a node failed at run time, 130 cancelled (Ctrl+C).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a workflow headless and print the path of each image it saves.",
                "FILE is any of: a Noodle workflow (.json); a ComfyUI API prompt (.json); a ComfyUI UI workflow"
                        + " (.json); a PNG made by Noodle or ComfyUI (its embedded workflow) or by AUTOMATIC1111 (its"
                        + " infotext, turned into an equivalent graph)."})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "The workflow: Noodle or ComfyUI (API prompt or UI) JSON, or a PNG from Noodle, ComfyUI or"
                    + " AUTOMATIC1111.")
    Path file;

    @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: ./output).")
    Path out = Path.of("output");

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Set a field of the workflow's form by name (see --form), e.g. --set seed=42, or any literal"
                    + " input as NODE.INPUT=VALUE, e.g. --set 3.seed=42 --set 6.text='a cat'. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--form", description = "Print the workflow's form (names, types, ranges or options, current"
            + " values, after any --set) and exit without running.")
    boolean showForm;

    @Option(names = "--repeat", paramLabel = "N", hidden = true,
            description = "Run the workflow N times in one process (shows caching).")
    int repeat = 1;

    @Option(names = "--noise-mode", paramLabel = "MODE",
            description = "comfy (default) or a1111: for samplers without a noise_mode, the seed noise (CPU"
                    + " torch.randn, or AUTOMATIC1111 / stable-diffusion.cpp Philox GPU noise); for text encoders"
                    + " without a prompt_style, how prompts are read (A1111: [word], BREAK, embeddings by name).")
    String noiseMode;

    @Option(names = "--extra-model-paths", paramLabel = "FILE",
            description = "A ComfyUI extra_model_paths.yaml listing more model folders (default: the one beside the"
                    + " models folder, if any).")
    Path extraModelPaths;

    @Option(names = "--disable-custom-nodes",
            description = "Run without the node packs in custom_nodes/ beside the models folder.")
    boolean disableCustomNodes;

    @Option(names = "--debug", description = "Print stack traces for errors.")
    boolean debug;

    @Option(names = "--timings", description = "At the end, print where the wall time went: launcher and JVM start,"
            + " engine start, each node (a sampler split at its first step), with the times to the first step and"
            + " to the saved image.")
    boolean timings;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "Set a few-step preset (sampler, scheduler, steps, cfg; model sampling and size where the"
                    + " family wants them) on every KSampler before any --set: lcm, turbo, lightning-4, hyper-8, tcd"
                    + " … ('--preset list' lists them with their sources).")
    String preset;

    @Override
    public Integer call() {
        if ("list".equalsIgnoreCase(preset)) {
            System.out.println(dev.noodle.nodes.sampling.FewStepPresets.table());
            return 0;
        }
        if (preset != null && dev.noodle.nodes.sampling.FewStepPresets.find(preset).isEmpty()) {
            System.err.println("noodle: unknown preset '" + preset + "'; known: "
                    + dev.noodle.nodes.sampling.FewStepPresets.ids() + " (or --preset list)");
            return 2;
        }
        if (file == null) {
            System.err.println("noodle: run needs a workflow FILE (or --preset list)");
            return 2;
        }
        if (noiseMode != null) {
            if (!noiseMode.equals("comfy") && !noiseMode.equals("a1111")) {
                System.err.println("noodle: --noise-mode must be comfy or a1111, not '" + noiseMode + "'");
                return 2;
            }
        }
        RunTimings clock = timings ? new RunTimings(System.getenv("NOODLE_LAUNCHED")) : null;
        RunSetup setup = RunSetup.open(file, models, out, extraModelPaths, disableCustomNodes);
        mark(clock, "command line, folders, node set");
        if (setup == null) {
            return 2;
        }
        NodeEnvironment env = setup.env();
        NodeRegistry registry = setup.registry();
        NodePacks packs = setup.packs();
        Workflow wf;
        try {
            wf = WorkflowLoader.load(file, registry, env);
            wf = WorkflowLoader.findModels(file, wf, env);
            if (preset != null) {
                var p = dev.noodle.nodes.sampling.FewStepPresets.require(preset);
                wf = dev.noodle.nodes.sampling.FewStepPlan.apply(wf, p);
                System.err.println("preset " + p.id() + ": " + p.settings());
            }
            wf = InputOverrides.apply(wf, registry, overrides);
            if (noiseMode != null) {
                // recorded on the samplers (not a JVM-wide setting), so the saved PNG re-runs in the same mode
                wf = InputOverrides.withCompatMode(wf, registry, noiseMode);
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("noodle: " + e.getMessage());
            packs.close();
            return 2;
        }
        if (showForm) {
            FormPrinter.print(file.toString(), WorkflowForm.of(wf, registry), System.out);
            packs.close();
            return 0;
        }
        List<ValidationError> problems = new Validator(registry).validate(wf, Set.of());
        if (!problems.isEmpty()) {
            packs.close();
            return invalid(problems, env);
        }
        mark(clock, "read and validate the workflow");
        // Inputs in ComfyUI's prompt order, so the texts saved in the PNG do not depend on the file's order and
        // running that PNG again writes the same bytes.
        wf = ComfyApiFormat.inPromptOrder(wf, registry);
        NoodleNodes nodes = NoodleNodes.create(env, registry, packs);
        mark(clock, "engine start (libtorch)");
        // the console shows no previews: do not spend sampling time on them
        nodes.previews().setMethod(dev.noodle.nodes.host.LatentPreviews.Method.NONE);
        boolean tty = Boolean.getBoolean("noodle.tty");
        CancellationToken token = new CancellationToken();
        Thread hook = new Thread(token::cancel, "noodle-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try (nodes) {
            NoodleRunner runner = new NoodleRunner(nodes);
            SavedFiles saved = new SavedFiles(env.outputDir(), Path.of("").toAbsolutePath());
            for (int i = 0; i < Math.max(1, repeat); i++) {
                ConsoleProgress progress = new ConsoleProgress(System.err, tty, debug);
                RunTimings timed = i == 0 ? clock : null; // the first run is the cold one
                RunResult last = runner.run(wf, "run-" + (i + 1), timed == null ? progress : e -> {
                    timed.onEvent(e);
                    progress.onEvent(e);
                }, token);
                progress.finish(last);
                saved.print(last, System.out); // what finished is on disk, whether or not the run did
                if (timed != null) {
                    timed.print(System.err);
                }
                int code = exitCode(last, env);
                if (code != 0) {
                    return code;
                }
            }
            return 0;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    private static void mark(RunTimings clock, String phase) {
        if (clock != null) {
            clock.mark(phase);
        }
    }

    private int invalid(List<ValidationError> errors, NodeEnvironment env) {
        for (ValidationError e : errors) {
            System.err.println("invalid: " + e.toLine());
            MissingFileHints.hint(e, env).ifPresent(h -> System.err.println("  " + h));
        }
        System.err.println("noodle: " + errors.size() + " problem(s) in " + file + "; nothing was run.");
        return 2;
    }

    private int exitCode(RunResult r, NodeEnvironment env) {
        switch (r.status()) {
            case SUCCESS:
                return 0;
            case INVALID:
                return invalid(r.errors(), env);
            case CANCELLED:
                System.err.println("noodle: cancelled.");
                return 130;
            default:
                if (r.failedNode() == null) { // nothing ran (the engine cannot load here)
                    System.err.println("error: " + r.message());
                    return 1;
                }
                System.err.println("noodle: the run failed at node " + r.failedNode() + "; outputs of the nodes"
                        + " that finished were kept.");
                return 1;
        }
    }
}
