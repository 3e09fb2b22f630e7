package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.SubgraphEditing;
import dev.noodle.app.ui.vm.SubgraphLevel;
import dev.noodle.graph.edit.PortSide;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * The Explain panel's part for a subgraph host: what a subgraph is, and its interface editor (rename, reorder and
 * remove inputs and outputs; demote promoted widgets). Every change is one undoable edit. Use on the FX thread.
 */
final class SubgraphPanel {
    /** What a subgraph is, in plain words. */
    static final String WHAT_IS = "A subgraph is a group of nodes packed into one card. Its inputs and outputs are"
            + " the wires that cross its edge; a setting inside can be promoted so the card shows it as its own"
            + " widget. Double-click the card (or use Subgraph › Open) to see and edit the nodes inside; the"
            + " breadcrumb bar above the canvas leads back. Every card using the same subgraph shares its inside,"
            + " and a run treats the inner nodes as if they were on the canvas.";

    private SubgraphPanel() {}

    /**
     * Adds the subgraph part to the Explain panel when {@code n} is a host or a boundary card; does nothing for other
     * nodes.
     */
    static void appendTo(VBox box, GraphEditorViewModel vm, NodeInstance n) {
        // a host, or inside a subgraph its Inputs/Outputs card: both edit the same interface
        Subgraph def = SubgraphLevel.isBoundary(n.id()) && !vm.where().isRoot()
                ? vm.workflow().subgraphs().get(vm.where().definitionId())
                : vm.workflow().subgraphs().get(n.type());
        if (def == null) {
            return;
        }
        Label what = wrap(new Label(WHAT_IS));
        what.setId("concept-subgraph");
        box.getChildren().addAll(heading("What is: Subgraph"), what);
        VBox editor = new VBox(4);
        editor.setId("subgraph-interface");
        fill(editor, vm, def.id());
        box.getChildren().addAll(heading("Interface"), editor);
    }

    private static void fill(VBox editor, GraphEditorViewModel vm, String definitionId) {
        editor.getChildren().clear();
        Subgraph def = vm.workflow().subgraphs().get(definitionId);
        if (def == null) {
            return;
        }
        SubgraphEditing edits = new SubgraphEditing(vm);
        Runnable refill = () -> fill(editor, vm, definitionId);
        editor.getChildren().add(new Label("Inputs"));
        List<String> inputs = def.inputs().stream().map(p -> p.name()).toList();
        for (int i = 0; i < inputs.size(); i++) {
            editor.getChildren().add(row(vm, edits, definitionId, PortSide.INPUT, i, inputs.get(i), refill,
                    edits.isPromotedWidget(definitionId, i)));
        }
        editor.getChildren().add(new Label("Outputs"));
        List<String> outputs = def.outputs().stream().map(p -> p.name()).toList();
        for (int i = 0; i < outputs.size(); i++) {
            editor.getChildren().add(row(vm, edits, definitionId, PortSide.OUTPUT, i, outputs.get(i), refill, false));
        }
    }

    private static HBox row(GraphEditorViewModel vm, SubgraphEditing edits, String definitionId, PortSide side,
            int index, String name, Runnable refill, boolean widget) {
        String key = side.name().toLowerCase() + "-" + index;
        TextField field = new TextField(name);
        field.setId("subgraph-" + key + "-name");
        HBox.setHgrow(field, Priority.ALWAYS);
        boolean[] committed = {false};
        Runnable commit = () -> {
            if (!committed[0] && !field.getText().strip().equals(name)) {
                committed[0] = true;
                edits.rename(definitionId, side, index, field.getText());
                refill.run();
            }
        };
        field.setOnAction(e -> commit.run());
        field.focusedProperty().addListener((o, was, is) -> {
            if (!is) {
                commit.run();
            }
        });
        Button up = button("▲", "subgraph-" + key + "-up", "Move up", () -> {
            edits.move(definitionId, side, index, -1);
            refill.run();
        });
        Button down = button("▼", "subgraph-" + key + "-down", "Move down", () -> {
            edits.move(definitionId, side, index, 1);
            refill.run();
        });
        Button remove = button("✕", "subgraph-" + key + "-remove", "Remove (disconnects what used it)", () -> {
            edits.remove(definitionId, side, index);
            refill.run();
        });
        HBox row = new HBox(4, field, up, down, remove);
        if (widget) {
            row.getChildren().add(button("Demote", "subgraph-" + key + "-demote",
                    "Put the setting back inside, with this card's value", () -> {
                        edits.demote(definitionId, index);
                        refill.run();
                    }));
        }
        row.setAlignment(Pos.CENTER_LEFT);
        return row;
    }

    private static Button button(String text, String id, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.setTooltip(new javafx.scene.control.Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
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
