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

    /**
     * Puts each badge of {@code layer}, keyed by node id, just above its card's top-left corner, hidden while the card
     * is not shown.
     */
    static void placeAbove(Pane layer, GraphCanvas canvas, Map<String, ? extends Region> badges) {
        for (Map.Entry<String, ? extends Region> e : badges.entrySet()) {
            NodeCard card = canvas.card(e.getKey());
            Region b = e.getValue();
            if (card == null || card.getScene() == null) {
                b.setVisible(false);
                continue;
            }
            Bounds r = card.localToScene(card.getLayoutBounds());
            Point2D p = layer.sceneToLocal(r.getMinX(), r.getMinY());
            if (p == null) {
                b.setVisible(false);
                continue;
            }
            b.setVisible(true);
            b.autosize();
            double y = p.getY() - b.getHeight() - 2;
            if (Math.abs(b.getLayoutX() - p.getX()) > 0.5 || Math.abs(b.getLayoutY() - y) > 0.5) {
                b.relocate(p.getX(), y);
            }
        }
    }
}
