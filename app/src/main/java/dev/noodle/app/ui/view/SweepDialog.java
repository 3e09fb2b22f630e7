package dev.noodle.app.ui.view;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.canvas.Images;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.SweepViewModel;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.sweep.Sweep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.image.ImageView;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

/**
 * The "Sweep…" window: up to three axes (X, Y, Z), each a widget input of the selected nodes (of all nodes when none
 * is selected) and its values as AUTOMATIC1111's X/Y/Z plot takes them ({@code 1,2,3}, {@code 1-5 (+2)},
 * {@code 0.5-1.0 [3]}); Run queues the sweep, a bar shows the cells done, and the grid shows when it is written
 * (it goes to the gallery too). FX thread only.
 */
final class SweepDialog {
    private static final SweepViewModel.Choice NONE = new SweepViewModel.Choice("", "", "(none)");

    private SweepDialog() {}

    /** Opens the window over {@code w}. */
    static Stage show(MainWindow w, EditorComponents c) {
        GraphEditorViewModel editor = c.editor();
        Path out = c.options() == null || c.options().outputDir() == null ? Path.of("output")
                : c.options().outputDir();
        SweepViewModel sweeps = new SweepViewModel(c.runs(), c.run(), editor.registry(), out, Platform::runLater);
        List<SweepViewModel.Choice> choices = sweeps.choices(editor.workflow(), editor.selection());

        GridPane axes = new GridPane();
        axes.setHgap(8);
        axes.setVgap(6);
        axes.add(new Label("Input"), 1, 0);
        axes.add(new Label("Values (1,2,3 · 1-5 (+2) · 0.5-1.0 [3])"), 2, 0);
        List<ComboBox<SweepViewModel.Choice>> inputs = new ArrayList<>();
        List<TextField> values = new ArrayList<>();
        for (int i = 0; i < Sweep.AXIS_NAMES.size(); i++) {
            String axis = Sweep.AXIS_NAMES.get(i);
            ComboBox<SweepViewModel.Choice> input = new ComboBox<>();
            input.getItems().add(NONE);
            input.getItems().addAll(choices);
            input.setValue(NONE);
            input.setPrefWidth(320);
            input.setId("sweep-" + axis.toLowerCase(Locale.ROOT) + "-input");
            TextField text = new TextField();
            text.setPrefColumnCount(18);
            text.setId("sweep-" + axis.toLowerCase(Locale.ROOT) + "-values");
            axes.add(new Label(axis), 0, i + 1);
            axes.add(input, 1, i + 1);
            axes.add(text, 2, i + 1);
            inputs.add(input);
            values.add(text);
        }
        Label problem = new Label();
        problem.setId("sweep-problem");
        problem.setWrapText(true);
        problem.getStyleClass().add("sweep-problem");
        ProgressBar bar = new ProgressBar(0);
        bar.setId("sweep-progress");
        bar.setPrefWidth(320);
        bar.progressProperty().bind(sweeps.progressProperty());
        Label status = new Label();
        status.setId("sweep-status");
        status.textProperty().bind(sweeps.statusProperty());
        Button run = new Button("Run");
        run.setId("sweep-run");
        run.setDefaultButton(true);
        run.disableProperty().bind(sweeps.runningProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("sweep-cancel");
        cancel.disableProperty().bind(sweeps.runningProperty().not());
        cancel.setOnAction(e -> w.cancel());
        ImageView grid = new ImageView();
        grid.setId("sweep-grid");
        grid.setPreserveRatio(true);
        sweeps.gridProperty().addListener((o, a, file) -> grid.setImage(file == null ? null : Images.toFx(file)));
        run.setOnAction(e -> {
            problem.setText("");
            Workflow wf = editor.workflow();
            List<SweepViewModel.Choice> picked = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                SweepViewModel.Choice ch = inputs.get(i).getValue();
                picked.add(ch == null || ch == NONE ? null : ch);
                texts.add(values.get(i).getText());
            }
            try {
                List<String> problems = sweeps.start(wf, sweeps.sweep(wf, picked, texts));
                problem.setText(String.join("\n", problems));
            } catch (IllegalArgumentException ex) {
                problem.setText(ex.getMessage());
            }
        });
        ScrollPane gridPane = new ScrollPane(grid);
        gridPane.setPrefViewportHeight(260);
        VBox root = new VBox(10, axes, problem, new HBox(8, run, cancel, bar), status, gridPane);
        root.setPadding(new Insets(12));
        Stage stage = new Stage();
        stage.initOwner(w.stage());
        stage.setTitle("Sweep — X/Y/Z grid");
        Scene scene = new Scene(root, 760, 520);
        scene.getStylesheets().addAll(w.scene().getStylesheets());
        stage.setScene(scene);
        stage.show();
        return stage;
    }
}
