package dev.noodle.graph.library;

import dev.noodle.graph.model.ComponentRef;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.subgraph.SubgraphFlattener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Pure operations between workflows and library components: taking a definition out of a workflow as a component,
 * publishing, embedding a component's copy, and finding hosts.
 *
 * <p>A workflow keeps an embedded copy of every component it uses, each definition marked with its {@link
 * ComponentRef}, so the file opens anywhere. Stateless and thread-safe; workflows are returned as new copies.
 */
public final class Components {
    /** New definition and component ids: random UUIDs, as ComfyUI writes. */
    public static final Supplier<String> RANDOM_IDS = () -> UUID.randomUUID().toString();

    private Components() {}

    /** A workflow with a component's copy embedded, and the id of the root definition in it. */
    public record Embedded(Workflow workflow, String definitionId) {}

    /** A component just published, and the workflow whose definition now refers to it. */
    public record Published(Component component, Workflow workflow) {}

    /**
     * The definition {@code rootId} and every definition its body nests, root first; a definition that nests itself
     * is an {@link IllegalArgumentException} naming it.
     */
    public static Map<String, Subgraph> closure(Map<String, Subgraph> defs, String rootId) {
        Map<String, Subgraph> out = new LinkedHashMap<>();
        visit(defs, rootId, new ArrayList<>(), out);
        return out;
    }

    private static void visit(Map<String, Subgraph> defs, String id, List<String> stack, Map<String, Subgraph> out) {
        Subgraph def = defs.get(id);
        if (stack.contains(id)) {
            throw new IllegalArgumentException("subgraph \"" + def.name() + "\" (" + id + ") nests itself"
                    + (stack.size() > 1 ? " through \"" + defs.get(stack.get(stack.size() - 1)).name() + "\"" : ""));
        }
        if (out.containsKey(id)) {
            return;
        }
        if (stack.size() >= SubgraphFlattener.MAX_DEPTH) {
            throw new IllegalArgumentException("subgraph \"" + def.name() + "\" (" + id + ") nests deeper than "
                    + SubgraphFlattener.MAX_DEPTH + " levels");
        }
        out.put(id, def);
        stack.add(id);
        for (NodeInstance n : def.body().nodes().values()) {
            if (defs.containsKey(n.type())) {
                visit(defs, n.type(), stack, out);
            }
        }
        stack.remove(stack.size() - 1);
    }

    /**
     * The component made of a workflow's definition: that definition (renamed, with the given description and
     * reference) and every definition it nests, which keep their own references.
     */
    public static Component componentOf(
            Workflow wf, String definitionId, String id, int version, String name, String description) {
        Subgraph def = wf.subgraphs().get(definitionId);
        if (def == null) {
            throw new IllegalArgumentException("the workflow has no subgraph " + definitionId);
        }
        Map<String, Subgraph> defs = new LinkedHashMap<>(closure(wf.subgraphs(), definitionId));
        String shownName = name == null || name.isBlank() ? def.name() : name.strip();
        String text = description == null ? def.description() : description.strip();
        defs.put(definitionId, def.withName(shownName, text == null || text.isEmpty() ? null : text)
                .withComponent(new ComponentRef(id, version)));
        return new Component(id, version, shownName, text, definitionId, defs);
    }

    /** Publishes a definition as a new component (a new id, version 1); the workflow's definition refers to it. */
    public static Published publishNew(Workflow wf, String definitionId, String name, String description,
            Supplier<String> ids) {
        Component c = componentOf(wf, definitionId, ids.get(), 1, name, description);
        return new Published(c, wf.withSubgraph(c.root()));
    }

    /**
     * Publishes a definition as the next version of the component it came from ({@code inLibrary}: that component's
     * newest version in the library, or null when the library no longer has it). Refused when the library holds a
     * newer version than the copy was made from, naming both.
     */
    public static Published publishVersion(Workflow wf, String definitionId, Component inLibrary) {
        Subgraph def = wf.subgraphs().get(definitionId);
        if (def == null) {
            throw new IllegalArgumentException("the workflow has no subgraph " + definitionId);
        }
        ComponentRef ref = def.component();
        if (ref == null) {
            throw new IllegalArgumentException("subgraph \"" + def.name() + "\" is not from the library; publish it"
                    + " as a new component");
        }
        if (inLibrary != null && inLibrary.version() > ref.version()) {
            throw new ComponentConflictException("\"" + def.name() + "\" was edited from version " + ref.version()
                    + ", but the library already has version " + inLibrary.version() + " of \"" + inLibrary.name()
                    + "\": update this copy to version " + inLibrary.version() + " first, or publish it as a new"
                    + " component");
        }
        int next = (inLibrary == null ? ref.version() : Math.max(ref.version(), inLibrary.version())) + 1;
        Component c = componentOf(wf, definitionId, ref.id(), next, def.name(), def.description());
        return new Published(c, wf.withSubgraph(c.root()));
    }

