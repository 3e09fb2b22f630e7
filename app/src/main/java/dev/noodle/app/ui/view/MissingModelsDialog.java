package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.MissingModelsViewModel;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

/**
 * The dialog shown when an opened workflow's recorded models are not all here: models found by hash under other
 * names, files with another hash, and one row per missing model with a Fetch button where its source is known (the
 * download runs in the background with a progress bar; the workflow is then resolved again).
 */
final class MissingModelsDialog {
    private MissingModelsDialog() {}

    /**
     * Shows the dialog when {@code vm}'s last check has something to say.
     *
     * @param current the workflow on the canvas now
     * @param apply shows a workflow resolved again after a fetch
     */
    static void showIfNeeded(Window owner, MissingModelsViewModel vm, Supplier<Workflow> current,
            Consumer<Workflow> apply) {
        if (!vm.hasProblems()) {
            return;
        }
        Alert a = new Alert(vm.missing().isEmpty() ? Alert.AlertType.INFORMATION : Alert.AlertType.WARNING);
        a.setHeaderText(vm.missing().isEmpty() ? "Models found under other names"
                : vm.missing().size() + " model(s) of this workflow are not in the models folders");
        a.getDialogPane().setId("missing-models-dialog");
        fill(a, vm, current, apply);
        a.initOwner(owner);
        a.show();
    }

    private static void fill(Alert a, MissingModelsViewModel vm, Supplier<Workflow> current,
            Consumer<Workflow> apply) {
        VBox box = new VBox(8);
        vm.messages().forEach(m -> box.getChildren().add(wrapped(m)));
        for (MissingModelsViewModel.Row row : vm.missing()) {
            Label text = wrapped(row.text() + "\n" + row.hint());
            HBox line = new HBox(8, text);
            if (row.canFetch()) {
                ProgressBar bar = new ProgressBar(0);
                bar.setVisible(false);
                Button fetch = new Button("Fetch");
                fetch.getStyleClass().add("fetch-model");
                fetch.setOnAction(e -> {
                    fetch.setDisable(true);
                    bar.setVisible(true);
                    Workflow now = current.get();
                    Thread t = new Thread(() -> {
                        try {
                            Workflow resolved = vm.fetch(row, now, (done, total) -> Platform.runLater(
                                    () -> bar.setProgress(total > 0 ? (double) done / total : -1)));
                            Platform.runLater(() -> {
                                apply.accept(resolved);
                                fill(a, vm, current, apply);
                            });
                        } catch (IOException ex) {
                            Platform.runLater(() -> {
                                text.setText(text.getText() + "\n" + ex.getMessage());
                                fetch.setDisable(false);
                                bar.setVisible(false);
                            });
                        }
                    }, "fetch-model");
                    t.setDaemon(true);
                    t.start();
                });
                line.getChildren().addAll(fetch, bar);
            }
            box.getChildren().add(line);
        }
        if (vm.missing().isEmpty() && vm.messages().isEmpty()) {
            box.getChildren().add(wrapped("Every model of this workflow is here."));
        }
        a.getDialogPane().setContent(box);
    }

    private static Label wrapped(String s) {
        Label l = new Label(s);
        l.setWrapText(true);
        l.setMaxWidth(620);
        return l;
    }
}
