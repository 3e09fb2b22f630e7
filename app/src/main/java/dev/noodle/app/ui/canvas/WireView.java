package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.graph.spec.PortType;
import javafx.geometry.Point2D;
import javafx.scene.shape.CubicCurve;

/** A wire drawn as a horizontal-tangent cubic Bézier curve, coloured by the type it carries. */
public final class WireView extends CubicCurve {
    private final String fromNode;
    private final int outIndex;
    private final String toNode;
    private final String input;

    WireView(String fromNode, int outIndex, String toNode, String input, PortType type) {
        this.fromNode = fromNode;
        this.outIndex = outIndex;
        this.toNode = toNode;
        this.input = input;
        getStyleClass().addAll("wire", type == null ? "type-any" : PortTypeInfo.styleClass(type));
        setFill(null);
        setPickOnBounds(false);
    }

    /** Sets both ends; control points pull horizontally so wires leave outputs rightwards. */
    void setEnds(Point2D a, Point2D b) {
        setStartX(a.getX());
        setStartY(a.getY());
        setEndX(b.getX());
        setEndY(b.getY());
        double pull = Math.max(40, Math.abs(b.getX() - a.getX()) * 0.5);
        setControlX1(a.getX() + pull);
        setControlY1(a.getY());
        setControlX2(b.getX() - pull);
        setControlY2(b.getY());
    }

    /** Source node id. */
    public String fromNode() {
        return fromNode;
    }

    /** Source output index. */
    public int outIndex() {
        return outIndex;
    }

    /** Target node id. */
    public String toNode() {
        return toNode;
    }

    /** Target input name. */
    public String input() {
        return input;
    }
}