    /**
     * Embeds a component's copy: its definitions join the workflow under fresh ids (nested node types follow), except
     * that a definition already embedded with the same reference and content is reused. No host is added.
     */
    public static Embedded embed(Workflow wf, Component c, Supplier<String> ids) {
        Map<String, Subgraph> defs = new LinkedHashMap<>(wf.subgraphs());
        Map<String, String> idMap = new HashMap<>();
        String root = embed(defs, c.definitions(), c.rootId(), idMap, ids, new LinkedHashSet<>());
        return new Embedded(wf.withSubgraphs(defs), root);
    }

    private static String embed(Map<String, Subgraph> target, Map<String, Subgraph> source, String id,
            Map<String, String> idMap, Supplier<String> ids, Set<String> stack) {
        String done = idMap.get(id);
        if (done != null) {
            return done;
        }
        if (!stack.add(id)) {
            throw new IllegalArgumentException("subgraph \"" + source.get(id).name() + "\" nests itself");
        }
        Subgraph def = source.get(id);
        for (NodeInstance n : def.body().nodes().values()) {
            if (source.containsKey(n.type())) {
                embed(target, source, n.type(), idMap, ids, stack);
            }
        }
        stack.remove(id);
        Subgraph mapped = retype(def, idMap);
        String chosen = null;
        if (def.component() != null) {
            for (Subgraph existing : target.values()) {
                if (def.component().equals(existing.component())
                        && mapped.withId(existing.id()).equals(existing)) {
                    chosen = existing.id();
                    break;
                }
            }
        }
        if (chosen == null) {
            chosen = freshId(target, ids);
            target.put(chosen, mapped.withId(chosen));
        }
        idMap.put(id, chosen);
        return chosen;
    }

    static String freshId(Map<String, Subgraph> taken, Supplier<String> ids) {
        for (int i = 0; i < 1000; i++) {
            String id = ids.get();
            if (!taken.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free subgraph id after 1000 tries");
    }

    /** A copy whose body node types are renamed by {@code idMap} (definition ids to definition ids). */
    static Subgraph retype(Subgraph def, Map<String, String> idMap) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        boolean changed = false;
        for (NodeInstance n : def.body().nodes().values()) {
            String to = idMap.get(n.type());
            if (to != null && !to.equals(n.type())) {
                nodes.put(n.id(), new NodeInstance(n.id(), to, n.inputs(), n.mode(), n.extra()));
                changed = true;
            } else {
                nodes.put(n.id(), n);
            }
        }
        return changed ? def.withBody(def.body().withNodes(nodes)) : def;
    }

    /** Every use of a definition: hosts at the top level first, then in definition bodies. */
    public static List<HostRef> hosts(Workflow wf, String definitionId) {
        List<HostRef> out = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (n.type().equals(definitionId)) {
                out.add(HostRef.top(n.id()));
            }
        }
        for (Subgraph def : wf.subgraphs().values()) {
            for (NodeInstance n : def.body().nodes().values()) {
                if (n.type().equals(definitionId)) {
                    out.add(new HostRef(def.id(), n.id()));
                }
            }
        }
        return out;
    }

    /** A host described for messages: {@code node 83} or {@code node 7 inside "Outer"}. */
    public static String describe(Workflow wf, HostRef host) {
        if (host.container() == null) {
            return "node " + host.nodeId();
        }
        Subgraph c = wf.subgraphs().get(host.container());
        if (host.nodeId().equals(Subgraph.OUTPUT_NODE)) {
            return "the outputs of \"" + (c == null ? host.container() : c.name()) + "\"";
        }
        return "node " + host.nodeId() + " inside \"" + (c == null ? host.container() : c.name()) + "\"";
    }

    /** The definitions reachable from the workflow's top-level nodes. */
    static Set<String> reachable(Workflow wf) {
        Set<String> out = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (wf.subgraphs().containsKey(n.type())) {
                todo.add(n.type());
            }
        }
        while (!todo.isEmpty()) {
            String id = todo.remove(todo.size() - 1);
            if (out.add(id)) {
                for (NodeInstance n : wf.subgraphs().get(id).body().nodes().values()) {
                    if (wf.subgraphs().containsKey(n.type())) {
                        todo.add(n.type());
                    }
                }
            }
        }
        return out;
    }
}
