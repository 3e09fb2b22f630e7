package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javafx.geometry.Point2D;
import javafx.scene.input.MouseEvent;

/**
 * Pressing a card selects it (Shift/Ctrl toggles it in the selection); dragging moves the whole selection live and
 * commits one undoable move on release. FX thread only.
 */
final class CardDrag {
    private final GraphCanvas canvas;
    private final GraphEditorViewModel vm;
    private Point2D start;
    private Map<String, double[]> origin;

    CardDrag(GraphCanvas canvas, GraphEditorViewModel vm) {
        this.canvas = canvas;
        this.vm = vm;
    }

    /** Whether a card press or drag is in progress. */
    boolean active() {
        return start != null;
    }

    void start(MouseEvent e, NodeCard card) {
        String id = card.nodeId();
        if (e.isShiftDown() || e.isShortcutDown()) {
            vm.toggleSelected(id);
        } else if (!vm.selection().contains(id)) {
            vm.select(Set.of(id));
        }
        start = canvas.toContent(e.getX(), e.getY());
        origin = new LinkedHashMap<>();
        for (String sel : vm.selection()) {
            NodeCard c = canvas.card(sel);
            if (c != null) {
                origin.put(sel, new double[] {c.getLayoutX(), c.getLayoutY()});
            }
        }
    }

    void drag(MouseEvent e) {
        Point2D now = canvas.toContent(e.getX(), e.getY());
        double dx = now.getX() - start.getX();
        double dy = now.getY() - start.getY();
        origin.forEach((id, p) -> canvas.card(id).relocate(p[0] + dx, p[1] + dy));
    }

    void finish() {
        Map<String, double[]> moved = new LinkedHashMap<>();
        origin.forEach((id, p) -> {
            NodeCard c = canvas.card(id);
            if (c.getLayoutX() != p[0] || c.getLayoutY() != p[1]) {
                moved.put(id, new double[] {c.getLayoutX(), c.getLayoutY()});
            }
        });
        start = null;
        vm.moveNodes(moved);
    }
}
