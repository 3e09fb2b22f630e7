package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.canvas.NodeCard;
import java.util.Map;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Region;

/** Places badges (warnings, offers) of an overlay just above their node cards. Stateless; FX thread only. */
final class CardBadges {
    private CardBadges() {}

    /** Which top corner of its card a badge sits above, aligned with that corner. */
    enum Corner { LEFT, RIGHT }

    /**
     * Puts each badge of {@code layer}, keyed by node id, just above its card's top-left corner, hidden while the card
     * is not shown.
     */
    static void placeAbove(Pane layer, GraphCanvas canvas, Map<String, ? extends Region> badges) {
        placeAbove(layer, canvas, badges, Corner.LEFT);
    }

    /**
     * Puts each badge of {@code layer}, keyed by node id, just above its card's top {@code corner}, its edge aligned
     * with the card's, hidden while the card is not shown.
     */
    static void placeAbove(Pane layer, GraphCanvas canvas, Map<String, ? extends Region> badges, Corner corner) {
        for (Map.Entry<String, ? extends Region> e : badges.entrySet()) {
            NodeCard card = canvas.card(e.getKey());
            Region b = e.getValue();
            if (card == null || card.getScene() == null) {
                b.setVisible(false);
                continue;
            }
            Bounds r = card.localToScene(card.getLayoutBounds());
            Point2D p = layer.sceneToLocal(corner == Corner.LEFT ? r.getMinX() : r.getMaxX(), r.getMinY());
            if (p == null) {
                b.setVisible(false);
                continue;
            }
            b.setVisible(true);
            b.autosize();
            double x = corner == Corner.LEFT ? p.getX() : p.getX() - b.getWidth();
            double y = p.getY() - b.getHeight() - 2;
            if (Math.abs(b.getLayoutX() - x) > 0.5 || Math.abs(b.getLayoutY() - y) > 0.5) {
                b.relocate(x, y);
            }
        }
    }
}
