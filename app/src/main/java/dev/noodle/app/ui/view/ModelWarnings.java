package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.vm.ModelMismatch;
import java.util.LinkedHashMap;
import java.util.Map;
import javafx.collections.MapChangeListener;
import javafx.collections.ObservableMap;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Pane;

/**
 * The base-model badges over cards that load a file made for another base model than their checkpoint ("⚠ LoRA for
 * SDXL on an SD 1.x checkpoint"), with the whole finding as tooltip; a note (Pony on SDXL) in a quieter style. A
 * transparent layer over the canvas that follows the cards on every layout pulse, as {@link ComponentBadges} does.
 * FX thread only.
 */
final class ModelWarnings extends Pane {
    private final GraphCanvas canvas;
    private final Map<String, Label> badges = new LinkedHashMap<>();

    ModelWarnings(ObservableMap<String, ModelMismatch.Finding> warnings, GraphCanvas canvas) {
        this.canvas = canvas;
        setPickOnBounds(false);
        setId("model-warnings");
        warnings.addListener((MapChangeListener<String, ModelMismatch.Finding>) c -> rebuild(warnings));
        rebuild(warnings);
        sceneProperty().addListener((o, a, s) -> {
            if (s != null) {
                s.addPostLayoutPulseListener(this::place);
            }
        });
    }

    private void rebuild(ObservableMap<String, ModelMismatch.Finding> warnings) {
        getChildren().clear();
        badges.clear();
        for (ModelMismatch.Finding f : warnings.values()) {
            // the headline, "LoRA for SDXL on an SD 1.x checkpoint"; the rest (file, what to pick) is the tooltip
            int end = f.text().indexOf(" checkpoint");
            String shortText = end < 0 ? f.text() : f.text().substring(0, end + " checkpoint".length());
            Label b = new Label((f.serious() ? "⚠ " : "ⓘ ") + shortText);
            b.setId("model-warning-" + f.nodeId());
            b.getStyleClass().addAll("model-warning", f.serious() ? "serious" : "note");
            b.setTooltip(new Tooltip(f.text()));
            b.setManaged(false);
            badges.put(f.nodeId(), b);
            getChildren().add(b);
        }
        place();
    }

    /** Puts each badge just above its card's top-left corner (hidden while the card is not shown). */
    private void place() {
        CardBadges.placeAbove(this, canvas, badges);
    }
}
