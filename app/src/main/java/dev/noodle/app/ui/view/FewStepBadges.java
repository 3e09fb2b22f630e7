package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.vm.FewStepOffers;
import java.util.LinkedHashMap;
import java.util.Map;
import javafx.collections.MapChangeListener;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;

/**
 * The few-step preset offers over sampler cards: an Apply button and the offer, "⚡ Few-step preset: LCM 4 steps — lcm/sgm_uniform, 4 steps,
 * cfg 1.5 — why", and an Apply button that sets the sampler's fields as one undoable edit. A transparent layer over
 * the canvas that follows the cards on every layout pulse, as {@link ModelWarnings} does. FX thread only.
 */
final class FewStepBadges extends Pane {
    private final GraphCanvas canvas;
    private final Map<String, HBox> badges = new LinkedHashMap<>();

    FewStepBadges(FewStepOffers offers, GraphCanvas canvas) {
        this.canvas = canvas;
        setPickOnBounds(false);
        setId("few-step-offers");
        offers.offers().addListener((MapChangeListener<String, FewStepOffers.Offer>) c -> rebuild(offers));
        rebuild(offers);
        sceneProperty().addListener((o, a, s) -> {
            if (s != null) {
                s.addPostLayoutPulseListener(this::place);
            }
        });
    }

    private void rebuild(FewStepOffers offers) {
        getChildren().clear();
        badges.clear();
        for (FewStepOffers.Offer o : offers.offers().values()) {
            Label text = new Label("⚡ " + o.text());
            text.setId("few-step-offer-text-" + o.samplerId());
            text.setWrapText(true); // the settings, the reason and the file: a few short lines beside the button
            text.setPrefWidth(460);
            text.setMaxWidth(460);
            text.setTooltip(new Tooltip(o.text() + "\nSource: " + o.detection().preset().source()));
            Button apply = new Button("Apply");
            apply.setId("few-step-apply-" + o.samplerId());
            apply.setOnAction(e -> offers.apply(o.samplerId()));
            HBox b = new HBox(6, apply, text); // Apply first, where a card near the canvas edge still shows it
            b.setId("few-step-offer-" + o.samplerId());
            b.getStyleClass().add("few-step-offer");
            b.setManaged(false);
            badges.put(o.samplerId(), b);
            getChildren().add(b);
        }
        place();
    }

    /** Puts each offer just above its sampler card's top-left corner (hidden while the card is not shown). */
    private void place() {
        CardBadges.placeAbove(this, canvas, badges);
    }
}
