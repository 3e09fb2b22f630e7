package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.PendingWire;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import java.util.Optional;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.input.MouseEvent;
import javafx.scene.shape.CubicCurve;

/**
 * The drag-a-wire gesture: from an output to an input, from an unconnected input back to an output, or from a
 * connected input (detaching and re-routing its wire). While dragging, the ports at the other end are marked
 * compatible or incompatible; dropping on an incompatible port is refused with the reason shown in the status bar;
 * dropping on empty canvas asks the canvas for a node search filtered to nodes that can take the wire.
 */
final class WireDrag {
    private static final double SNAP = 14;
    /** Pointer travel (scene pixels) below which a release is a click on the port, not a wire drop. */
    private static final double CLICK_SLOP = 6;

    private final GraphCanvas canvas;
    private final GraphEditorViewModel vm;
    private final CubicCurve preview = new CubicCurve();
    private PortView source;
    private boolean reversed; // dragging back from an unconnected input towards an output
    private String detachedNode;
    private String detachedInput;
    private Point2D pressedAt = Point2D.ZERO;

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
        reversed = false;
        pressedAt = new Point2D(e.getSceneX(), e.getSceneY());
        if (port.isOutput()) {
            source = port;
        } else {
            NodeInstance n = vm.level().node(port.nodeId());
            if (!(n.inputs().get(port.inputName()) instanceof Link link)) {
                source = port;
                reversed = true;
                startPreview(e);
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
        startPreview(e);
    }

    private void startPreview(MouseEvent e) {
        preview.getStyleClass().removeIf(c -> c.startsWith("type-"));
        preview.getStyleClass().add(source.getStyleClass().stream()
                .filter(c -> c.startsWith("type-")).findFirst().orElse("type-any"));
        for (NodeCard card : canvas.cards().values()) {
            boolean known = vm.schema(card.schema().type()).isPresent();
            boolean other = !card.nodeId().equals(source.nodeId());
            for (PortView p : (reversed ? card.outputPorts : card.inputPorts).values()) {
                p.setDragHint(!known ? null
                        : (reversed ? source.type().accepts(p.type()) : p.type().accepts(source.type())) && other);
            }
        }
        preview.setVisible(true);
        drag(e);
    }

    void drag(MouseEvent e) {
        Point2D a = canvas.portCenter(source);
        Point2D b = canvas.toContent(e.getX(), e.getY());
        if (reversed) { // the wire runs from the pointer (an output to be) into the input
            Point2D t = a;
            a = b;
            b = t;
        }
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
        PortView target = portAt(e.getSceneX(), e.getSceneY(), reversed);
        PortView from = source;
        source = null;
        preview.setVisible(false);
        for (NodeCard card : canvas.cards().values()) {
            card.inputPorts.values().forEach(p -> p.setDragHint(null));
            card.outputPorts.values().forEach(p -> p.setDragHint(null));
        }
        Point2D drop = new Point2D(e.getX(), e.getY());
        boolean clicked = pressedAt.distance(e.getSceneX(), e.getSceneY()) < CLICK_SLOP;
        if (reversed) {
            if (target == null && !clicked) {
                canvas.wireDropped(PendingWire.fromInput(from.nodeId(), from.inputName()), drop);
            } else if (target != null) {
                vm.connect(target.nodeId(), target.outputIndex(), from.nodeId(), from.inputName());
            }
            return;
        }
        if (target == null) {
            if (detachedNode != null) {
                vm.disconnect(detachedNode, detachedInput);
            } else if (!clicked) {
                canvas.wireDropped(PendingWire.fromOutput(from.nodeId(), from.outputIndex()), drop);
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

    /** The input (or output) port nearest the scene point, within a few pixels. */
    private PortView portAt(double sceneX, double sceneY, boolean outputs) {
        PortView best = null;
        double bestDist = SNAP;
        for (NodeCard card : canvas.cards().values()) {
            Bounds cb = card.localToScene(card.getBoundsInLocal());
            if (!cb.contains(sceneX, sceneY) && (sceneX < cb.getMinX() - SNAP || sceneX > cb.getMaxX() + SNAP
                    || sceneY < cb.getMinY() - SNAP || sceneY > cb.getMaxY() + SNAP)) {
                continue;
            }
            for (PortView p : (outputs ? card.outputPorts : card.inputPorts).values()) {
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
