package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.SubgraphLevel;
import dev.noodle.graph.model.NodeInstance;
import java.util.Objects;
import javafx.scene.Node;
import javafx.scene.control.Control;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;

/**
 * What subgraph hosts and boundary cards add to a node card: double-click enters a host, and style classes mark hosts and the Inputs/Outputs cards. Stateless; use on the FX thread.
 */
public final class SubgraphCards {
    /** Style class of a subgraph host's card. */
    public static final String HOST_CLASS = "subgraph-host";
    /** Style class of the Inputs and Outputs cards inside a subgraph. */
    public static final String BOUNDARY_CLASS = "subgraph-boundary";

    private SubgraphCards() {}

    /** Marks the card and, for a host, lets a double-click on it (not on one of its widgets) enter the subgraph. */
    static void decorate(NodeCard card, GraphEditorViewModel vm) {
        String id = card.nodeId();
        if (SubgraphLevel.isBoundary(id)) {
            card.getStyleClass().add(BOUNDARY_CLASS);
            return;
        }
        NodeInstance n = card.instanceProperty().get();
        if (n == null || !vm.workflow().subgraphs().containsKey(n.type())) {
            return;
        }
        card.getStyleClass().add(HOST_CLASS);
        Tooltip.install(card, new Tooltip("A subgraph: double-click to open it"));
        card.addEventHandler(MouseEvent.MOUSE_PRESSED, e -> { // pressed: a click may not survive the card redrawing
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2 && !onWidget(e, card)) {
                vm.enter(id);
                e.consume();
            }
        });
    }

    /** True when the card was built for other ports than the node's type now has (an interface edit). */
    static boolean schemaChanged(NodeCard card, NodeInstance n, GraphEditorViewModel vm) {
        boolean subgraphy = SubgraphLevel.isBoundary(n.id()) || vm.workflow().subgraphs().containsKey(n.type())
                || card.getStyleClass().contains(HOST_CLASS);
        if (!subgraphy || card.schema() == null) {
            return false;
        }
        return !Objects.equals(card.schema(), vm.schema(n.type()).orElse(null));
    }

    private static boolean onWidget(MouseEvent e, NodeCard card) {
        Object target = e.getTarget();
        for (Node node = target instanceof Node t ? t : null; node != null && node != card; node = node.getParent()) {
            if (node instanceof Control && !(node instanceof javafx.scene.control.Label)) {
                return true;
            }
        }
        return false;
    }
}
