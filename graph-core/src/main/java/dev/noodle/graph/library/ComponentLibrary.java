package dev.noodle.graph.library;

import dev.noodle.graph.json.ComponentJson;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A component library: a folder of component files ({@code *.json}), by default {@code components/} beside the
 * models folder.
 *
 * <p>Each file holds the newest version of one component; publishing a new version rewrites that component's file,
 * publishing a new component writes a new file named after it. Files that cannot be read are reported by {@link
 * #scan()} and otherwise skipped. Reads the folder on every call, so files copied in by hand show up; not meant for
 * concurrent publishing from several processes.
 */
public final class ComponentLibrary {
    /** The folder name used beside the models folder. */
    public static final String DEFAULT_FOLDER = "components";

    private final Path folder;
    private final Supplier<String> ids;

    /** A library in this folder (created on the first publish), with random component ids. */
    public ComponentLibrary(Path folder) {
        this(folder, Components.RANDOM_IDS);
    }

    /** A library in this folder, taking new component ids from {@code ids}. */
    public ComponentLibrary(Path folder, Supplier<String> ids) {
        this.folder = Objects.requireNonNull(folder, "folder");
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** The default library: {@code components/} beside {@code models} (in the working directory if it has none). */
    public static ComponentLibrary besideModels(Path models) {
        Path parent = models.toAbsolutePath().normalize().getParent();
        return new ComponentLibrary(parent == null ? Path.of(DEFAULT_FOLDER) : parent.resolve(DEFAULT_FOLDER));
    }

    /** The folder. */
    public Path folder() {
        return folder;
    }

    /** One component file. */
    public record Entry(Path file, Component component) {}

    /**
     * The library's contents.
     *
     * @param components the components by name, one entry (the newest version) per id
     * @param problems one line per file that could not be read, naming it
     */
    public record Listing(List<Entry> components, List<String> problems) {
        /** Copies the lists. */
        public Listing {
            components = List.copyOf(components);
            problems = List.copyOf(problems);
        }

        /** The newest version of this component, if the library has it. */
        public Optional<Component> newest(String id) {
            return components.stream().map(Entry::component).filter(c -> c.id().equals(id)).findFirst();
        }
    }

    /** Reads every component file in the folder (a missing folder is an empty library). */
    public Listing scan() {
        Map<String, Entry> byId = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder, "*.json")) {
            dir.forEach(files::add);
        } catch (NoSuchFileException e) {
            return new Listing(List.of(), List.of());
        } catch (IOException e) {
            return new Listing(List.of(), List.of("Cannot list the component library " + folder + ": " + e));
        }
        files.sort(Comparator.naturalOrder());
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                continue;
            }
            try {
                Component c = ComponentJson.read(f);
                Entry seen = byId.get(c.id());
                if (seen != null) {
                    problems.add("Component \"" + c.name() + "\" is in both " + seen.file().getFileName() + " and "
                            + f.getFileName() + "; the newer version is used, delete the other file");
                }
                if (seen == null || seen.component().version() < c.version()) {
                    byId.put(c.id(), new Entry(f, c));
                }
            } catch (ComponentFileException e) {
                problems.add(e.getMessage());
            }
        }
        List<Entry> sorted = new ArrayList<>(byId.values());
        sorted.sort(Comparator.comparing((Entry e) -> e.component().name().toLowerCase(Locale.ROOT))
                .thenComparing(e -> e.component().id()));
        return new Listing(sorted, problems);
    }

    /** The newest version of a component, if the library has it. */
    public Optional<Component> newest(String id) {
        return scan().newest(id);
    }

    /** Publishes a workflow's definition as a new component (new id, version 1) and writes its file. */
    public Components.Published publishNew(Workflow wf, String definitionId, String name, String description)
            throws IOException {
        Components.Published p = Components.publishNew(wf, definitionId, name, description, ids);
        write(p.component(), null);
        return p;
    }

    /**
     * Publishes a definition taken from the library as that component's next version and rewrites its file; refused
     * ({@link ComponentConflictException}) when the library already has a newer version than the copy was made from.
     */
    public Components.Published publishVersion(Workflow wf, String definitionId) throws IOException {
        Subgraph def = wf.subgraphs().get(definitionId);
        if (def == null || def.component() == null) {
            throw new IllegalArgumentException("subgraph " + definitionId + " is not from the library");
        }
        Entry current = scan().components().stream()
                .filter(e -> e.component().id().equals(def.component().id())).findFirst().orElse(null);
        Components.Published p = Components.publishVersion(wf, definitionId,
                current == null ? null : current.component());
        write(p.component(), current == null ? null : current.file());
        return p;
    }

    private void write(Component c, Path existing) throws IOException {
        Files.createDirectories(folder);
        Path file = existing;
        if (file == null) {
            String base = slug(c.name());
            file = folder.resolve(base + ".json");
            for (int i = 2; Files.exists(file); i++) {
                file = folder.resolve(base + "-" + i + ".json");
            }
        }
        ComponentJson.save(c, file);
    }

    /** A file name made of a component name: lower-case letters and digits joined by dashes. */
    static String slug(String name) {
        String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (s.length() > 48) {
            s = s.substring(0, 48).replaceAll("-+$", "");
        }
        return s.isEmpty() ? "component" : s;
    }
}
