package dev.noodle.graph.model;

import java.util.Map;

/**
 * Where and how a node is drawn; never enters cache signatures.
 *
 * @param title a user title, or null for the type's display name
 * @param extra unknown JSON fields, preserved on save
 */
public record NodeLayout(
        double x, double y, double width, double height, boolean collapsed, String title, Map<String, Object> extra) {

    /** Copies the extra map. */
    public NodeLayout {
        extra = Maps.copy(extra);
    }

    /** A layout with no extra fields. */
    public NodeLayout(double x, double y, double width, double height, boolean collapsed, String title) {
        this(x, y, width, height, collapsed, title, Map.of());
    }

    /** A layout at (x, y) with a default size. */
    public static NodeLayout at(double x, double y) {
        return new NodeLayout(x, y, 200, 100, false, null);
    }

    /** A copy with the collapsed flag set. */
    public NodeLayout withCollapsed(boolean newCollapsed) {
        return new NodeLayout(x, y, width, height, newCollapsed, title, extra);
    }

    /** A copy moved to (x, y). */
    public NodeLayout withPosition(double newX, double newY) {
        return new NodeLayout(newX, newY, width, height, collapsed, title, extra);
    }
}
