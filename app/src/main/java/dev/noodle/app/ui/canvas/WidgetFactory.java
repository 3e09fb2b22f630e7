package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.OptionDetails;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.collections.FXCollections;
import javafx.collections.ObservableMap;
import javafx.css.PseudoClass;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Region;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Slider;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.util.StringConverter;

/** Chooses the inline widget for an input by an exhaustive switch over the sealed {@link InputSpec}. */
public final class WidgetFactory {
    private WidgetFactory() {}

    /**
     * Builds the widget for {@code spec}, or empty for sockets (drawn as ports).
     *
     * @param commit called with (input name, new value) when the user commits an edit
     * @param seedMode called with (input name, "randomize"|"fixed"|"increment") for seed-like ints
     */
    public static Optional<Widget> create(
            InputSpec spec, BiConsumer<String, Object> commit, BiConsumer<String, String> seedMode) {
        return create(spec, commit, seedMode, OptionDetails.NONE);
    }

    /**
     * Builds the widget for {@code spec}; combos list each option with its details (file size, LoRA base model)
     * from {@code details}, read in the background when the list opens.
     */
    public static Optional<Widget> create(InputSpec spec, BiConsumer<String, Object> commit,
            BiConsumer<String, String> seedMode, OptionDetails details) {
        return switch (spec) {
            case IntInput i when i.controlAfterGenerate() -> Optional.of(SeedField.create(i, commit, seedMode));
            case IntInput i -> Optional.of(intSpinner(i, commit));
            case FloatInput f -> Optional.of(floatSlider(f, commit));
            case StringInput s when s.multiline() -> Optional.of(PromptEditor.create(s, commit));
            case StringInput s -> Optional.of(textField(s, commit));
            case BoolInput b -> Optional.of(checkBox(b, commit));
            case ComboInput c -> Optional.of(combo(c, commit, details));
            case SocketInput s -> Optional.empty();
        };
    }

    private static Widget intSpinner(IntInput spec, BiConsumer<String, Object> commit) {
        LongValueFactory factory = new LongValueFactory(spec.min(), spec.max(), spec.step());
        Spinner<Long> spinner = new Spinner<>(factory);
        spinner.setEditable(true);
        spinner.setMaxWidth(Double.MAX_VALUE);
        spinner.getStyleClass().add("int-widget");
        boolean[] showing = {false};
        factory.valueProperty().addListener((obs, a, b) -> {
            if (!showing[0] && b != null) {
                commit.accept(spec.name(), b);
            }
        });
        spinner.focusedProperty().addListener((obs, was, is) -> {
            if (!is) {
                spinner.increment(0); // commits typed text
            }
        });
        return new Widget(spinner, v -> {
            showing[0] = true;
            factory.setValue(((Number) v).longValue());
            showing[0] = false;
        });
    }

    private static Widget floatSlider(FloatInput spec, BiConsumer<String, Object> commit) {
        double max = Double.isFinite(spec.max()) && spec.max() < 1e6 ? spec.max() : Math.max(100, spec.defaultValue() * 4);
        Slider slider = new Slider(spec.min(), max, spec.defaultValue());
        slider.setBlockIncrement(spec.step());
        HBox.setHgrow(slider, Priority.ALWAYS);
        TextField entry = new TextField();
        entry.setPrefColumnCount(5);
        entry.getStyleClass().add("float-entry");
        boolean[] showing = {false};
        Runnable commitText = () -> {
            try {
                double v = clamp(round(Double.parseDouble(entry.getText().trim()), spec), spec.min(), spec.max());
                showing[0] = true;
                slider.setValue(v);
                entry.setText(format(v));
                showing[0] = false;
                commit.accept(spec.name(), v);
            } catch (NumberFormatException e) {
                entry.setText(format(slider.getValue()));
            }
        };
        entry.setOnAction(e -> commitText.run());
        entry.focusedProperty().addListener((obs, was, is) -> {
            if (!is) {
                commitText.run();
            }
        });
        slider.valueProperty().addListener((obs, a, b) -> {
            if (!showing[0]) {
                entry.setText(format(round(b.doubleValue(), spec)));
            }
        });
        slider.valueChangingProperty().addListener((obs, was, is) -> {
            if (!is && !showing[0]) {
                commit.accept(spec.name(), round(slider.getValue(), spec));
            }
        });
        slider.setOnMouseReleased(e -> commit.accept(spec.name(), round(slider.getValue(), spec)));
        HBox box = new HBox(6, slider, entry);
        box.getStyleClass().add("float-widget");
        return new Widget(box, v -> {
            showing[0] = true;
            double d = ((Number) v).doubleValue();
            slider.setValue(d);
            entry.setText(format(d));
            showing[0] = false;
        });
    }

    private static Widget textField(StringInput spec, BiConsumer<String, Object> commit) {
        TextField field = new TextField();
        field.setPromptText(spec.name());
        field.setOnAction(e -> commit.accept(spec.name(), field.getText()));
        field.focusedProperty().addListener((obs, was, is) -> {
            if (!is) {
                commit.accept(spec.name(), field.getText());
            }
        });
        return new Widget(field, v -> field.setText(v == null ? "" : v.toString()));
    }

