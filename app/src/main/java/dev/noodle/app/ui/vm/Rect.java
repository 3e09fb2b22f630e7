package dev.noodle.app.ui.vm;

/** An axis-aligned rectangle in canvas (workflow layout) units; immutable. */
public record Rect(double x, double y, double width, double height) {
    /** The rectangle spanned by two corners in any order. */
    public static Rect corners(double x1, double y1, double x2, double y2) {
        return new Rect(Math.min(x1, x2), Math.min(y1, y2), Math.abs(x2 - x1), Math.abs(y2 - y1));
    }

    /** Whether the two rectangles overlap or touch. */
    public boolean intersects(Rect o) {
        return x <= o.x + o.width && o.x <= x + width && y <= o.y + o.height && o.y <= y + height;
    }

    /** Whether the point lies inside or on the edge. */
    public boolean contains(double px, double py) {
        return px >= x && py >= y && px <= x + width && py <= y + height;
    }

    /** The smallest rectangle holding both. */
    public Rect union(Rect o) {
        double x1 = Math.min(x, o.x);
        double y1 = Math.min(y, o.y);
        return new Rect(x1, y1, Math.max(x + width, o.x + o.width) - x1, Math.max(y + height, o.y + o.height) - y1);
    }

    /** The centre's x. */
    public double centerX() {
        return x + width / 2;
    }

    /** The centre's y. */
    public double centerY() {
        return y + height / 2;
    }
}
