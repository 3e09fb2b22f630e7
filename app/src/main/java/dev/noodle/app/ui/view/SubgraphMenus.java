package dev.noodle.app.ui.view;

import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.SubgraphEditing;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.input.KeyCombination;

/** The Subgraph menu and the subgraph items of a node's right-click menu. Use on the FX thread. */
final class SubgraphMenus {
    /** The shortcut that converts the selection. */
    static final String CONVERT_KEYS = "Shortcut+Shift+E";

    private SubgraphMenus() {}

    /** The menu-bar menu: convert, unpack, open, leave. */
    static Menu menu(GraphEditorViewModel vm) {
        SubgraphEditing edits = new SubgraphEditing(vm);
        MenuItem convert = item("Convert to Subgraph", CONVERT_KEYS, edits::convertSelection);
        convert.setId("menu-convert-subgraph");
        MenuItem unpack = item("Unpack Subgraph", null, edits::unpackSelection);
        unpack.setId("menu-unpack-subgraph");
        MenuItem open = item("Open Subgraph", null, () -> edits.selectedHost().ifPresent(vm::enter));
        open.setId("menu-open-subgraph");
        MenuItem leave = item("Leave Subgraph", null, vm::leave);
        leave.setId("menu-leave-subgraph");
        Menu menu = new Menu("Subgraph", null, convert, unpack, new SeparatorMenuItem(), open, leave);
        menu.setId("subgraph-menu");
        menu.setOnShowing(e -> {
            convert.setDisable(!edits.canConvert());
            unpack.setDisable(edits.selectedHost().isEmpty());
            open.setDisable(edits.selectedHost().isEmpty());
            leave.setDisable(vm.where().isRoot());
        });
        return menu;
    }

    /** The subgraph items for a node's right-click menu (the node is selected already). */
    static List<MenuItem> cardItems(GraphEditorViewModel vm, NodeCard card) {
        SubgraphEditing edits = new SubgraphEditing(vm);
        List<MenuItem> items = new ArrayList<>();
        items.add(new SeparatorMenuItem());
        MenuItem convert = item("Convert to Subgraph", null, edits::convertSelection);
        convert.setId("context-convert-subgraph");
        convert.setDisable(!edits.canConvert());
        items.add(convert);
        if (edits.definitionOf(card.nodeId()) != null) {
            MenuItem open = item("Open Subgraph", null, () -> vm.enter(card.nodeId()));
            open.setId("context-open-subgraph");
            MenuItem unpack = item("Unpack Subgraph", null, edits::unpackSelection);
            unpack.setId("context-unpack-subgraph");
            items.add(open);
            items.add(unpack);
        }
        List<String> promotable = edits.promotable(card.nodeId());
        if (!promotable.isEmpty()) {
            Menu promote = new Menu("Promote Widget to Subgraph Input");
            promote.setId("context-promote");
            for (String input : promotable) {
                MenuItem mi = item(input, null, () -> edits.promote(card.nodeId(), input));
                mi.setId("context-promote-" + input);
                promote.getItems().add(mi);
            }
            items.add(promote);
        }
        return items;
    }

    private static MenuItem item(String text, String accel, Runnable action) {
        MenuItem mi = new MenuItem(text);
        if (accel != null) {
            mi.setAccelerator(KeyCombination.keyCombination(accel));
        }
        mi.setOnAction(e -> action.run());
        return mi;
    }
}
