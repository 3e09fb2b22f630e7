package dev.noodle.app.ui.view;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.nodes.host.NodePacks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javafx.collections.ListChangeListener;
import javafx.geometry.Point2D;
import javafx.scene.control.Alert;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.input.KeyCombination;

/** The menu bar and the right-click menus (categorised "Add node" tree, node actions). */
final class Menus {
    private Menus() {}

    static MenuBar create(MainWindow w, EditorComponents c) {
        GraphEditorViewModel vm = c.editor();
        Menu recent = new Menu("Open Recent");
        Runnable fillRecent = () -> {
            recent.getItems().clear();
            for (Path p : c.files().recent()) {
                MenuItem mi = new MenuItem(p.toString());
                mi.setOnAction(e -> w.open(p));
                recent.getItems().add(mi);
            }
            recent.setDisable(recent.getItems().isEmpty());
        };
        c.files().recent().addListener((ListChangeListener<Path>) ch -> fillRecent.run());
        fillRecent.run();
        Menu examples = new Menu("Examples");
        examples.setId("examples-menu");
        for (Path p : c.files().examples()) {
            MenuItem mi = new MenuItem(p.getFileName().toString().replace(".json", ""));
            mi.setOnAction(e -> w.open(p));
            examples.getItems().add(mi);
        }
        examples.setDisable(examples.getItems().isEmpty());
        Menu file = new Menu("File", null,
                item("New", "Shortcut+N", w::newWorkflow),
                item("Open…", "Shortcut+O", w::openDialog),
                recent, examples, new SeparatorMenuItem(),
                item("Save", "Shortcut+S", () -> w.save()),
                item("Save As…", "Shortcut+Shift+S", () -> w.saveAs()),
                new Menu("Export", null,
                        item("ComfyUI Workflow JSON…", null, () -> w.export(false)),
                        item("ComfyUI API JSON…", null, () -> w.export(true))),
                new SeparatorMenuItem(),
                item("Quit", "Shortcut+Q", () -> {
                    if (w.confirmDiscard()) {
                        w.shutdown();
                        w.stage().close();
                    }
                }));
        MenuItem undo = item("Undo", "Shortcut+Z", vm::undo);
        undo.disableProperty().bind(vm.canUndoProperty().not());
        MenuItem redo = item("Redo", "Shortcut+Shift+Z", vm::redo);
        redo.disableProperty().bind(vm.canRedoProperty().not());
        MenuItem redoY = item("Redo (alternative)", "Shortcut+Y", vm::redo);
        redoY.disableProperty().bind(vm.canRedoProperty().not());
        Menu edit = new Menu("Edit", null, undo, redo, redoY, new SeparatorMenuItem(),
                item("Copy", "Shortcut+C", w::copy),
                item("Paste", "Shortcut+V", w::paste),
                item("Duplicate", "Shortcut+D", vm::duplicateSelection),
                new SeparatorMenuItem(),
                item("Select All", "Shortcut+A", vm::selectAll),
                item("Group Selected Nodes", "Shortcut+G", () -> w.canvas().groupSelection()),
                item("Collapse / Expand", "Alt+C", () -> w.canvas().edits().toggleCollapsedSelection()),
                item("Delete Selected", null, vm::deleteSelection),
                item("Mute / Unmute", "Shortcut+M", () -> toggleMode(vm, NodeMode.MUTED)),
                item("Bypass / Unbypass", "Shortcut+B", () -> toggleMode(vm, NodeMode.BYPASSED)));
        Menu run = new Menu("Run", null,
                item("Run", "Shortcut+Enter", w::run),
                item("Cancel", "Esc", w::cancel),
                new SeparatorMenuItem(),
                item("Sweep…", null, () -> SweepDialog.show(w, c)),
                new SeparatorMenuItem(),
                item("Queue and Workers", null, w::showQueue));
        CheckMenuItem minimap = new CheckMenuItem("Minimap");
        minimap.setId("minimap-toggle");
        minimap.selectedProperty().bindBidirectional(w.canvas().minimap().visibleProperty());
        Menu view = new Menu("View", null,
                item("Fit to View", null, () -> w.canvas().fitToView()),
                minimap,
                FormMenus.openAsForm(w, c),
                item("Models", null, w::showModels),
                item("Toggle Dark Theme", "Shortcut+T", () -> w.setDark(!w.isDark())),
                item("Keyboard Shortcuts", "F1", () -> shortcuts(w)));
        Menu help = new Menu("Help", null,
                item("Learn: Checkpoint, LoRA, VAE", null, w::openLearn),
                item("Node Packs", null, () -> nodePacks(w, c)),
                item("Keyboard Shortcuts", null, () -> shortcuts(w)));
        return new MenuBar(file, edit, SubgraphMenus.menu(vm), run, view, help);
    }

    private static void toggleMode(GraphEditorViewModel vm, NodeMode mode) {
        boolean allInMode = !vm.selection().isEmpty()
                && vm.selection().stream().allMatch(id -> vm.level().node(id).mode() == mode);
        vm.setModeOfSelection(allInMode ? NodeMode.NORMAL : mode);
    }

