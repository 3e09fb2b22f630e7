package dev.noodle.app.cli;

import dev.noodle.nodes.host.BuiltinNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The top-level {@code noodle} command: opens the editor, or dispatches to a sub-command. */
@Command(
        name = "noodle",
        mixinStandardHelpOptions = true,
        version = "Noodle " + BuiltinNodes.VERSION,
        description = "A node-graph studio for Stable Diffusion. With no command, opens the editor.",
        subcommands = {RunCommand.class, SweepCommand.class, SoakCommand.class, ConvertCommand.class,
                FetchTokenizerCommand.class, NodesCommand.class, dev.noodle.app.server.ServeCommand.class,
                dev.noodle.app.server.WorkerCommand.class, ModelsCommand.class, DoctorCommand.class,
                GpuCommand.class})
public final class NoodleCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", description = "Workflow file to open in the editor.")
    Path workflow;

    @Option(names = "--models", description = "Models root (default: ./models).")
    Path models = Path.of("models");

    @Option(names = "--out", description = "Output folder (default: ./output).")
    Path out = Path.of("output");

    @Option(names = "--components", paramLabel = "DIR",
            description = "Component library folder (default: components/ beside the models folder).")
    Path components;

    @Option(names = "--preview-method", paramLabel = "METHOD", description = "How samplers preview while they run, as ComfyUI's --preview-method: auto (TAESD when"
                    + " models/vae_approx holds the model family's decoder, else approximate colours), latent2rgb,"
                    + " taesd or none (default: auto).")
    String previewMethod = "auto";

    @Option(names = "--dark", description = "Start with the dark theme.")
    boolean dark;

    @Option(names = "--connect", paramLabel = "URL",
            description = "Run workflows on a ComfyUI-compatible server (e.g. http://host:8188) instead of locally.")
    java.net.URI connect;

    @Option(names = "--disable-custom-nodes",
            description = "Start without the node packs in custom_nodes/ beside the models folder.")
    boolean disableCustomNodes;

    @Spec
    CommandSpec spec;

    /** The configured command line: readable errors for exceptions, and sub-command suggestions for typos. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new NoodleCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(NoodleCommand::handleExecutionException);
        CommandLine.IParameterExceptionHandler standard = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, args) -> {
            // "noodle rnu x.json": picocli reads rnu as the editor's workflow and suggests by the leftover argument
            if (ex instanceof CommandLine.UnmatchedArgumentException && ex.getCommandLine() == cl && args.length > 0
                    && !Files.exists(Path.of(args[0]))) {
                List<String> close = CommandSuggestions.closest(args[0], commandNames(cl.getSubcommands().keySet()));
                if (!close.isEmpty()) {
                    cl.getErr().println(notACommand(args[0], close));
                    return 2;
                }
            }
            return standard.handleParseException(ex, args);
        });
        return cl;
    }

    /** The sub-commands, and those the {@code noodle} launcher script handles itself ({@code test}, {@code bench}). */
    private static List<String> commandNames(java.util.Set<String> subcommands) {
        List<String> names = new java.util.ArrayList<>(subcommands);
        names.addAll(List.of("test", "bench"));
        return names;
    }

    private static String notACommand(String word, List<String> close) {
        return "noodle: '" + word + "' is not a command or a file. Did you mean: "
                + String.join(" or ", close.stream().map(c -> "noodle " + c).toList()) + "?";
    }

    @Override
    public Integer call() {
        if (workflow != null && !Files.exists(workflow)) {
            List<String> close = CommandSuggestions.closest(workflow.toString(),
                    commandNames(spec.subcommands().keySet()));
            if (!close.isEmpty() && workflow.getParent() == null) {
                System.err.println(notACommand(workflow.toString(), close));
            } else {
                System.err.println("noodle: " + workflow + ": no such workflow file, and not a command ("
                        + String.join(", ", commandNames(spec.subcommands().keySet())) + "); see noodle --help");
            }
            return 2;
        }
        if (connect != null && !("http".equals(connect.getScheme()) || "https".equals(connect.getScheme()))) {
            System.err.println("noodle: --connect needs an http:// or https:// URL, e.g. http://127.0.0.1:8188");
            return 2;
        }
        dev.noodle.nodes.host.LatentPreviews.Method preview;
        try {
            preview = dev.noodle.nodes.host.LatentPreviews.Method.parse(previewMethod);
        } catch (IllegalArgumentException e) {
            System.err.println("noodle: " + e.getMessage());
            return 2;
        }
        return EditorEntry.open(workflow, models, out, dark, connect, !disableCustomNodes, components, preview);
    }

    /** Turns unexpected exceptions into one readable line (stack trace only with --debug). */
    public static int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        boolean debug = parsed.hasMatchedOption("--debug")
                || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--debug"));
        System.err.println("noodle: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (debug) {
            e.printStackTrace();
        }
        return 1;
    }
}
