package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The editor's graph edits as graph-core {@link EditCommand}s.
 *
 * <p>Each command computes its result from the workflow it is applied to and remembers that workflow, so revert
 * restores it exactly (the undo history applies and reverts alternately, as {@link EditCommand} requires).
 */
public final class Edits {
    private Edits() {}

    /** A command from a pure function of the workflow. */
    static EditCommand of(String description, UnaryOperator<Workflow> change) {
        return new EditCommand() {
            private Workflow before;

            @Override
            public Workflow apply(Workflow wf) {
                before = wf;
                return change.apply(wf);
            }

            @Override
            public Workflow revert(Workflow wf) {
                return before;
            }

            @Override
            public String description() {
                return description;
            }
        };
    }

    /** Adds a node with its layout. */
    public static EditCommand addNode(NodeInstance node, NodeLayout layout) {
        return of("Add " + node.type(), wf -> wf.withNode(node).withLayout(wf.layout().withNode(node.id(), layout)));
    }

    /** Removes nodes, their layout and every wire touching them. */
    public static EditCommand removeNodes(Set<String> ids) {
        return of("Delete " + ids.size() + " node(s)", wf -> {
            Workflow out = wf;
            for (String id : ids) {
                out = out.withoutNode(id);
            }
            return out;
        });
    }

    /** Sets a literal input value. */
    public static EditCommand setInput(String nodeId, String input, Object value) {
        return of("Set " + nodeId + "." + input,
                wf -> wf.withNode(wf.node(nodeId).withInput(input, new Literal(value))));
    }

    /** Connects output {@code outIndex} of {@code from} to {@code input} of {@code to}, replacing any wire. */
    public static EditCommand connect(String from, int outIndex, String to, String input) {
        return of("Connect " + from + " → " + to + "." + input,
                wf -> wf.withNode(wf.node(to).withInput(input, new Link(from, outIndex))));
    }

    /** Removes the value feeding {@code input} of {@code to}. */
    public static EditCommand disconnect(String to, String input) {
        return of("Disconnect " + to + "." + input, wf -> wf.withNode(wf.node(to).withoutInput(input)));
    }

    /** Moves nodes to absolute positions (id → {x, y}). */
    public static EditCommand moveNodes(Map<String, double[]> positions) {
        Map<String, double[]> copy = Map.copyOf(positions);
        return of("Move " + copy.size() + " node(s)", wf -> {
            Layout layout = wf.layout();
            for (Map.Entry<String, double[]> e : copy.entrySet()) {
                NodeLayout l = layout.nodes().get(e.getKey());
                NodeLayout moved = l == null
                        ? new NodeLayout(e.getValue()[0], e.getValue()[1], GraphEditorViewModel.DEFAULT_WIDTH, 0,
                                false, null)
                        : l.withPosition(e.getValue()[0], e.getValue()[1]);
                layout = layout.withNode(e.getKey(), moved);
            }
            return wf.withLayout(layout);
        });
    }

    /** Sets a node's mode (normal, muted, bypassed). */
    public static EditCommand setMode(String nodeId, NodeMode mode) {
        return of("Set mode " + mode, wf -> wf.withNode(wf.node(nodeId).withMode(mode)));
    }

    /** Sets several literal inputs at once (node id → input → value), e.g. the next seeds after a run. */
    public static EditCommand setInputs(String description, Map<String, ? extends Map<String, ?>> values) {
        return of(description, wf -> {
            Workflow out = wf;
            for (Map.Entry<String, ? extends Map<String, ?>> n : values.entrySet()) {
                NodeInstance node = out.node(n.getKey());
                for (Map.Entry<String, ?> in : n.getValue().entrySet()) {
                    node = node.withInput(in.getKey(), new Literal(in.getValue()));
                }
                out = out.withNode(node);
            }
            return out;
        });
    }
}
