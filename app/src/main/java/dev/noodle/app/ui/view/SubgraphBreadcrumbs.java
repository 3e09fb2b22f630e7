package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.SubgraphLevel;
import java.util.List;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Hyperlink;
import javafx.scene.control.Label;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;

/**
 * The bar above the canvas while a subgraph is open: "Workflow › Upscale pass › Sharpen", each step but the last a
 * link that goes back up to it. Hidden at the top level. Use on the FX thread.
 */
final class SubgraphBreadcrumbs {
    private SubgraphBreadcrumbs() {}

    /** The canvas area with the bar above it. */
    static BorderPane wrap(Node canvasArea, GraphEditorViewModel vm) {
        HBox bar = new HBox(6);
        bar.setId("subgraph-breadcrumbs");
        bar.getStyleClass().add("subgraph-breadcrumbs");
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(4, 8, 4, 8));
        Runnable update = () -> fill(bar, vm);
        vm.whereProperty().addListener((o, a, b) -> update.run());
        vm.workflowProperty().addListener((o, a, b) -> update.run());
        update.run();
        BorderPane pane = new BorderPane(canvasArea);
        pane.setTop(bar);
        return pane;
    }

    private static void fill(HBox bar, GraphEditorViewModel vm) {
        SubgraphLevel where = vm.where();
        bar.getChildren().clear();
        bar.setVisible(!where.isRoot());
        bar.setManaged(!where.isRoot());
        if (where.isRoot()) {
            return;
        }
        List<SubgraphLevel.Crumb> crumbs = where.crumbs(vm.workflow().name());
        for (int i = 0; i < crumbs.size(); i++) {
            SubgraphLevel.Crumb crumb = crumbs.get(i);
            if (i > 0) {
                bar.getChildren().add(new Label("›"));
            }
            if (crumb.up() == 0) {
                Label here = new Label(crumb.label());
                here.setId("breadcrumb-" + i);
                here.getStyleClass().add("breadcrumb-current");
                bar.getChildren().add(here);
            } else {
                Hyperlink link = new Hyperlink(crumb.label());
                link.setId("breadcrumb-" + i);
                link.setOnAction(e -> vm.leave(crumb.up()));
                bar.getChildren().add(link);
            }
        }
    }
}
