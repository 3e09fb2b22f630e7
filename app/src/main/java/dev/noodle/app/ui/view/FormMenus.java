package dev.noodle.app.ui.view;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.vm.FormViewModel;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.model.FormInput;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;

/** The form entries of a node's right-click menu: Add to Form (per widget input), Remove from Form, Open as Form. */
final class FormMenus {
    private FormMenus() {}

    /** The form items for the node {@code nodeId}; empty when it has nothing to offer. */
    static List<MenuItem> forNode(MainWindow w, EditorComponents c, String nodeId) {
        GraphEditorViewModel vm = c.editor();
        List<MenuItem> items = new ArrayList<>();
        Menu add = new Menu("Add to Form");
        add.setId("add-to-form");
        for (String input : FormViewModel.addableInputs(vm, nodeId)) {
            MenuItem mi = new MenuItem(input);
            mi.setId("add-to-form-" + input);
            mi.setOnAction(e -> FormViewModel.addToForm(vm, nodeId, input));
            add.getItems().add(mi);
        }
        add.setDisable(add.getItems().isEmpty());
        items.add(add);
        List<FormInput> entries = FormViewModel.entriesOf(vm, nodeId);
        if (!entries.isEmpty()) {
            Menu remove = new Menu("Remove from Form");
            remove.setId("remove-from-form");
            for (FormInput f : entries) {
                MenuItem mi = new MenuItem(f.displayName() + " (" + f.input() + ")");
                mi.setId("remove-from-form-" + f.name());
                mi.setOnAction(e -> FormViewModel.removeFromForm(vm, f.name()));
                remove.getItems().add(mi);
            }
            items.add(remove);
        }
        if (vm.workflow().subgraphOf(vm.workflow().node(nodeId)) != null) {
            MenuItem open = new MenuItem("Open as Form");
            open.setOnAction(e -> FormWindow.open(w, c, nodeId));
            items.add(open);
        }
        return items;
    }

    /** The View menu's item: the workflow's form, or the selected subgraph node's. */
    static MenuItem openAsForm(MainWindow w, EditorComponents c) {
        MenuItem mi = new MenuItem("Open as Form");
        mi.setId("open-as-form");
        mi.setOnAction(e -> FormWindow.open(w, c));
        return mi;
    }
}
