package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.graph.spec.PortType;
import java.util.List;
import javafx.geometry.Point2D;
import javafx.scene.shape.CubicCurveTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.shape.PathElement;

/**
 * A wire drawn as horizontal-tangent cubic Bézier curves, coloured by the type it carries; it passes through the
 * reroute dots on its way, one curve per leg.
 */
public final class WireView extends Path {
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
        setRoute(a, List.of(), b);
    }

    /** Sets both ends and the reroute points in between, in order from {@code a}. */
    void setRoute(Point2D a, List<Point2D> via, Point2D b) {
        PathElement[] legs = new PathElement[via.size() + 2];
        legs[0] = new MoveTo(a.getX(), a.getY());
        Point2D from = a;
        for (int i = 0; i <= via.size(); i++) {
            Point2D to = i < via.size() ? via.get(i) : b;
            double pull = Math.max(40, Math.abs(to.getX() - from.getX()) * 0.5);
            legs[i + 1] = new CubicCurveTo(from.getX() + pull, from.getY(), to.getX() - pull, to.getY(),
                    to.getX(), to.getY());
            from = to;
        }
        getElements().setAll(legs);
    }

    /** Number of reroute dots the wire passes through. */
    public int legs() {
        return getElements().size() - 1;
    }

    /** The end of leg {@code i} (a reroute point, or the target port for the last leg). */
    public Point2D legEnd(int i) {
        CubicCurveTo c = (CubicCurveTo) getElements().get(i + 1);
        return new Point2D(c.getX(), c.getY());
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
