package dev.noodle.app.ui.canvas;

import dev.noodle.graph.model.Note;
import java.util.List;
import javafx.scene.Group;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.layout.Region;

/** The workflow's notes (Layout.notes) as text boxes behind the cards; they take no mouse input. FX thread only. */
final class NoteLayer extends Group {
    /** Redraws the notes. */
    void sync(List<Note> notes) {
        getChildren().clear();
        for (Note note : notes) {
            Label text = new Label(note.text());
            text.setWrapText(true);
            text.getStyleClass().add("canvas-note");
            text.setPrefWidth(note.width() > 0 ? note.width() : 300);
            if (note.height() > 0) {
                text.setMinHeight(note.height());
            }
            text.setMaxHeight(Region.USE_PREF_SIZE);
            text.relocate(note.x(), note.y());
            text.setMouseTransparent(true);
            getChildren().add(text);
        }
    }

    /** Sizes the notes to their text (called from the canvas's layout pass). */
    void autosizeNotes() {
        for (Node n : getChildren()) {
            n.autosize();
        }
    }
}
