package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.PromptTokens;
import dev.noodle.graph.spec.StringInput;
import java.util.Collection;
import java.util.List;
import java.util.function.BiConsumer;
import javafx.scene.input.MouseEvent;
import org.fxmisc.richtext.CodeArea;
import org.fxmisc.richtext.model.StyleSpans;
import org.fxmisc.richtext.model.StyleSpansBuilder;

/**
 * The multi-line prompt widget: a RichTextFX {@link CodeArea} restyled on every edit from {@link PromptTokens}, so
 * weight groups, {@code [de-emphasis]}, {@code embedding:} names and {@code <lora:…>} tags show as the user types.
 * Commits the text when focus leaves. FX thread only.
 */
final class PromptEditor {
    private PromptEditor() {}

    static Widget create(StringInput spec, BiConsumer<String, Object> commit) {
        CodeArea area = new CodeArea();
        area.setWrapText(true);
        area.getStyleClass().add("prompt-widget");
        area.setAccessibleText(spec.name());
        area.textProperty().addListener((obs, a, b) -> restyle(area, b));
        // presses stay in the editor: the canvas would otherwise take the focus (and commit) mid-click
        area.addEventHandler(MouseEvent.MOUSE_PRESSED, MouseEvent::consume);
        area.focusedProperty().addListener((obs, was, is) -> {
            if (!is) {
                commit.accept(spec.name(), area.getText());
            }
        });
        return new Widget(area, v -> {
            String text = v == null ? "" : v.toString();
            if (!area.getText().equals(text)) {
                area.replaceText(text);
                area.getUndoManager().forgetHistory(); // undo of model values is the editor's, not the area's
            }
        });
    }

    private static void restyle(CodeArea area, String text) {
        if (text.isEmpty()) {
            return;
        }
        area.setStyleSpans(0, spans(text));
    }

    /** The style classes per span, e.g. {@code [prompt-emphasis, prompt-depth-2]}. */
    static StyleSpans<Collection<String>> spans(String text) {
        StyleSpansBuilder<Collection<String>> b = new StyleSpansBuilder<>();
        for (PromptTokens.Span s : PromptTokens.tokenize(text)) {
            b.add(s.depth() > 1
                    ? List.of(s.kind().styleClass(), "prompt-depth-" + Math.min(s.depth(), 3))
                    : List.of(s.kind().styleClass()), s.length());
        }
        return b.create();
    }
}
