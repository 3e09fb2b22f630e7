package dev.noodle.graph.library;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed between two versions of a component, in words: the interface (inputs and outputs added, removed,
 * renamed, retyped) and the inner nodes (added, removed, changed inputs or mode).
 *
 * <p>Ports are matched by their stable id, then by name; inner nodes by id. Nested definitions show by name and
 * component version, so copies under other ids compare equal. Immutable.
 *
 * @param interfaceChanges one line per interface change
 * @param nodeChanges one line per inner-node change
 */
public record ComponentDiff(List<String> interfaceChanges, List<String> nodeChanges) {
    /** Copies the lists. */
    public ComponentDiff {
        interfaceChanges = List.copyOf(interfaceChanges);
        nodeChanges = List.copyOf(nodeChanges);
    }

    /** True when nothing a run or a host sees changed. */
    public boolean isEmpty() {
        return interfaceChanges.isEmpty() && nodeChanges.isEmpty();
    }

    /** Every change, interface first. */
    public List<String> lines() {
        List<String> all = new ArrayList<>(interfaceChanges);
        all.addAll(nodeChanges);
        return all;
    }

    /**
     * The diff from {@code old} (looked up in {@code oldDefs} for the names of what it nests) to {@code neu}
     * ({@code newDefs}).
     */
    public static ComponentDiff between(
            Subgraph old, Map<String, Subgraph> oldDefs, Subgraph neu, Map<String, Subgraph> newDefs) {
        List<String> ifc = new ArrayList<>();
        List<PortPair> inputs = pairInputs(old.inputs(), neu.inputs());
        for (PortPair p : inputs) {
            port(ifc, "input", p);
        }
        List<PortPair> outputs = pairOutputs(old.outputs(), neu.outputs());
        for (PortPair p : outputs) {
            port(ifc, "output", p);
        }
        List<String> nodes = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>(old.body().nodes().keySet());
        ids.addAll(neu.body().nodes().keySet());
        for (String id : ids) {
            NodeInstance a = old.body().node(id);
            NodeInstance b = neu.body().node(id);
            String ta = a == null ? null : typeName(a.type(), oldDefs);
            String tb = b == null ? null : typeName(b.type(), newDefs);
            if (a == null) {
                nodes.add("node " + id + " (" + tb + ") added");
            } else if (b == null) {
                nodes.add("node " + id + " (" + ta + ") removed");
            } else if (!ta.equals(tb)) {
                nodes.add("node " + id + " is now " + tb + " (was " + ta + ")");
            } else {
                Set<String> names = new LinkedHashSet<>(a.inputs().keySet());
                names.addAll(b.inputs().keySet());
                for (String name : names) {
                    String va = value(a.input(name), old);
                    String vb = value(b.input(name), neu);
                    if (!Objects.equals(key(a.input(name), old), key(b.input(name), neu))) {
                        nodes.add("node " + id + " (" + ta + ") " + name + ": " + (va == null ? "unset" : va)
                                + " → " + (vb == null ? "unset" : vb));
                    }
                }
                if (a.mode() != b.mode()) {
                    nodes.add("node " + id + " (" + ta + ") mode: " + a.mode().name().toLowerCase()
                            + " → " + b.mode().name().toLowerCase());
                }
            }
        }
        for (SubgraphOutput o : neu.outputs()) {
            SubgraphOutput was = outputs.stream().filter(p -> p.neu == o).map(p -> (SubgraphOutput) p.old)
                    .findFirst().orElse(null);
            if (was != null && !Objects.equals(key(was.source(), old), key(o.source(), neu))) {
                nodes.add("output '" + o.name() + "' now from " + value(o.source(), neu) + " (was "
                        + value(was.source(), old) + ")");
            }
        }
        return new ComponentDiff(ifc, nodes);
    }

