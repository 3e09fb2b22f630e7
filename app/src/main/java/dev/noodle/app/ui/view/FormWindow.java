package dev.noodle.app.ui.view;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.canvas.Images;
import dev.noodle.app.ui.canvas.Widget;
import dev.noodle.app.ui.canvas.WidgetFactory;
import dev.noodle.app.ui.vm.FormViewModel;
import dev.noodle.app.ui.vm.NodeRunState;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.graph.form.FormField;
import dev.noodle.graph.form.FormProblem;
import dev.noodle.graph.form.WorkflowForm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javafx.beans.value.ChangeListener;
import javafx.collections.ListChangeListener;
import javafx.collections.MapChangeListener;
import javafx.geometry.Insets;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tooltip;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.Stage;

/**
 * A workflow (or one subgraph host) as a simple form: one widget per field, chosen by the field's spec as the node
 * cards do, a Run button, the run's progress, and the image the run made.
 *
 * <p>Values set here are undoable edits of the workflow in the editor; Run is the editor's Run. Lives on the FX
 * thread; closing the window stops it following the editor.
 */
final class FormWindow {
    private final MainWindow window;
    private final FormViewModel vm;
    private final RunViewModel runs;
    private final Stage stage = new Stage();
    private final GridPane grid = new GridPane();
    private final Label problems = new Label();
    private final Label message = new Label();
    private final ProgressBar progress = new ProgressBar(0);
    private final ImageView image = new ImageView();
    private final Map<String, Widget> widgets = new LinkedHashMap<>();
    private List<FormField> shown = List.of();
    private int galleryMark = -1;

