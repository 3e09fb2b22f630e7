package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import java.util.Optional;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.input.MouseEvent;
import javafx.scene.shape.CubicCurve;

/**
 * The drag-a-wire gesture: from an output to an input, or from a connected input (detaching and re-routing its
 * wire). While dragging, inputs are marked compatible or incompatible; dropping on an incompatible input is refused
 * with the reason shown in the status bar.
 */
final class WireDrag {
    private static final double SNAP = 14;

    private final GraphCanvas canvas;
    private final GraphEditorViewModel vm;
    private final CubicCurve preview = new CubicCurve();
    private PortView source;
    private String detachedNode;
    private String detachedInput;

    WireDrag(GraphCanvas canvas, GraphEditorViewModel vm) {
        this.canvas = canvas;
        this.vm = vm;
        preview.getStyleClass().addAll("wire", "wire-preview");
        preview.setFill(null);
        preview.setMouseTransparent(true);
        preview.setVisible(false);
    }

    CubicCurve preview() {
        return preview;
    }

    boolean active() {
        return source != null;
    }

    void start(PortView port, MouseEvent e) {
        detachedNode = null;
        if (port.isOutput()) {
            source = port;
        } else {
            NodeInstance n = vm.workflow().node(port.nodeId());
            if (!(n.inputs().get(port.inputName()) instanceof Link link)) {
                return;
            }
            NodeCard from = canvas.card(link.nodeId());
            source = from == null ? null : from.outputPort(link.outputIndex());
            if (source == null) {
                return;
            }
            detachedNode = port.nodeId();
            detachedInput = port.inputName();
        }
        preview.getStyleClass().removeIf(c -> c.startsWith("type-"));
        preview.getStyleClass().add(source.getStyleClass().stream()
                .filter(c -> c.startsWith("type-")).findFirst().orElse("type-any"));
        for (NodeCard card : canvas.cards().values()) {
            for (PortView p : card.inputPorts.values()) {
                p.setDragHint(vm.schema(card.schema().type()).isEmpty() ? null
                        : p.type().accepts(source.type()) && !card.nodeId().equals(source.nodeId()));
            }
        }
        preview.setVisible(true);
        drag(e);
    }

    void drag(MouseEvent e) {
        Point2D a = canvas.portCenter(source);
        Point2D b = canvas.toContent(e.getX(), e.getY());
        double pull = Math.max(40, Math.abs(b.getX() - a.getX()) * 0.5);
        preview.setStartX(a.getX());
        preview.setStartY(a.getY());
        preview.setControlX1(a.getX() + pull);
        preview.setControlY1(a.getY());
        preview.setControlX2(b.getX() - pull);
        preview.setControlY2(b.getY());
        preview.setEndX(b.getX());
        preview.setEndY(b.getY());
    }

    void finish(MouseEvent e) {
        PortView target = inputAt(e.getSceneX(), e.getSceneY());
        PortView from = source;
        source = null;
        preview.setVisible(false);
        for (NodeCard card : canvas.cards().values()) {
            card.inputPorts.values().forEach(p -> p.setDragHint(null));
        }
        if (target == null) {
            if (detachedNode != null) {
                vm.disconnect(detachedNode, detachedInput);
            }
            return;
        }
        if (detachedNode != null && target.nodeId().equals(detachedNode)
                && target.inputName().equals(detachedInput)) {
            return; // dropped back where it was
        }
        Optional<String> refused = vm.connect(from.nodeId(), from.outputIndex(), target.nodeId(),
                target.inputName());
        if (refused.isEmpty() && detachedNode != null) {
            vm.disconnect(detachedNode, detachedInput);
        }
    }

    /** The input port nearest the scene point, within a few pixels. */
    private PortView inputAt(double sceneX, double sceneY) {
        PortView best = null;
        double bestDist = SNAP;
        for (NodeCard card : canvas.cards().values()) {
            Bounds cb = card.localToScene(card.getBoundsInLocal());
            if (!cb.contains(sceneX, sceneY) && (sceneX < cb.getMinX() - SNAP || sceneX > cb.getMaxX() + SNAP
                    || sceneY < cb.getMinY() - SNAP || sceneY > cb.getMaxY() + SNAP)) {
                continue;
            }
            for (PortView p : card.inputPorts.values()) {
                Point2D c = p.localToScene(p.getCenterX(), p.getCenterY());
                double d = c.distance(sceneX, sceneY);
                if (d < bestDist) {
                    bestDist = d;
                    best = p;
                }
            }
        }
        return best;
    }
}