    private static void port(List<String> out, String kind, PortPair p) {
        if (p.old == null) {
            out.add(kind + " '" + p.neuName + "' (" + p.neuType + ") added");
        } else if (p.neu == null) {
            out.add(kind + " '" + p.oldName + "' (" + p.oldType + ") removed");
        } else {
            if (!p.oldName.equals(p.neuName)) {
                out.add(kind + " '" + p.oldName + "' renamed to '" + p.neuName + "'");
            }
            if (!p.oldType.equals(p.neuType)) {
                out.add(kind + " '" + p.neuName + "' retyped " + p.oldType + " → " + p.neuType);
            }
        }
    }

    /** One port in both versions (either side null when added or removed). */
    record PortPair(Object old, Object neu, String oldName, String oldType, String neuName, String neuType,
            int oldIndex, int neuIndex) {}

    /** Old and new inputs matched by id, then by name; removed ones first in old order, then the rest in new order. */
    static List<PortPair> pairInputs(List<SubgraphInput> old, List<SubgraphInput> neu) {
        List<String[]> a = new ArrayList<>();
        for (SubgraphInput p : old) {
            a.add(new String[] {p.id(), p.name(), p.type()});
        }
        List<String[]> b = new ArrayList<>();
        for (SubgraphInput p : neu) {
            b.add(new String[] {p.id(), p.name(), p.type()});
        }
        return pair(a, b, old, neu);
    }

    /** Old and new outputs matched by id, then by name. */
    static List<PortPair> pairOutputs(List<SubgraphOutput> old, List<SubgraphOutput> neu) {
        List<String[]> a = new ArrayList<>();
        for (SubgraphOutput p : old) {
            a.add(new String[] {p.id(), p.name(), p.type()});
        }
        List<String[]> b = new ArrayList<>();
        for (SubgraphOutput p : neu) {
            b.add(new String[] {p.id(), p.name(), p.type()});
        }
        return pair(a, b, old, neu);
    }

    private static List<PortPair> pair(List<String[]> a, List<String[]> b, List<?> oldPorts, List<?> newPorts) {
        int[] match = new int[a.size()];
        boolean[] taken = new boolean[b.size()];
        java.util.Arrays.fill(match, -1);
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < a.size(); i++) {
                if (match[i] >= 0) {
                    continue;
                }
                for (int j = 0; j < b.size(); j++) {
                    if (!taken[j] && a.get(i)[pass].equals(b.get(j)[pass])) {
                        match[i] = j;
                        taken[j] = true;
                        break;
                    }
                }
            }
        }
        List<PortPair> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            int j = match[i];
            out.add(new PortPair(oldPorts.get(i), j < 0 ? null : newPorts.get(j), a.get(i)[1], a.get(i)[2],
                    j < 0 ? null : b.get(j)[1], j < 0 ? null : b.get(j)[2], i, j));
        }
        for (int j = 0; j < b.size(); j++) {
            if (!taken[j]) {
                out.add(new PortPair(null, newPorts.get(j), null, null, b.get(j)[1], b.get(j)[2], -1, j));
            }
        }
        return out;
    }

    private static String typeName(String type, Map<String, Subgraph> defs) {
        Subgraph d = defs.get(type);
        if (d == null) {
            return type;
        }
        return "\"" + d.name() + "\"" + (d.component() == null ? "" : " v" + d.component().version());
    }

    /** What identifies a value for comparing: interface inputs by their stable port id, so renames do not count. */
    private static String key(InputValue v, Subgraph def) {
        if (v instanceof Link l && l.nodeId().equals(Subgraph.INPUT_NODE)) {
            int i = l.outputIndex();
            return "input:" + (i >= 0 && i < def.inputs().size() ? def.inputs().get(i).id() : "#" + i);
        }
        return value(v, def);
    }

    private static String value(InputValue v, Subgraph def) {
        if (v == null) {
            return null;
        }
        if (v instanceof Link l) {
            if (l.nodeId().equals(Subgraph.INPUT_NODE)) {
                int i = l.outputIndex();
                return "input '" + (i >= 0 && i < def.inputs().size() ? def.inputs().get(i).name() : "#" + i) + "'";
            }
            return "node " + l.nodeId() + " output " + l.outputIndex();
        }
        Object lit = ((Literal) v).value();
        return lit instanceof String s ? "\"" + s + "\"" : String.valueOf(lit);
    }
}