    static ContextMenu contextMenu(MainWindow w, EditorComponents c, NodeCard card, Point2D at) {
        GraphEditorViewModel vm = c.editor();
        if (card != null) {
            if (!vm.selection().contains(card.nodeId())) {
                vm.select(Set.of(card.nodeId()));
            }
            ContextMenu menu = new ContextMenu(
                    item("Copy", null, w::copy),
                    item("Duplicate", null, vm::duplicateSelection),
                    item("Delete", null, vm::deleteSelection),
                    item("Group", null, () -> w.canvas().groupSelection()),
                    item("Collapse / Expand", null, () -> w.canvas().edits().toggleCollapsedSelection()),
                    item("Mute / Unmute", null, () -> toggleMode(vm, NodeMode.MUTED)),
                    item("Bypass / Unbypass", null, () -> toggleMode(vm, NodeMode.BYPASSED)));
            List<MenuItem> imageItems = ImageTools.menuItems(card);
            if (!imageItems.isEmpty()) {
                menu.getItems().add(0, new SeparatorMenuItem());
                menu.getItems().addAll(0, imageItems);
            }
            menu.getItems().addAll(SubgraphMenus.cardItems(vm, card));
            fewStepItems(w, card.nodeId()).ifPresent(m -> menu.getItems().addAll(new SeparatorMenuItem(), m));
            if (w.componentLibrary().definitionOf(card.nodeId()) != null) { // a subgraph host
                MenuItem publish = item("Publish as component…", null,
                        () -> ComponentDialogs.publish(w.stage(), w.componentLibrary(), card.nodeId()));
                publish.setId("publish-component");
                menu.getItems().addAll(new SeparatorMenuItem(), publish);
            }
            menu.getItems().add(new SeparatorMenuItem());
            menu.getItems().addAll(FormMenus.forNode(w, c, card.nodeId()));
            return menu;
        }
        Menu add = new Menu("Add Node");
        Map<String, Menu> byCategory = new LinkedHashMap<>();
        for (NodeDefinition def : vm.registry().all()) {
            NodeSchema s = def.schema();
            Menu parent = add;
            StringBuilder path = new StringBuilder();
            for (String part : s.category().split("/")) {
                path.append('/').append(part);
                Menu outer = parent;
                parent = byCategory.computeIfAbsent(path.toString(), k -> {
                    Menu m = new Menu(part);
                    outer.getItems().add(m);
                    return m;
                });
            }
            MenuItem mi = new MenuItem(s.displayName());
            mi.setOnAction(e -> vm.addNode(s.type(), at.getX(), at.getY()));
            parent.getItems().add(mi);
        }
        return new ContextMenu(add, item("Paste", null, w::paste),
                item("Fit to View", null, () -> w.canvas().fitToView()));
    }

    /**
     * On a KSampler: "Few-step preset" with the preset detected from its LoRA or checkpoint first (when there is one)
     * and then every preset, each applied as one undoable edit.
     */
    private static java.util.Optional<Menu> fewStepItems(MainWindow w, String nodeId) {
        var node = w.canvasViewModel().level().node(nodeId);
        if (node == null || !dev.noodle.nodes.sampling.FewStepPlan.SAMPLERS.contains(node.type())) {
            return java.util.Optional.empty();
        }
        Menu m = new Menu("Few-step preset");
        m.setId("few-step-menu");
        var offer = w.fewSteps().offers().get(nodeId);
        if (offer != null) {
            MenuItem detected = item("Detected: " + offer.detection().describe(), null, () -> w.fewSteps().apply(nodeId));
            detected.setId("few-step-detected");
            m.getItems().addAll(detected, new SeparatorMenuItem());
        }
        for (var p : dev.noodle.nodes.sampling.FewStepPresets.all()) {
            MenuItem mi = item(p.label() + " — " + p.settings(), null, () -> w.fewSteps().applyPreset(nodeId, p));
            mi.setId("few-step-" + p.id());
            m.getItems().add(mi);
        }
        return java.util.Optional.of(m);
    }

    /** The loaded node packs: each with its version, jar and node types, and what loading a custom pack means. */
    private static void nodePacks(MainWindow w, EditorComponents c) {
        NodeRegistry registry = c.editor().registry();
        StringBuilder sb = new StringBuilder();
        for (PackInfo pack : registry.packs()) {
            sb.append(pack.label()).append(pack.custom() ? " — " + NodePacks.shown(pack.source()) : " — built in")
                    .append(" — ").append(pack.nodeTypes().size()).append(" node type(s)\n");
            if (pack.custom()) {
                for (String type : pack.nodeTypes()) {
                    registry.find(type).ifPresent(d -> sb.append("    ").append(d.schema().displayName()).append(" (")
                            .append(type).append(", ").append(d.schema().category()).append(")\n"));
                }
            }
        }
        sb.append('\n').append(NodePacks.notice(registry.packs()).orElse("No custom node pack is loaded: node pack"
                + " jars go in custom_nodes/ beside the models folder."));
        Alert a = new Alert(Alert.AlertType.INFORMATION, sb.toString());
        a.setHeaderText("Node packs");
        a.initOwner(w.stage());
        a.show();
    }

    private static void shortcuts(MainWindow w) {
        StringBuilder sb = new StringBuilder();
        for (String[] s : SidePanels.SHORTCUTS) {
            sb.append(s[0]).append("  —  ").append(s[1]).append('\n');
        }
        Alert a = new Alert(Alert.AlertType.INFORMATION, sb.toString());
        a.setHeaderText("Keyboard shortcuts");
        a.initOwner(w.stage());
        a.show();
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