    private FormWindow(MainWindow window, EditorComponents c, String hostId) {
        this.window = window;
        this.vm = new FormViewModel(c.editor(), hostId);
        this.runs = window.runViewModel();
        grid.setHgap(10);
        grid.setVgap(8);
        grid.setId("form-fields");
        ColumnConstraints labels = new ColumnConstraints();
        ColumnConstraints fields = new ColumnConstraints();
        fields.setHgrow(Priority.ALWAYS);
        fields.setMinWidth(260);
        grid.getColumnConstraints().setAll(labels, fields);
        problems.setWrapText(true);
        problems.setId("form-problems");
        problems.getStyleClass().add("form-problems");
        message.setWrapText(true);
        message.setId("form-message");
        message.textProperty().bind(vm.messageProperty());
        Button run = new Button("Run");
        run.setId("form-run");
        run.setDefaultButton(true);
        run.setOnAction(e -> {
            galleryMark = runs.gallery().size();
            window.run();
        });
        progress.setId("form-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(progress, Priority.ALWAYS);
        Label status = new Label();
        status.setId("form-status");
        status.textProperty().bind(runs.statusProperty());
        image.setId("form-image");
        image.setPreserveRatio(true);
        image.setFitWidth(384);
        image.setFitHeight(384);
        Label title = new Label(vm.title());
        title.getStyleClass().add("form-title");
        VBox body = new VBox(10, title, grid, problems, message, new HBox(10, run, progress), status, image);
        body.setPadding(new Insets(14));
        BorderPane root = new BorderPane(new ScrollPane(body));
        root.getStyleClass().add("noodle");
        Scene scene = new Scene(root, 560, 820);
        scene.getStylesheets().addAll(window.scene().getStylesheets());
        stage.setScene(scene);
        stage.setTitle("Form — " + vm.title());
        stage.initOwner(window.stage());

        ChangeListener<WorkflowForm> onForm = (obs, a, b) -> show(b);
        vm.formProperty().addListener(onForm);
        MapChangeListener<String, NodeRunState> onState = ch -> updateProgress();
        runs.states().addListener(onState);
        ListChangeListener<Object> onGallery = ch -> showResult();
        runs.gallery().addListener(onGallery);
        ChangeListener<Boolean> onRunning = (obs, a, b) -> updateProgress();
        runs.runningProperty().addListener(onRunning);
        stage.setOnHidden(e -> {
            vm.formProperty().removeListener(onForm);
            runs.states().removeListener(onState);
            runs.gallery().removeListener(onGallery);
            runs.runningProperty().removeListener(onRunning);
            vm.dispose();
        });
        show(vm.form());
    }

    /** Opens the form of the workflow, or of the selected subgraph node when exactly one is selected. */
    static FormWindow open(MainWindow window, EditorComponents c) {
        var editor = c.editor();
        String host = null;
        if (editor.selection().size() == 1) {
            String id = editor.selection().iterator().next();
            if (editor.workflow().subgraphOf(editor.workflow().node(id)) != null) {
                host = id;
            }
        }
        return open(window, c, host);
    }

    /** Opens the form of the workflow ({@code hostId} null) or of one subgraph host. */
    static FormWindow open(MainWindow window, EditorComponents c, String hostId) {
        FormWindow f = new FormWindow(window, c, hostId);
        f.stage.show();
        return f;
    }

    private void show(WorkflowForm form) {
        List<FormField> fields = form.fields();
        boolean sameShape = fields.size() == shown.size();
        for (int i = 0; sameShape && i < fields.size(); i++) {
            sameShape = fields.get(i).name().equals(shown.get(i).name())
                    && fields.get(i).spec().equals(shown.get(i).spec())
                    && (fields.get(i).wiredFrom() == null) == (shown.get(i).wiredFrom() == null);
        }
        if (!sameShape) {
            rebuild(fields);
        }
        for (FormField f : fields) {
            Widget w = widgets.get(f.name());
            if (w != null && f.value() != null) {
                w.show().accept(f.value());
            }
        }
        shown = fields;
        StringBuilder text = new StringBuilder();
        if (form.isEmpty()) {
            text.append("This workflow has no form yet: right-click a node and choose Add to Form for each input"
                    + " people should set here.");
        }
        for (FormProblem p : form.problems()) {
            text.append(text.length() == 0 ? "" : "\n").append(p.toLine());
        }
        problems.setText(text.toString());
        problems.setVisible(text.length() > 0);
        problems.setManaged(text.length() > 0);
    }

    private void rebuild(List<FormField> fields) {
        grid.getChildren().clear();
        widgets.clear();
        int row = 0;
        for (FormField f : fields) {
            Label label = new Label(f.label());
            label.setTooltip(new Tooltip(f.name() + " — node " + f.nodeId() + " input '" + f.input() + "'"
                    + (f.spec().tooltip().isEmpty() ? "" : "\n" + f.spec().tooltip())));
            javafx.scene.Node control;
            if (!f.settable()) {
                control = new Label(f.wiredFrom() != null ? "wired from node " + f.wiredFrom() : "a link, not a value");
            } else {
                Optional<Widget> w = WidgetFactory.create(f.spec(), (input, value) -> vm.set(f.name(), value),
                        (input, mode) -> { }, window.canvasViewModel().optionDetails());
                if (w.isEmpty()) {
                    continue;
                }
                widgets.put(f.name(), w.get());
                control = w.get().node();
            }
            control.setId("form-field-" + f.name());
            grid.addRow(row++, label, control);
        }
    }

    private void updateProgress() {
        double p = 0;
        boolean any = false;
        for (NodeRunState s : runs.states().values()) {
            if (s.status() == NodeStatus.RUNNING) {
                any = true;
                p = s.progress() >= 0 ? s.progress() : ProgressBar.INDETERMINATE_PROGRESS;
            }
        }
        if (!any) {
            p = runs.runningProperty().get() ? ProgressBar.INDETERMINATE_PROGRESS : galleryMark >= 0 ? 1 : 0;
        }
        progress.setProgress(p);
    }

    private void showResult() {
        if (galleryMark < 0 || runs.gallery().size() <= galleryMark) {
            return;
        }
        Image img = Images.toFx(runs.gallery().get(runs.gallery().size() - 1));
        if (img != null) {
            image.setImage(img);
        }
    }

    /** The window (tests and the owner close it). */
    Stage stage() {
        return stage;
    }
}
