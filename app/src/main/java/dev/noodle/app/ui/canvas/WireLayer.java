package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.app.ui.vm.RerouteRoutes;
import dev.noodle.app.ui.vm.WireExplainer;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javafx.scene.Group;
import javafx.scene.control.Tooltip;

/**
 * The wires of the canvas: one {@link WireView} per linked input, kept in step with the workflow by diffing, and
 * re-routed lazily (once a pulse, only wires touching moved cards) through their reroute dots. FX thread only.
 */
final class WireLayer extends Group {
    private final GraphCanvas canvas;
    private final RerouteLayer reroutes;
    private final Map<String, WireView> wires = new HashMap<>();
    private final Set<String> dirtyNodes = new HashSet<>();
    private Map<String, List<Reroute>> routes = Map.of();
    private boolean allDirty = true;

    WireLayer(GraphCanvas canvas, RerouteLayer reroutes) {
        this.canvas = canvas;
        this.reroutes = reroutes;
    }

    /** Marks the wires into and out of a node for re-routing. */
    void nodeChanged(String id) {
        dirtyNodes.add(id);
    }

    /** Drops every wire (another graph level is shown); the next sync draws them afresh. */
    void clear() {
        getChildren().removeAll(wires.values());
        wires.clear();
        allDirty = true;
    }

    /** Marks every wire for re-routing. */
    void markAllDirty() {
        allDirty = true;
    }

    /** Sets which reroutes each wire passes through (by {@link RerouteRoutes#key}). */
    void setRoutes(Map<String, List<Reroute>> newRoutes) {
        routes = newRoutes;
        allDirty = true;
    }

    /** Adds, replaces and removes wires; with {@code changed} given, only wires into those nodes can change. */
    void sync(Workflow wf, Set<String> changed) {
        boolean removedNodes = changed == null || wires.values().stream().anyMatch(
                w -> !wf.nodes().containsKey(w.fromNode()) || !wf.nodes().containsKey(w.toNode()));
        if (!removedNodes && changed.isEmpty()) {
            return;
        }
        Set<String> live = new HashSet<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (!removedNodes && !changed.contains(n.id())) {
                for (String input : n.inputs().keySet()) {
                    live.add(RerouteRoutes.key(n.id(), input));
                }
                continue;
            }
            for (Map.Entry<String, InputValue> in : n.inputs().entrySet()) {
                if (!(in.getValue() instanceof Link link) || !wf.nodes().containsKey(link.nodeId())) {
                    continue;
                }
                String key = RerouteRoutes.key(n.id(), in.getKey());
                live.add(key);
                WireView w = wires.get(key);
                if (w != null && w.fromNode().equals(link.nodeId()) && w.outIndex() == link.outputIndex()) {
                    continue;
                }
                if (w != null) {
                    getChildren().remove(w);
                }
                WireView created = new WireView(link.nodeId(), link.outputIndex(), n.id(), in.getKey(),
                        outputType(link.nodeId(), link.outputIndex()));
                created.setOnMouseEntered(e -> explain(created));
                created.setOnContextMenuRequested(e -> { // a reroute point where the user clicked, as in ComfyUI
                    javafx.scene.control.MenuItem add = new javafx.scene.control.MenuItem("Add reroute point here");
                    add.setOnAction(a -> canvas.edits().addReroute(created.toNode(), created.input(),
                            e.getX() - RerouteLayer.DX, e.getY() - RerouteLayer.DY));
                    new javafx.scene.control.ContextMenu(add).show(created, e.getScreenX(), e.getScreenY());
                    e.consume();
                });
                wires.put(key, created);
                getChildren().add(created);
                dirtyNodes.add(n.id());
            }
        }
        wires.entrySet().removeIf(e -> {
            if (!live.contains(e.getKey())) {
                getChildren().remove(e.getValue());
                return true;
            }
            return false;
        });
    }

    private PortType outputType(String nodeId, int index) {
        NodeCard c = canvas.card(nodeId);
        if (c == null || index < 0 || index >= c.schema().outputs().size()) {
            return PortType.ANY;
        }
        return c.schema().outputs().get(index).type();
    }

    /** Sets the wire's tooltip, on each hover, to what flows on it now (static reading of the upstream graph). */
    private void explain(WireView w) {
        NodeCard from = canvas.card(w.fromNode());
        NodeCard to = canvas.card(w.toNode());
        if (from == null || to == null || w.outIndex() >= from.schema().outputs().size()) {
            return;
        }
        OutputSpec out = from.schema().outputs().get(w.outIndex());
        GraphEditorViewModel vm = canvas.viewModel();
        String text = WireExplainer.explain(vm.level(), vm::schema, w.fromNode(), w.outIndex())
                + "\n\nfrom " + from.titleProperty().get() + " (node " + w.fromNode() + ") to '" + w.input() + "' of "
                + to.titleProperty().get() + " (node " + w.toNode() + ")\n" + out.type().name() + " is "
                + PortTypeInfo.describe(out.type());
        if (w.getProperties().get("tooltip") instanceof Tooltip t) {
            t.setText(text);
            return;
        }
        Tooltip t = new Tooltip(text);
        t.setWrapText(true);
        t.setMaxWidth(380);
        t.setId("wire-tooltip");
        Tooltip.install(w, t);
        w.getProperties().put("tooltip", t);
    }

    /** Re-routes the dirty wires; returns whether anything was dirty. */
    boolean updateIfDirty() {
        if (!allDirty && dirtyNodes.isEmpty()) {
            return false;
        }
        boolean all = allDirty;
        allDirty = false;
        for (Map.Entry<String, WireView> e : wires.entrySet()) {
            WireView w = e.getValue();
            if (!all && !dirtyNodes.contains(w.fromNode()) && !dirtyNodes.contains(w.toNode())) {
                continue;
            }
            NodeCard from = canvas.card(w.fromNode());
            NodeCard to = canvas.card(w.toNode());
            if (from == null || to == null) {
                continue;
            }
            w.setRoute(canvas.outputPoint(from, w.outIndex()), reroutes.points(routes.get(e.getKey())),
                    canvas.inputPoint(to, w.input()));
        }
        dirtyNodes.clear();
        return true;
    }

    /** Number of wires drawn. */
    int count() {
        return wires.size();
    }

    /** The wire drawn into {@code input} of {@code nodeId}, or null. */
    WireView wire(String nodeId, String input) {
        return wires.get(RerouteRoutes.key(nodeId, input));
    }
}