    private static Widget checkBox(BoolInput spec, BiConsumer<String, Object> commit) {
        CheckBox box = new CheckBox();
        boolean[] showing = {false};
        box.selectedProperty().addListener((obs, a, b) -> {
            if (!showing[0]) {
                commit.accept(spec.name(), b);
            }
        });
        return new Widget(box, v -> {
            showing[0] = true;
            box.setSelected(Boolean.TRUE.equals(v));
            showing[0] = false;
        });
    }

    private static Widget combo(ComboInput spec, BiConsumer<String, Object> commit, OptionDetails details) {
        ComboBox<String> combo = new ComboBox<>();
        combo.getItems().setAll(spec.currentOptions());
        combo.setMaxWidth(Double.MAX_VALUE);
        ObservableMap<String, String> extra = FXCollections.observableHashMap();
        Runnable loadDetails = () -> details.details(spec.name(), List.copyOf(combo.getItems()))
                .thenAcceptAsync(extra::putAll, Platform::runLater);
        combo.setCellFactory(list -> new OptionCell(extra));
        combo.setOnShowing(e -> {
            String keep = combo.getValue();
            combo.getItems().setAll(spec.currentOptions());
            if (keep != null && !combo.getItems().contains(keep) && spec.accepts(keep)) {
                combo.getItems().add(keep); // a value the options accept without listing it (a clipspace mask)
            }
            combo.setValue(keep);
            loadDetails.run();
        });
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(Bindings.createStringBinding(() -> combo.getValue() == null ? ""
                : combo.getValue() + (extra.containsKey(combo.getValue()) ? "\n" + extra.get(combo.getValue()) : ""),
                combo.valueProperty(), extra));
        combo.setTooltip(tip);
        boolean[] showing = {false};
        combo.valueProperty().addListener((obs, a, b) -> {
            if (!showing[0] && b != null) {
                commit.accept(spec.name(), b);
            }
        });
        return new Widget(combo, v -> {
            showing[0] = true;
            if (v != null && !combo.getItems().contains(v.toString()) && spec.accepts(v.toString())) {
                combo.getItems().add(v.toString()); // accepted though not listed (a clipspace mask): shown, not blank
            }
            combo.setValue(v == null ? null : v.toString());
            showing[0] = false;
        });
    }

    /** A combo list entry: the option, and its details (size, base model) at the right once read. */
    static final class OptionCell extends ListCell<String> {
        /** On a detail saying the file cannot be used ("invalid: empty file"): shown in the error colour. */
        private static final PseudoClass UNUSABLE = PseudoClass.getPseudoClass("unusable");
        private final Label name = new Label();
        private final Label detail = new Label();
        private final HBox box;
        private final ObservableMap<String, String> extra;

        OptionCell(ObservableMap<String, String> extra) {
            this.extra = extra;
            detail.getStyleClass().add("option-detail");
            detail.textProperty().addListener((obs, a, b) ->
                    detail.pseudoClassStateChanged(UNUSABLE, OptionDetails.marksUnusable(b)));
            Region gap = new Region();
            HBox.setHgrow(gap, Priority.ALWAYS);
            box = new HBox(12, name, gap, detail);
        }

        @Override
        protected void updateItem(String item, boolean empty) {
            super.updateItem(item, empty);
            detail.textProperty().unbind();
            if (empty || item == null) {
                setGraphic(null);
                setText(null);
                return;
            }
            name.setText(item);
            detail.textProperty().bind(Bindings.valueAt(extra, item));
            detail.pseudoClassStateChanged(UNUSABLE, OptionDetails.marksUnusable(detail.getText()));
            setText(null);
            setGraphic(box);
        }
    }

    static double round(double v, FloatInput spec) {
        double r = spec.round() > 0 ? spec.round() : spec.step() > 0 ? spec.step() / 10 : 0;
        if (r <= 0) {
            return v;
        }
        return BigDecimal.valueOf(Math.round(v / r)).multiply(BigDecimal.valueOf(r)).doubleValue();
    }

    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }

    static String format(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }

    /** A spinner value factory for long values, clamped to [min, max]. */
    static final class LongValueFactory extends SpinnerValueFactory<Long> {
        private final long min;
        private final long max;
        private final long step;

        LongValueFactory(long min, long max, long step) {
            this.min = min;
            this.max = max;
            this.step = Math.max(1, step);
            setConverter(new StringConverter<>() {
                @Override
                public String toString(Long v) {
                    return v == null ? "" : Long.toString(v);
                }

                @Override
                public Long fromString(String s) {
                    try {
                        return clampLong(Long.parseLong(s.trim()));
                    } catch (NumberFormatException e) {
                        return getValue();
                    }
                }
            });
            setValue(min);
            valueProperty().addListener((obs, a, b) -> {
                if (b != null && b != clampLong(b)) {
                    setValue(clampLong(b));
                }
            });
        }

        long clampLong(long v) {
            return Math.max(min, Math.min(max, v));
        }

        @Override
        public void decrement(int steps) {
            setValue(clampLong(getValue() - steps * step));
        }

        @Override
        public void increment(int steps) {
            setValue(clampLong(getValue() + steps * step));
        }
    }
}
