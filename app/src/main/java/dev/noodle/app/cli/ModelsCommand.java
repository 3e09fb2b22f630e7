package dev.noodle.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.nodes.library.BaseModel;
import dev.noodle.nodes.library.InstallResult;
import dev.noodle.nodes.library.LibraryException;
import dev.noodle.nodes.library.ModelEntry;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.ModelType;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code noodle models}: the model library. {@code add} identifies files and files them in the right folder,
 * {@code list} shows what is recorded (kind, base model, size, AutoV2 hash, trigger words, source), {@code scan}
 * records what is already in the folders.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "The model library: add model files to the right folder, list them, index the folders.",
        subcommands = {ModelsCommand.Add.class, ModelsCommand.ListModels.class, ModelsCommand.Scan.class})
public final class ModelsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("noodle models: say what to do: add FILE..., list or scan (see noodle models --help)");
        return 2;
    }

    /** Options every sub-command has. */
    static class Root {
        @Option(names = "--models", paramLabel = "DIR", description = "Models root (default: ./models); the library"
                + " database " + ModelLibrary.FILE_NAME + " lies beside it.")
        Path models = Path.of("models");
    }

    /** {@code noodle models add FILE...}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Identify model files (checkpoint, LoRA, embedding, VAE, ControlNet, upscaler …) and their"
                    + " base model, copy each into its folder under the models root and record it.")
    public static final class Add extends Root implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE|URL", description = "Model files, or links to download:"
                + " Civitai model pages and download links, Hugging Face /resolve/ and /blob/ links, http(s) addresses"
                + " (CIVITAI_TOKEN, HF_TOKEN and https_proxy are read from the environment).")
        List<String> items;

        @Option(names = "--move", description = "Move the files instead of copying them.")
        boolean move;

        @Override
        public Integer call() {
            ModelLinkAdd links = ModelLinkAdd.fetch(items, models, System.err);
            try (ModelLibrary lib = ModelLibrary.open(models)) {
                int failed = links.failed();
                for (String item : links.remaining(items)) {
                    try {
                        InstallResult r = links.install(lib, item, move);
                        System.out.println(r.summary());
                        r.identification().warnings().forEach(w -> System.err.println("noodle: warning: "
                                + r.destination().getFileName() + ": " + w));
                    } catch (LibraryException | java.nio.file.InvalidPathException e) {
                        System.err.println("noodle: " + e.getMessage());
                        failed++;
                    }
                }
                return failed == 0 ? 0 : 1;
            } catch (LibraryException e) {
                System.err.println("noodle: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code noodle models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the recorded models: kind, base model, size, AutoV2 hash, trigger words, source.")
    public static final class ListModels extends Root implements Callable<Integer> {
        @Option(names = "--base", paramLabel = "BASE",
                description = "Only models for this base: sd15, sd2, sdxl (includes Pony), sdxl-refiner, pony.")
        String base;

        @Option(names = "--kind", paramLabel = "KIND", description = "Only this kind: checkpoint, lora (includes"
                + " LyCORIS), embedding, hypernetwork, vae, taesd, controlnet, t2i-adapter, upscaler, clip-vision,"
                + " ip-adapter, style-model, gligen.")
        String kind;

        @Option(names = "--json", description = "Print JSON (one array of objects) instead of a table.")
        boolean json;

        @Override
        public Integer call() {
            BaseModel b = null;
            if (base != null) {
                b = BaseModel.parse(base).orElse(null);
                if (b == null) {
                    System.err.println("noodle: --base " + base + " is not a base model; use one of "
                            + Arrays.stream(BaseModel.values()).map(BaseModel::id).collect(Collectors.joining(", ")));
                    return 2;
                }
            }
            ModelType t = null;
            if (kind != null) {
                t = ModelType.parse(kind).orElse(null);
                if (t == null) {
                    System.err.println("noodle: --kind " + kind + " is not a kind of model; use one of "
                            + Arrays.stream(ModelType.values()).map(ModelType::id).collect(Collectors.joining(", ")));
                    return 2;
                }
            }
            try (ModelLibrary lib = ModelLibrary.open(models)) {
                List<ModelEntry> entries = lib.list(b, t);
                if (json) {
                    System.out.println(toJson(entries));
                } else if (entries.isEmpty()) {
                    System.out.println(lib.list(null, null).isEmpty()
                            ? "No models recorded yet. Run 'noodle models scan' to index " + lib.root()
                                    + ", or 'noodle models add FILE' to add one."
                            : "No recorded model matches.");
                } else {
                    printTable(entries, System.out);
                }
                return 0;
            } catch (LibraryException e) {
                System.err.println("noodle: " + e.getMessage());
                return 1;
            }
        }
    }

    /** {@code noodle models scan}. */
    @Command(name = "scan", mixinStandardHelpOptions = true,
            description = "Record every model already in the folders under the models root (new and changed files are"
                    + " identified and hashed; removed ones are forgotten).")
    public static final class Scan extends Root implements Callable<Integer> {
        @Override
        public Integer call() {
            try (ModelLibrary lib = ModelLibrary.open(models)) {
                ModelLibrary.ScanReport r = lib.scan();
                r.problems().forEach(p -> System.err.println("noodle: warning: " + p));
                System.out.println("scanned " + lib.root() + ": " + r.added() + " added, " + r.updated()
                        + " updated, " + r.unchanged() + " unchanged, " + r.removed() + " removed"
                        + (r.problems().isEmpty() ? "" : ", " + r.problems().size() + " not recorded or misplaced"
                                + " (see above)"));
                return 0;
            } catch (LibraryException e) {
                System.err.println("noodle: " + e.getMessage());
                return 1;
            }
        }
    }

    static void printTable(List<ModelEntry> entries, PrintStream out) {
        String[] head = {"KIND", "BASE", "SIZE", "AUTOV2", "TRIGGER WORDS", "SOURCE", "FILE"};
        List<String[]> rows = new java.util.ArrayList<>();
        rows.add(head);
        for (ModelEntry e : entries) {
            String kindText = e.type().displayName() + (e.variant().isEmpty() ? "" : " (" + e.variant() + ")");
            String triggers = String.join(", ", e.triggerWords());
            if (triggers.length() > 40) {
                triggers = triggers.substring(0, 39) + "…";
            }
            String source = !e.pageUrl().isEmpty() ? e.pageUrl() : e.sourceUrl();
            rows.add(new String[] {kindText, baseText(e), size(e.size()), e.autoV2(), triggers.isEmpty() ? "-"
                    : triggers, source.isEmpty() ? "-" : source, e.path()});
        }
        int[] width = new int[head.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                b.append(i == r.length - 1 ? r[i] : ("%-" + width[i] + "s  ").formatted(r[i]));
            }
            out.println(b.toString().stripTrailing());
        }
    }

    private static String baseText(ModelEntry e) {
        if (e.type() == ModelType.UPSCALER || e.type() == ModelType.CLIP_VISION) {
            return "-";
        }
        return e.base() == BaseModel.UNKNOWN ? "unknown" : e.base().displayName();
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    static String toJson(List<ModelEntry> entries) {
        ObjectMapper m = new ObjectMapper();
        ArrayNode arr = m.createArrayNode();
        for (ModelEntry e : entries) {
            ObjectNode o = arr.addObject();
            o.put("path", e.path());
            o.put("kind", e.type().id());
            o.put("base", e.base().id());
            o.put("variant", e.variant());
            o.put("size", e.size());
            o.put("sha256", e.sha256());
            o.put("autov2", e.autoV2());
            if (!e.addnetHash().isEmpty()) {
                o.put("addnet", e.addnetHash());
            }
            ArrayNode words = o.putArray("trigger_words");
            e.triggerWords().forEach(words::add);
            o.put("source_url", e.sourceUrl());
            o.put("page_url", e.pageUrl());
            o.put("title", e.title());
            o.put("notes", e.notes());
            o.put("preview", e.previewPath());
            try {
                o.set("metadata", m.readTree(e.metadataJson()));
            } catch (java.io.IOException x) {
                o.putObject("metadata");
            }
        }
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(arr);
        } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }
}
