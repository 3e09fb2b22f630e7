package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.ComponentLibraryViewModel;
import dev.noodle.graph.library.ComponentConflictException;
import dev.noodle.graph.library.ComponentDiff;
import dev.noodle.graph.library.ComponentUpdates;
import dev.noodle.graph.library.HostRef;
import dev.noodle.graph.model.Subgraph;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/**
 * The component dialogs: "Publish as component…" (name, description, new version or new component) and the update
 * offer (what changed; update this use, update all, not now). Non-blocking: each acts when closed. FX thread only.
 */
final class ComponentDialogs {
    static final ButtonType PUBLISH = new ButtonType("Publish", ButtonBar.ButtonData.OK_DONE);
    static final ButtonType UPDATE_ONE = new ButtonType("Update this use", ButtonBar.ButtonData.OTHER);
    static final ButtonType UPDATE_ALL = new ButtonType("Update all", ButtonBar.ButtonData.OK_DONE);
    static final ButtonType NOT_NOW = new ButtonType("Not now", ButtonBar.ButtonData.CANCEL_CLOSE);
    static final ButtonType DROP = new ButtonType("Drop those wires and update", ButtonBar.ButtonData.OK_DONE);

    private ComponentDialogs() {}

    /** Asks for a name and description and publishes what {@code hostId} uses. */
    static Dialog<ButtonType> publish(Window owner, ComponentLibraryViewModel library, String hostId) {
        Subgraph def = library.definitionOf(hostId);
        Dialog<ButtonType> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle("Publish as component");
        d.setHeaderText("Publish \"" + def.name() + "\" to the component library (" + library.library().folder()
                + ")");
        TextField name = new TextField(def.name());
        name.setId("component-name");
        TextArea description = new TextArea(def.description() == null ? "" : def.description());
        description.setId("component-description");
        description.setPrefRowCount(3);
        description.setWrapText(true);
        CheckBox version = new CheckBox(def.component() == null ? "" : "As the next version of this component"
                + " (this copy is version " + def.component().version() + "); untick to publish a new component");
        version.setId("component-new-version");
        version.setSelected(def.component() != null);
        version.setVisible(def.component() != null);
        version.setManaged(def.component() != null);
        version.setWrapText(true);
        d.getDialogPane().setContent(new VBox(6, new Label("Name"), name, new Label("Description"), description,
                version));
        d.getDialogPane().getButtonTypes().addAll(PUBLISH, ButtonType.CANCEL);
        d.getDialogPane().lookupButton(PUBLISH).setId("component-publish");
        d.getDialogPane().setId("publish-dialog");
        d.setOnHidden(e -> {
            if (d.getResult() != PUBLISH) {
                return;
            }
            try {
                library.publish(hostId, name.getText(), description.getText(), version.isSelected());
            } catch (ComponentConflictException | IOException | IllegalArgumentException ex) {
                error(owner, "Cannot publish \"" + name.getText() + "\"", ex.getMessage());
            }
        });
        d.show();
        return d;
    }

    /** Shows what an update changes and updates this use, all uses, or nothing. */
    static Dialog<ButtonType> update(Window owner, ComponentLibraryViewModel library,
            ComponentUpdates.Available up, HostRef use) {
        Dialog<ButtonType> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle("Component update");
        d.setHeaderText("\"" + up.name() + "\": version " + up.current() + " → " + up.latest().version()
                + " in the library");
        Label text = new Label(describe(up, library));
        text.setId("component-diff");
        text.setWrapText(true);
        text.setMaxWidth(560);
        d.getDialogPane().setContent(text);
        d.getDialogPane().getButtonTypes().addAll(UPDATE_ONE, UPDATE_ALL, NOT_NOW);
        d.getDialogPane().lookupButton(UPDATE_ONE).setId("update-one");
        d.getDialogPane().lookupButton(UPDATE_ALL).setId("update-all");
        d.getDialogPane().lookupButton(NOT_NOW).setId("update-not-now");
        d.getDialogPane().setId("update-dialog");
        d.setOnHidden(e -> {
            if (d.getResult() == UPDATE_ONE) {
                apply(owner, library, up, use);
            } else if (d.getResult() == UPDATE_ALL) {
                apply(owner, library, up, null);
            }
        });
        d.show();
        return d;
    }

    /** The diff in words, and the uses. */
    static String describe(ComponentUpdates.Available up, ComponentLibraryViewModel library) {
        ComponentDiff diff = up.diff();
        List<String> lines = new ArrayList<>();
        if (!diff.interfaceChanges().isEmpty()) {
            lines.add("Interface:");
            diff.interfaceChanges().forEach(l -> lines.add("  • " + l));
        }
        if (!diff.nodeChanges().isEmpty()) {
            lines.add("Inside:");
            diff.nodeChanges().forEach(l -> lines.add("  • " + l));
        }
        if (diff.isEmpty()) {
            lines.add("Nothing a run sees changed (name, description or layout only).");
        }
        if (!up.latest().description().isBlank()) {
            lines.add("");
            lines.add(up.latest().description());
        }
        lines.add("");
        lines.add("Used by " + String.join(", ", up.hosts().stream().map(library::describe).toList()));
        return String.join("\n", lines);
    }

    private static void apply(Window owner, ComponentLibraryViewModel library, ComponentUpdates.Available up,
            HostRef use) {
        try {
            library.update(up, use, false);
        } catch (ComponentConflictException e) {
            Alert a = new Alert(Alert.AlertType.WARNING, e.getMessage(), DROP, ButtonType.CANCEL);
            a.initOwner(owner);
            a.setHeaderText("This update would break wires");
            a.getDialogPane().setId("update-breaks-wires");
            a.getDialogPane().lookupButton(DROP).setId("update-drop-wires");
            a.setOnHidden(ev -> {
                if (a.getResult() == DROP) {
                    library.update(up, use, true);
                }
            });
            a.show();
        }
    }

    private static void error(Window owner, String header, String message) {
        Alert a = new Alert(Alert.AlertType.ERROR, message);
        a.initOwner(owner);
        a.setHeaderText(header);
        a.getDialogPane().setId("component-error");
        a.show();
    }
}
