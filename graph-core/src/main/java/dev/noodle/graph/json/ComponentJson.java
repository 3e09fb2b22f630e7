package dev.noodle.graph.json;

import dev.noodle.graph.library.Component;
import dev.noodle.graph.library.ComponentFileException;
import dev.noodle.graph.library.Components;
import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes component files: Noodle-format workflow JSON whose {@code "subgraphs"} hold one component's
 * definition and the definitions it nests, and whose {@code "component"} section names it.
 *
 * <p>{@code {"format": 1, "name": ..., "component": {"id": ..., "version": 3, "description": ..., "definition":
 * "<root definition id>"}, "nodes": {}, "subgraphs": {...}}}. Every failure is a {@link ComponentFileException} naming
 * the file. Stateless and thread-safe.
 */
public final class ComponentJson {
    private ComponentJson() {}

    /** Reads a component file. */
    public static Component read(Path file) {
        String source = file.toString();
        try {
            long size = Files.size(file);
            if (size > JsonValues.MAX_DOCUMENT_BYTES) {
                throw new ComponentFileException(source, "the file is " + size + " bytes, more than a component may"
                        + " have");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), source);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ComponentFileException(source, "the file is not UTF-8 text");
        } catch (IOException e) {
            throw new ComponentFileException(source, "cannot read the file (" + e + ")");
        }
    }

    /** Parses a component file's JSON; {@code source} names it in errors. */
    public static Component parse(String json, String source) {
        Workflow wf;
        try {
            wf = WorkflowJson.parse(json, source);
        } catch (WorkflowFormatException e) {
            String prefix = "Cannot read workflow " + source;
            String why = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length())
                    : ": " + e.getMessage();
            throw new ComponentFileException(source, "it is not a readable Noodle file" + why);
        }
        if (!(wf.extra().get("component") instanceof Map<?, ?> meta)) {
            throw new ComponentFileException(source, "it has no \"component\" object; it is a workflow, not a"
                    + " component (open it as a workflow instead)");
        }
        Object id = meta.get("id");
        if (!(id instanceof String sid) || sid.isBlank()) {
            throw new ComponentFileException(source, "\"component\".\"id\" must be non-empty text");
        }
        Object version = meta.get("version");
        if (!(version instanceof Long v) || v < 1 || v > Integer.MAX_VALUE) {
            throw new ComponentFileException(source, "\"component\".\"version\" must be a whole number of 1 or"
                    + " more, got " + version);
        }
        Object root = meta.get("definition");
        if (!(root instanceof String rootId) || !wf.subgraphs().containsKey(rootId)) {
            throw new ComponentFileException(source, "\"component\".\"definition\" must name one of the file's"
                    + " \"subgraphs\", got " + root);
        }
        Object description = meta.get("description");
        if (description != null && !(description instanceof String)) {
            throw new ComponentFileException(source, "\"component\".\"description\" must be text");
        }
        ComponentRef ref = new ComponentRef(sid, v.intValue());
        Subgraph def = wf.subgraphs().get(rootId);
        if (def.component() != null && !def.component().equals(ref)) {
            throw new ComponentFileException(source, "the definition says it is component " + def.component().id()
                    + " version " + def.component().version() + ", the file says " + sid + " version " + v);
        }
        Map<String, Subgraph> defs = new LinkedHashMap<>(wf.subgraphs());
        defs.put(rootId, def.withComponent(ref));
        Map<String, Subgraph> used;
        try {
            used = Components.closure(defs, rootId);
        } catch (IllegalArgumentException e) {
            throw new ComponentFileException(source, e.getMessage()
                    + (e.getMessage().contains("nests itself") ? "; remove the inner use of it" : ""));
        }
        String name = wf.name() == null || wf.name().isBlank() ? def.name() : wf.name();
        return new Component(sid, v.intValue(), name, (String) description, rootId, used);
    }

    /** The JSON of a component file. */
    public static String write(Component c) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("id", c.id());
        meta.put("version", c.version());
        meta.put("description", c.description());
        meta.put("definition", c.rootId());
        Workflow wf = new Workflow(Workflow.CURRENT_FORMAT, c.name(), Map.of(), Layout.empty(),
                Map.of("component", meta), c.definitions(), List.of());
        return WorkflowJson.write(wf);
    }

    /** Saves a component file atomically (the previous file stays whole when writing fails). */
    public static void save(Component c, Path file) throws IOException {
        AtomicFiles.writeBytes(file, write(c).getBytes(StandardCharsets.UTF_8));
    }
}
