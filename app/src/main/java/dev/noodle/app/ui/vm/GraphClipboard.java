package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.AddNode;
import dev.noodle.graph.edit.Composite;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copy and paste of nodes as Noodle workflow JSON, so a copy travels through the system clipboard between windows
 * (and into a text editor). Stateless; pure functions of workflows.
 */
public final class GraphClipboard {
    private GraphClipboard() {}

    /** The selected nodes, their layouts and the wires among them, as Noodle workflow JSON. */
    public static String copy(Workflow wf, Set<String> ids) {
        Workflow part = Workflow.empty("clipboard");
        var layout = part.layout();
        for (NodeInstance n : wf.nodes().values()) {
            if (!ids.contains(n.id())) {
                continue;
            }
            Map<String, InputValue> inputs = new LinkedHashMap<>();
            n.inputs().forEach((name, v) -> {
                if (!(v instanceof Link l) || ids.contains(l.nodeId())) {
                    inputs.put(name, v); // wires from outside the selection are not copied
                }
            });
            part = part.withNode(new NodeInstance(n.id(), n.type(), inputs, n.mode(), n.extra()));
            NodeLayout l = wf.layout().nodes().get(n.id());
            if (l != null) {
                layout = layout.withNode(n.id(), l);
            }
        }
        return WorkflowJson.write(part.withLayout(layout));
    }

    /**
     * The command adding a copied workflow to {@code wf} with fresh ids, its top-left corner at (x, y), as one undo
     * step; the new ids are added to {@code newIds}.
     *
     * @throws WorkflowFormatException when the text is not a workflow (e.g. the clipboard holds ordinary text)
     */
    public static EditCommand paste(Workflow wf, String json, double x, double y, List<String> newIds) {
        Workflow part = WorkflowJson.parse(json, "clipboard");
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        for (NodeLayout l : part.layout().nodes().values()) {
            minX = Math.min(minX, l.x());
            minY = Math.min(minY, l.y());
        }
        if (minX == Double.MAX_VALUE) {
            minX = 0;
            minY = 0;
        }
        Map<String, String> ids = new HashMap<>();
        long next = Long.parseLong(wf.nextId());
        for (String old : part.nodes().keySet()) {
            ids.put(old, Long.toString(next++));
        }
        List<EditCommand> adds = new ArrayList<>();
        int i = 0;
        for (NodeInstance n : part.nodes().values()) {
            Map<String, InputValue> inputs = new LinkedHashMap<>();
            n.inputs().forEach((name, v) -> {
                if (v instanceof Link l) {
                    if (ids.containsKey(l.nodeId())) {
                        inputs.put(name, new Link(ids.get(l.nodeId()), l.outputIndex()));
                    }
                } else {
                    inputs.put(name, v);
                }
            });
            NodeLayout l = part.layout().nodes().get(n.id());
            NodeLayout placed = l == null
                    ? new NodeLayout(x + 30 * i, y + 30 * i, GraphEditorViewModel.DEFAULT_WIDTH, 0, false, null)
                    : l.withPosition(x + l.x() - minX, y + l.y() - minY);
            String id = ids.get(n.id());
            adds.add(new AddNode(new NodeInstance(id, n.type(), inputs, n.mode(), n.extra()), placed));
            newIds.add(id);
            i++;
        }
        return new Composite("Paste " + adds.size() + " node(s)", adds);
    }
}
