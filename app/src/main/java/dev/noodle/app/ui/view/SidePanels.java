package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.Concepts;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.app.ui.vm.QueueViewModel;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import java.nio.file.Path;
import javafx.collections.SetChangeListener;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.VBox;

/** The right-hand panels: explanation of the selected node, the run queue, the gallery, and keyboard shortcuts. */
final class SidePanels {
    static final String[][] SHORTCUTS = {
        {"Double-click canvas / Space / Tab", "Search and add a node"},
        {"Right-click canvas", "Add a node from the category menu"},
        {"Drag from an output to an input", "Connect (refused with a reason if the types differ)"},
        {"Drag from a connected input", "Move or remove that wire"},
        {"Drag from an unconnected input to an output", "Connect it from that side"},
        {"Drop a wire on empty canvas", "Search the nodes that can take it; the one chosen is wired in"},
        {"Drag empty space / middle button", "Pan"},
        {"Mouse wheel", "Zoom at the cursor"},
        {"F", "Fit the whole graph in view"},
        {"Click / Shift+click a node", "Select / add to selection"},
        {"Ctrl+drag / Shift+drag empty space", "Rubber-band select (Shift adds to the selection)"},
        {"Ctrl+G", "Group the selected nodes (double-click a group's title to rename it)"},
        {"Drag a group's title bar", "Move the group and the nodes inside it"},
        {"Alt+C / the ▾ on a card", "Collapse / expand the selected nodes"},
        {"Click or drag in the minimap", "Move the view there (View ▸ Minimap shows or hides it)"},
        {"Delete / Backspace", "Delete selected nodes"},
        {"Ctrl+A", "Select all"},
        {"Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y)", "Undo / redo"},
        {"Ctrl+M / Ctrl+B", "Mute / bypass selected nodes"},
        {"Ctrl+Enter", "Run the workflow"},
        {"Escape", "Cancel the running workflow"},
        {"Ctrl+N / Ctrl+O / Ctrl+S / Ctrl+Shift+S", "New / open / save / save as"},
        {"Drop a model file (or a Civitai / Hugging Face link) on the canvas", "File it in the model library"},
        {"F1", "This help"},
    };

    private SidePanels() {}

    /** The side tabs; the gallery's "Open folder" shows {@code outputDir}. */
    static TabPane create(GraphEditorViewModel vm, RunViewModel run, QueueViewModel queue, Path outputDir) {
        TabPane tabs = new TabPane(explainTab(vm), QueuePanel.create(queue, run),
                GalleryPanel.create(run, outputDir, vm::say),
                shortcutsTab());
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        tabs.setId("side-panels");
        tabs.setPrefWidth(320);
        return tabs;
    }

    private static Tab explainTab(GraphEditorViewModel vm) {
        VBox box = new VBox(8);
        box.getStyleClass().add("explain-panel");
        box.setId("explain-panel");
        Runnable update = () -> {
            box.getChildren().clear();
            // the selection may still name a node that an edit just deleted (it is cleared after the edit)
            if (vm.selection().size() != 1 || vm.level().node(vm.selection().iterator().next()) == null) {
                box.getChildren().add(wrap(new Label(Concepts.overview())));
                for (Concepts.Concept c : Concepts.ALL) {
                    box.getChildren().addAll(heading(c.title()), wrap(new Label(c.text())));
                }
                return;
            }
            NodeInstance n = vm.level().node(vm.selection().iterator().next());
            NodeSchema s = vm.schema(n.type()).orElse(null);
            if (s == null) {
                box.getChildren().add(wrap(new Label("Unknown node type " + n.type())));
                return;
            }
            Label title = new Label(s.displayName());
            title.getStyleClass().add("explain-title");
            box.getChildren().addAll(title, wrap(new Label(s.category() + " · node " + n.id())),
                    wrap(new Label(s.description())));
            SubgraphPanel.appendTo(box, vm, n); // a subgraph host: what a subgraph is, and its interface editor
            if (!s.inputs().isEmpty()) {
                box.getChildren().add(heading("Inputs"));
            }
            for (InputSpec in : s.inputs()) {
                String what = in instanceof SocketInput sock
                        ? sock.type().name() + ": " + PortTypeInfo.describe(sock.type()) : "setting";
                String tip = in.tooltip() == null || in.tooltip().isBlank() ? "" : " — " + in.tooltip();
                box.getChildren().add(wrap(new Label("• " + in.name() + " (" + what + ")" + tip)));
            }
            if (!s.outputs().isEmpty()) {
                box.getChildren().add(heading("Outputs"));
            }
            for (OutputSpec o : s.outputs()) {
                box.getChildren().add(wrap(new Label("• " + o.name() + ": " + PortTypeInfo.describe(o.type()))));
            }
            for (Concepts.Concept c : Concepts.currentChoices(n, s)) { // what the chosen sampler/scheduler does
                Label text = new Label(c.text());
                text.setId("explain-" + c.id());
                box.getChildren().addAll(heading(c.title()), wrap(text));
            }
            for (Concepts.Concept c : Concepts.forNodeType(n.type())) { // the idea behind the node, in plain words
                Label text = new Label(c.text());
                text.setId("concept-" + c.id());
                box.getChildren().addAll(heading("What is: " + c.title()), wrap(text));
            }
        };
        vm.selection().addListener((SetChangeListener<String>) c -> update.run());
        // a changed combo value (another sampler) re-explains the selected node; other edits leave the panel be
        vm.levelProperty().addListener((obs, before, after) -> {
            if (vm.selection().size() == 1) {
                String id = vm.selection().iterator().next();
                NodeInstance was = before == null ? null : before.node(id);
                NodeInstance now = after == null ? null : after.node(id);
                if (now != null && was != null && !now.inputs().equals(was.inputs())) {
                    update.run();
                }
            }
        });
        update.run();
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        return new Tab("Explain", scroll);
    }

    private static Tab shortcutsTab() {
        VBox box = new VBox(4);
        box.setId("shortcuts-panel");
        box.getStyleClass().add("explain-panel");
        for (String[] s : SHORTCUTS) {
            Label key = new Label(s[0]);
            key.getStyleClass().add("shortcut-key");
            box.getChildren().add(new VBox(key, wrap(new Label(s[1]))));
        }
        return new Tab("Keys", new ScrollPane(box));
    }

    private static Label heading(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("explain-heading");
        return l;
    }

    private static Label wrap(Label l) {
        l.setWrapText(true);
        l.setMaxWidth(290);
        return l;
    }
}
