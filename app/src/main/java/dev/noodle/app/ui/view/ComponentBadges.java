package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.vm.ComponentLibraryViewModel;
import dev.noodle.graph.library.ComponentUpdates;
import dev.noodle.graph.library.HostRef;
import java.util.LinkedHashMap;
import java.util.Map;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Button;
import javafx.scene.layout.Pane;
import javafx.stage.Window;

/**
 * The "v3 available" badges over host cards whose component has a newer library version; clicking one shows what
 * changed and offers the update. A transparent layer over the canvas that follows the cards on every layout pulse.
 * FX thread only.
 */
final class ComponentBadges extends Pane {
    private final ComponentLibraryViewModel library;
    private final GraphCanvas canvas;
    private final Map<String, Button> badges = new LinkedHashMap<>();

    ComponentBadges(ComponentLibraryViewModel library, GraphCanvas canvas, java.util.function.Supplier<Window> owner) {
        this.library = library;
        this.canvas = canvas;
        setPickOnBounds(false);
        setId("component-badges");
        library.updates().addListener((ListChangeListener<ComponentUpdates.Available>) c -> rebuild(owner));
        rebuild(owner);
        sceneProperty().addListener((o, a, s) -> {
            if (s != null) {
                s.addPostLayoutPulseListener(this::place);
            }
        });
    }

    private void rebuild(java.util.function.Supplier<Window> owner) {
        getChildren().clear();
        badges.clear();
        for (ComponentUpdates.Available up : library.updates()) {
            for (HostRef h : up.hosts()) {
                // a use inside another subgraph shows on the card of the top-level subgraph holding it
                for (String card : library.cardsFor(h)) {
                    if (badges.containsKey(card)) {
                        continue;
                    }
                    badge(owner, up, h, card);
                }
            }
        }
        place();
    }

    private void badge(java.util.function.Supplier<Window> owner, ComponentUpdates.Available up, HostRef h,
            String card) {
        Button b = new Button((h.container() == null ? "" : "\"" + up.name() + "\" inside: ") + "v"
                + up.latest().version() + " available");
        b.setId("component-update-" + card);
        b.getStyleClass().addAll("component-badge", "small", "accent");
        b.setFocusTraversable(false);
        b.setManaged(false);
        b.setOnAction(e -> ComponentDialogs.update(owner.get(), library, up, h));
        badges.put(card, b);
        getChildren().add(b);
    }

    /** Puts each badge just above its card's top-right corner (hidden while the card is not shown). */
    private void place() {
        CardBadges.placeAbove(this, canvas, badges, CardBadges.Corner.RIGHT);
    }
}
