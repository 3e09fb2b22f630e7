package dev.noodle.graph.model;

/** A titled rectangle drawn behind nodes. */
public record Group(String title, double x, double y, double width, double height, String color) {
    /** A copy with another title. */
    public Group withTitle(String newTitle) {
        return new Group(newTitle, x, y, width, height, color);
    }

    /** A copy moved by (dx, dy). */
    public Group movedBy(double dx, double dy) {
        return new Group(title, x + dx, y + dy, width, height, color);
    }

    /** Whether the point (px, py) lies inside the rectangle. */
    public boolean contains(double px, double py) {
        return px >= x && py >= y && px <= x + width && py <= y + height;
    }
}
