package dev.noodle.graph.library;

import dev.noodle.graph.library.ComponentDiff.PortPair;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds the embedded components that have a newer library version, and updates one use or all of them.
 *
 * <p>Nothing changes unless asked: {@link #available} only reads. An update whose interface change would break a wire
 * on a host (a removed or retyped input or output that is wired) is refused with a {@link ComponentConflictException}
 * naming each host and port, unless the caller accepts dropping those wires. Stateless and thread-safe.
 */
public final class ComponentUpdates {
    private ComponentUpdates() {}

    /**
     * An embedded definition whose library has a newer version.
     *
     * @param definitionId the embedded definition
     * @param name its name in the workflow
     * @param current the embedded version
     * @param latest the library's newest version
     * @param hosts its uses
     * @param diff what the update changes
     */
    public record Available(String definitionId, String name, int current, Component latest, List<HostRef> hosts,
            ComponentDiff diff) {
        /** Copies the list. */
        public Available {
            hosts = List.copyOf(hosts);
        }
    }

    /** A wire an update would drop: the consumer node and input, and why. */
    public record BrokenWire(HostRef host, String port, String reason) {}

    /** The updated workflow, the definition the updated hosts now use, and the wires it dropped (when accepted). */
    public record Result(Workflow workflow, String definitionId, List<BrokenWire> dropped) {
        /** Copies the list. */
        public Result {
            dropped = List.copyOf(dropped);
        }
    }

    /** Each embedded definition whose library ({@code newest}: a component's newest version by id) is newer. */
    public static List<Available> available(Workflow wf, Function<String, Optional<Component>> newest) {
        List<Available> out = new ArrayList<>();
        for (Subgraph def : wf.subgraphs().values()) {
            if (def.component() == null) {
                continue;
            }
            Optional<Component> latest = newest.apply(def.component().id());
            if (latest.isPresent() && latest.get().version() > def.component().version()) {
                Component c = latest.get();
                out.add(new Available(def.id(), def.name(), def.component().version(), c,
                        Components.hosts(wf, def.id()),
                        ComponentDiff.between(def, wf.subgraphs(), c.root(), c.definitions())));
            }
        }
        return out;
    }

    /** What updating the definition for this update would change, for one embedded definition. */
    public static ComponentDiff diff(Workflow wf, String definitionId, Component latest) {
        Subgraph def = wf.subgraphs().get(definitionId);
        return ComponentDiff.between(def, wf.subgraphs(), latest.root(), latest.definitions());
    }

    /**
     * Updates uses of {@code definitionId} to {@code latest}: only {@code onlyHost} (it gets a copy of the new
     * definition under its own id; the other uses keep the old one), or every use when {@code onlyHost} is null.
     * Wires the new interface cannot keep are refused unless {@code dropBrokenWires}; then they are dropped and listed.
     */
    public static Result update(Workflow wf, String definitionId, Component latest, HostRef onlyHost,
            boolean dropBrokenWires, Supplier<String> ids) {
        Subgraph old = wf.subgraphs().get(definitionId);
        if (old == null) {
            throw new IllegalArgumentException("the workflow has no subgraph " + definitionId);
        }
        List<HostRef> hosts = onlyHost == null ? Components.hosts(wf, definitionId) : List.of(onlyHost);
        for (HostRef h : hosts) {
            NodeInstance n = level(wf, h.container()).get(h.nodeId());
            if (n == null || !n.type().equals(definitionId)) {
                throw new IllegalArgumentException(Components.describe(wf, h) + " is not a use of \"" + old.name()
                        + "\"");
            }
        }
        Set<String> before = Components.reachable(wf);
        Components.Embedded embedded = Components.embed(wf, latest, ids);
        Workflow out = embedded.workflow();
        String newId = embedded.definitionId();
        boolean fresh = !wf.subgraphs().containsKey(newId);
        Subgraph neu = out.subgraphs().get(newId);
        List<PortPair> inputs = ComponentDiff.pairInputs(old.inputs(), neu.inputs());
        List<PortPair> outputs = ComponentDiff.pairOutputs(old.outputs(), neu.outputs());
        List<BrokenWire> broken = new ArrayList<>();
        for (HostRef h : hosts) {
            out = rewire(out, h, newId, inputs, outputs, broken);
        }
        if (!broken.isEmpty() && !dropBrokenWires) {
            StringBuilder sb = new StringBuilder("Updating \"" + old.name() + "\" to version " + latest.version()
                    + " would break " + broken.size() + (broken.size() == 1 ? " wire: " : " wires: "));
            for (int i = 0; i < broken.size(); i++) {
                BrokenWire b = broken.get(i);
                sb.append(i == 0 ? "" : "; ").append(Components.describe(wf, b.host())).append(' ')
                        .append(b.port()).append(" (").append(b.reason()).append(')');
            }
            throw new ComponentConflictException(sb.append(". Reconnect or remove those wires first, or accept"
                    + " dropping them.").toString());
        }
        boolean oldUsed = !Components.hosts(out, definitionId).isEmpty();
        if (!oldUsed && fresh) {
            // every use moved: the new copy takes the old id, so the definition keeps its place and identity
            out = renameDefinition(out, newId, definitionId);
            newId = definitionId;
        } else if (!oldUsed) {
            out = without(out, definitionId);
        }
        // definitions only the old version nested and nothing uses any more go with it
        Set<String> after = Components.reachable(out);
        for (String id : before) {
            if (!after.contains(id) && out.subgraphs().containsKey(id)) {
                out = without(out, id);
            }
        }
        return new Result(out, newId, broken);
    }

    private static Map<String, NodeInstance> level(Workflow wf, String container) {
        if (container == null) {
            return wf.nodes();
        }
        Subgraph c = wf.subgraphs().get(container);
        return c == null ? Map.of() : c.body().nodes();
    }

    private static Workflow rewire(Workflow wf, HostRef h, String newType, List<PortPair> inputs,
            List<PortPair> outputs, List<BrokenWire> broken) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>(level(wf, h.container()));
        NodeInstance host = nodes.get(h.nodeId());
        Map<String, InputValue> ins = new LinkedHashMap<>();
        for (Map.Entry<String, InputValue> e : host.inputs().entrySet()) {
            PortPair p = inputs.stream().filter(q -> e.getKey().equals(q.oldName())).findFirst().orElse(null);
            if (p == null) {
                ins.put(e.getKey(), e.getValue());
            } else if (p.neu() == null) {
                if (e.getValue() instanceof Link) {
                    broken.add(new BrokenWire(h, "input '" + p.oldName() + "'", "removed"));
                }
            } else if (e.getValue() instanceof Link && !p.oldType().equals(p.neuType())) {
                broken.add(new BrokenWire(h, "input '" + p.oldName() + "'",
                        "retyped " + p.oldType() + " → " + p.neuType()));
            } else {
                ins.put(p.neuName(), e.getValue());
            }
        }
        nodes.put(host.id(), new NodeInstance(host.id(), newType, ins, host.mode(), host.extra()));
        for (NodeInstance n : List.copyOf(nodes.values())) {
            NodeInstance changed = n;
            for (Map.Entry<String, InputValue> e : n.inputs().entrySet()) {
                if (!(e.getValue() instanceof Link l) || !l.nodeId().equals(host.id())) {
                    continue;
                }
                InputValue moved = moveOutput(l, outputs, new HostRef(h.container(), n.id()),
                        "input '" + e.getKey() + "'", h, broken);
                changed = moved == null ? changed.withoutInput(e.getKey()) : changed.withInput(e.getKey(), moved);
            }
            nodes.put(n.id(), changed);
        }
        if (h.container() == null) {
            return wf.withNodes(nodes);
        }
        Subgraph c = wf.subgraphs().get(h.container());
        List<SubgraphOutput> outs = new ArrayList<>();
        for (SubgraphOutput o : c.outputs()) {
            Link src = o.source();
            if (src != null && src.nodeId().equals(host.id())) {
                InputValue moved = moveOutput(src, outputs, new HostRef(c.id(), Subgraph.OUTPUT_NODE),
                        "output '" + o.name() + "'", h, broken);
                outs.add(o.withSource((Link) moved));
            } else {
                outs.add(o);
            }
        }
        return wf.withSubgraph(c.withBody(c.body().withNodes(nodes)).withInterface(c.inputs(), outs));
    }

    /** Where a link from a host output goes after the update, or null (recorded as broken) when it cannot stay. */
    private static InputValue moveOutput(Link l, List<PortPair> outputs, HostRef consumer, String port, HostRef host,
            List<BrokenWire> broken) {
        PortPair p = outputs.stream().filter(q -> q.oldIndex() == l.outputIndex()).findFirst().orElse(null);
        String from = "from node " + host.nodeId() + " output";
        if (p == null || p.neu() == null) {
            broken.add(new BrokenWire(consumer, port, from + " '" + (p == null ? "#" + l.outputIndex() : p.oldName())
                    + "' removed"));
            return null;
        }
        if (!p.oldType().equals(p.neuType())) {
            broken.add(new BrokenWire(consumer, port, from + " '" + p.oldName() + "' retyped " + p.oldType()
                    + " → " + p.neuType()));
            return null;
        }
        return new Link(l.nodeId(), p.neuIndex());
    }

    private static Workflow without(Workflow wf, String id) {
        Map<String, Subgraph> defs = new LinkedHashMap<>(wf.subgraphs());
        defs.remove(id);
        return wf.withSubgraphs(defs);
    }

    private static Workflow renameDefinition(Workflow wf, String from, String to) {
        Map<String, Subgraph> defs = new LinkedHashMap<>();
        Map<String, String> map = Map.of(from, to);
        for (Subgraph d : wf.subgraphs().values()) {
            if (d.id().equals(from)) {
                continue;
            }
            if (d.id().equals(to)) {
                defs.put(to, Components.retype(wf.subgraphs().get(from).withId(to), map));
            } else {
                defs.put(d.id(), Components.retype(d, map));
            }
        }
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            nodes.put(n.id(), n.type().equals(from) ? new NodeInstance(n.id(), to, n.inputs(), n.mode(), n.extra())
                    : n);
        }
        return wf.withSubgraphs(defs).withNodes(nodes);
    }
}
