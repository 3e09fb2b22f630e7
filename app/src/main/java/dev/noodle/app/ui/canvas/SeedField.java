package dev.noodle.app.ui.canvas;

import dev.noodle.graph.spec.IntInput;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** The seed widget: a number field, a dice button, and what to do after each run (randomize/fixed/increment). */
final class SeedField {
    /** Modes for {@code control_after_generate}, ComfyUI's names. */
    static final String[] MODES = {"randomize", "fixed", "increment", "decrement"};

    private SeedField() {}

    static Widget create(IntInput spec, BiConsumer<String, Object> commit, BiConsumer<String, String> seedMode) {
        TextField field = new TextField();
        field.getStyleClass().add("seed-field");
        HBox.setHgrow(field, Priority.ALWAYS);
        Runnable commitText = () -> {
            try {
                long v = Math.max(spec.min(), Math.min(spec.max(), Long.parseLong(field.getText().trim())));
                field.setText(Long.toString(v));
                commit.accept(spec.name(), v);
            } catch (NumberFormatException e) {
                field.setText(Long.toString(spec.defaultValue()));
            }
        };
        field.setOnAction(e -> commitText.run());
        field.focusedProperty().addListener((obs, was, is) -> {
            if (!is) {
                commitText.run();
            }
        });
        Button dice = new Button("Random");
        dice.getStyleClass().add("seed-dice");
        dice.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        dice.setTooltip(new Tooltip("New random seed"));
        dice.setOnAction(e -> {
            long v = ThreadLocalRandom.current().nextLong(spec.min(), Math.min(spec.max(), 1L << 50) + 1);
            field.setText(Long.toString(v));
            commit.accept(spec.name(), v);
        });
        ChoiceBox<String> mode = new ChoiceBox<>();
        mode.getItems().setAll(MODES);
        mode.setTooltip(new Tooltip("What happens to the seed after each run"));
        mode.setMaxWidth(Double.MAX_VALUE);
        boolean[] showing = {false};
        mode.valueProperty().addListener((obs, a, b) -> {
            if (!showing[0] && b != null) {
                seedMode.accept(spec.name(), b);
            }
        });
        VBox box = new VBox(4, new HBox(4, field, dice), mode);
        box.getStyleClass().add("seed-widget");
        return new Widget(box, v -> {
            showing[0] = true;
            if (v instanceof SeedValue sv) {
                field.setText(Long.toString(sv.seed()));
                mode.setValue(sv.mode());
            } else if (v instanceof Number n) {
                field.setText(Long.toString(n.longValue()));
            }
            showing[0] = false;
        });
    }

    /** What a seed widget shows: the number and its after-run mode. */
    record SeedValue(long seed, String mode) {}
}
