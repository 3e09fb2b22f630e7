package dev.noodle.nodes.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.ConstructorException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * ComfyUI's {@code extra_model_paths.yaml}: more folders to list and load models from, e.g. an AUTOMATIC1111 install's
 * {@code models/Stable-diffusion}. Each top-level section is a mapping with an optional {@code base_path}, an optional
 * {@code is_default: true} (its folders are searched before the models root's) and one entry per folder kind
 * ({@code checkpoints}, {@code loras}, {@code vae}, {@code embeddings}, {@code hypernetworks}); a value holds one
 * folder per line (ComfyUI's {@code |} block) or a list. {@code ~} and {@code $VAR}/{@code ${VAR}} are expanded; a
 * relative {@code base_path} (or a relative folder without one) is taken from the YAML file's own folder, as recent
 * ComfyUI does. Kinds Noodle has no nodes for (controlnet, upscale_models, configs…) are ignored.
 *
 * <p>Bad input never stops the app (bad-inputs M1/M2): a section that is not a mapping, whose {@code base_path} is
 * missing on disk, or a value of the wrong type is skipped with a warning naming the file, section and line, and
 * the other sections load; a file YAML cannot parse (tab indentation, say) loads nothing and says why. The file is
 * read with SnakeYAML's {@link SafeConstructor}, so tags such as {@code !!java.net.URL} are refused and no class is
 * ever instantiated from it; aliases, nesting and size are bounded against "billion laughs" files.
 */
public final class ExtraModelPaths {
    /** The file name ComfyUI and Noodle look for beside the models folder. */
    public static final String FILE_NAME = "extra_model_paths.yaml";

    private static final int MAX_BYTES = 1 << 20;
    private static final Pattern VAR = Pattern.compile("\\$(\\w+)|\\$\\{(\\w+)}");
    private static final Map<String, ModelKind> KINDS = Map.of(
            "checkpoints", ModelKind.CHECKPOINTS,
            "loras", ModelKind.LORAS,
            "vae", ModelKind.VAE,
            "embeddings", ModelKind.EMBEDDINGS,
            "hypernetworks", ModelKind.HYPERNETWORKS);

    private final Map<ModelKind, List<Path>> first;
    private final Map<ModelKind, List<Path>> after;
    private final List<String> warnings;

    private ExtraModelPaths(Map<ModelKind, List<Path>> first, Map<ModelKind, List<Path>> after, List<String> warnings) {
        this.first = first;
        this.after = after;
        this.warnings = List.copyOf(warnings);
    }

    /** No extra folders. */
    public static ExtraModelPaths none() {
        return new ExtraModelPaths(new EnumMap<>(ModelKind.class), new EnumMap<>(ModelKind.class), List.of());
    }

    /** Folders of {@code is_default} sections: searched before the models root's own folder. */
    public List<Path> before(ModelKind kind) {
        return first.getOrDefault(kind, List.of());
    }

    /** Folders of the other sections: searched after the models root's own folder, in file order. */
    public List<Path> after(ModelKind kind) {
        return after.getOrDefault(kind, List.of());
    }

    /** What was skipped and why, one line each, naming the file (empty when everything loaded). */
    public List<String> warnings() {
        return warnings;
    }

    /** Reads {@code file} with the process environment; a missing file is an error the caller reports. */
    public static ExtraModelPaths load(Path file) throws IOException {
        return load(file, System::getenv);
    }

    /**
     * Reads {@code file}, expanding variables from {@code env}.
     *
     * @throws IOException when the file cannot be read (missing, unreadable, over 1 MiB)
     */
    public static ExtraModelPaths load(Path file, Function<String, String> env) throws IOException {
        Path yamlFile = file.toAbsolutePath().normalize();
        if (Files.size(yamlFile) > MAX_BYTES) {
            throw new IOException(yamlFile + " is larger than 1 MiB; an extra_model_paths.yaml only lists folders");
        }
        String text = Files.readString(yamlFile, StandardCharsets.UTF_8);
        Object doc;
        try {
            doc = yaml().load(text);
        } catch (YAMLException e) {
            // SafeConstructor has no constructor for a local tag (!custom); SnakeYAML 2 refuses global tags
            // (!!java...) while composing, before any constructor runs
            if (e instanceof MarkedYAMLException m && (e instanceof ConstructorException
                    || (m.getProblem() != null && m.getProblem().contains(" tag")))) {
                return nothingLoaded(refusedTag(yamlFile, m));
            }
            return nothingLoaded(yamlFile + (e instanceof MarkedYAMLException m ? where(m.getProblemMark()) : "")
                    + ": not valid YAML (" + problem(e, text) + "); fix it (indent with spaces, not tabs). "
                    + "Nothing from it was loaded.");
        }
        if (doc == null) {
            return none();
        }
        if (!(doc instanceof Map<?, ?> sections)) {
            return nothingLoaded(yamlFile + ": the top level must be sections (name: followed by folders), not "
                    + describe(doc) + ". Nothing from it was loaded.");
        }
        List<String> warnings = new ArrayList<>();
        Map<ModelKind, List<Path>> first = new EnumMap<>(ModelKind.class);
        Map<ModelKind, List<Path>> after = new EnumMap<>(ModelKind.class);
        Path yamlDir = yamlFile.getParent();
        for (Map.Entry<?, ?> s : sections.entrySet()) {
            String name = String.valueOf(s.getKey());
            String at = yamlFile + " section '" + name + "'";
            if (!(s.getValue() instanceof Map<?, ?> section)) {
                warnings.add(at + ": skipped, it must be a mapping of folder kinds to folders, not "
                        + describe(s.getValue()));
                continue;
            }
            Path base = yamlDir;
            Object basePath = section.get("base_path");
            if (basePath != null) {
                if (!(basePath instanceof String b) || b.isBlank()) {
                    warnings.add(at + ": skipped, base_path must be a folder path, not " + describe(basePath));
                    continue;
                }
                base = yamlDir.resolve(expand(b.strip(), env)).normalize();
                if (!Files.isDirectory(base)) {
                    warnings.add(at + ": skipped, its base_path " + base + " is not a folder; correct the path or "
                            + "remove the section");
                    continue;
                }
            }
            boolean isDefault = Boolean.TRUE.equals(section.get("is_default"));
            Map<ModelKind, List<Path>> target = isDefault ? first : after;
            for (Map.Entry<?, ?> e : section.entrySet()) {
                String key = String.valueOf(e.getKey());
                ModelKind kind = KINDS.get(key.toLowerCase(Locale.ROOT));
                if (kind == null) {
                    continue; // base_path, is_default, and kinds Noodle has no nodes for
                }
                List<String> folders = folders(e.getValue());
                if (folders == null) {
                    warnings.add(at + ": '" + key + "' skipped, it must be a folder path (one per line) or a list of "
                            + "them, not " + describe(e.getValue()));
                    continue;
                }
                for (String f : folders) {
                    Path dir = base.resolve(expand(f, env)).normalize();
                    if (!Files.isDirectory(dir)) {
                        warnings.add(at + ": '" + key + "' folder " + dir + " does not exist; skipped");
                        continue;
                    }
                    List<Path> list = target.computeIfAbsent(kind, k -> new ArrayList<>());
                    if (!list.contains(dir)) {
                        list.add(dir);
                    }
                }
            }
        }
        return new ExtraModelPaths(first, after, warnings);
    }

    /**
     * The file Noodle reads when none is named: {@code extra_model_paths.yaml} beside the models folder (where
     * ComfyUI keeps it relative to its own models folder), or null when there is none.
     */
    public static Path besideModels(Path modelsRoot) {
        Path parent = modelsRoot.toAbsolutePath().normalize().getParent();
        Path f = parent == null ? null : parent.resolve(FILE_NAME);
        return f != null && Files.isRegularFile(f) ? f : null;
    }

    private static ExtraModelPaths nothingLoaded(String warning) {
        return new ExtraModelPaths(new EnumMap<>(ModelKind.class), new EnumMap<>(ModelKind.class), List.of(warning));
    }

    private static String refusedTag(Path yamlFile, MarkedYAMLException e) {
        return yamlFile + where(e.getProblemMark()) + ": refused, it uses a YAML tag Noodle does not allow ("
                + firstLine(e.getProblem()) + "); the file may only hold folder names. Nothing from it was loaded.";
    }

    private static Yaml yaml() {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        o.setMaxAliasesForCollections(20);
        o.setNestingDepthLimit(20);
        o.setCodePointLimit(MAX_BYTES);
        o.setAllowRecursiveKeys(false);
        return new Yaml(new SafeConstructor(o));
    }

    private static List<String> folders(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            for (String line : s.split("\\R")) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
            return out;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof String s) || s.isBlank()) {
                    return null;
                }
                out.add(s.strip());
            }
            return out;
        }
        return null;
    }

    /** {@code ~} at the start and {@code $VAR}/{@code ${VAR}}; unknown variables stay as written (as Python's). */
    static String expand(String path, Function<String, String> env) {
        String p = path;
        if (p.equals("~") || p.startsWith("~/")) {
            String home = env.apply("HOME");
            if (home == null) {
                home = System.getProperty("user.home");
            }
            p = home + p.substring(1);
        }
        Matcher m = VAR.matcher(p);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = env.apply(name);
            m.appendReplacement(sb, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String where(Mark mark) {
        return mark == null ? "" : " line " + (mark.getLine() + 1);
    }

    private static String problem(YAMLException e, String text) {
        String p = e instanceof MarkedYAMLException m && m.getProblem() != null ? m.getProblem() : e.getMessage();
        if (e instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            int line = m.getProblemMark().getLine();
            String[] lines = text.split("\\R", -1);
            if (line < lines.length && lines[line].indexOf('\t') >= 0) {
                return "a tab character on that line; YAML is indented with spaces";
            }
        }
        return firstLine(p);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown problem";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    private static String describe(Object v) {
        if (v == null) {
            return "an empty value";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        return "the " + v.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " '" + v + "'";
    }
}
