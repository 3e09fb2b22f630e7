package dev.noodle.app.ui.view;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.PendingWire;
import dev.noodle.app.ui.vm.SeedControl;
import dev.noodle.app.ui.vm.WorkflowFileViewModel;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ImageFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.embed.swing.SwingFXUtils;
import javafx.geometry.Point2D;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Label;
import javafx.scene.control.Separator;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToolBar;
import javafx.scene.image.ImageView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.StackPane;
import javafx.stage.FileChooser;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import dev.noodle.graph.json.ComfyApiFormat;
import dev.noodle.graph.json.ComfyUiFormat;
import javafx.stage.Stage;
import javafx.util.Duration;

/**
 * The editor window: menu, toolbar, canvas with node search, side panels and status bar; file and run actions.
 *
 * <p>FX thread only. Saving, autosave and recovery live in {@link WorkflowFileViewModel}; the window asks for files,
 * shows what went wrong and ticks the autosave every {@link WorkflowFileViewModel#AUTOSAVE_SECONDS} seconds.
 */
public final class MainWindow {
    private final EditorComponents c;
    private final GraphEditorViewModel vm;
    private final Stage stage;
    private final GraphCanvas canvas;
    private final SearchOverlay search;
    private final BorderPane root = new BorderPane();
    private final Scene scene;
    private final WorkflowFileViewModel workflowFile;
    private final Timeline autosave;
    private final Random seeds = new Random();
    private final dev.noodle.app.ui.vm.ComponentLibraryViewModel library;
    private boolean dark;
    private javafx.scene.control.TabPane sidePanels;
    private final java.util.concurrent.ExecutorService modelWork = java.util.concurrent.Executors
            .newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "model-library");
                t.setDaemon(true);
                return t;
            });
    private final dev.noodle.app.ui.vm.ModelLibraryViewModel models;
    private final dev.noodle.app.ui.vm.FewStepOffers fewSteps;

    /** Builds the window's scene on {@code stage} (does not show it). */
    public MainWindow(EditorComponents components, Stage stage) {
        this.c = components;
        this.vm = components.editor();
        this.workflowFile = new WorkflowFileViewModel(vm, components.files(), Platform::runLater);
        this.stage = stage;
        this.canvas = new GraphCanvas(vm, c.run());
        this.search = new SearchOverlay(c.search(), vm);
        this.library = new dev.noodle.app.ui.vm.ComponentLibraryViewModel(vm, c.options().componentLibrary());
        this.models = new dev.noodle.app.ui.vm.ModelLibraryViewModel(vm,
                c.options().modelsDir() != null ? c.options().modelsDir() : Path.of("models"), modelWork,
                Platform::runLater);
        this.fewSteps = new dev.noodle.app.ui.vm.FewStepOffers(vm,
                c.options().modelsDir() != null ? c.options().modelsDir() : Path.of("models"), modelWork,
                Platform::runLater);
        Pane overlay = new Pane(new ComponentBadges(library, canvas, () -> stage),
                new ModelWarnings(models.warnings(), canvas), new FewStepBadges(fewSteps, canvas), search);
        overlay.setPickOnBounds(false);
        StackPane center = new StackPane(canvas, overlay);
        Path outputDir = c.options().outputDir() != null ? c.options().outputDir() : Path.of("output");
        javafx.scene.control.TabPane side = SidePanels.create(vm, c.run(), c.queue(), outputDir);
        sidePanels = side;
        side.getTabs().add(1, LibraryPanel.create(library, comp -> {
            Point2D at = canvas.toContent(canvas.getWidth() / 2 - 140, canvas.getHeight() / 3);
            library.insert(comp, at.getX(), at.getY());
        }));
        side.getTabs().add(ModelsPanel.create(models)); // the model library: files, filters, hashes, uses
        SplitPane split = new SplitPane(SubgraphBreadcrumbs.wrap(center, vm), side);
        split.setDividerPositions(0.78);
        root.setTop(new javafx.scene.layout.VBox(Menus.create(this, c), toolbar()));
        root.setCenter(split);
        root.setBottom(statusBar());
        root.getStyleClass().add("noodle");
        scene = new Scene(root, 1500, 920);
        scene.getStylesheets().add(MainWindow.class.getResource("/dev/noodle/app/ui/noodle.css").toExternalForm());
        setDark(components.options().dark());
        stage.setScene(scene);
        stage.titleProperty().bind(Bindings.createStringBinding(
                () -> "Noodle — " + vm.workflow().name() + (vm.dirtyProperty().get() ? " •" : ""),
                vm.workflowProperty(), vm.dirtyProperty()));
        canvas.setOnRequestSearch(p -> openSearch(p));
        canvas.setOnWireDropped(this::openSearch);
        ImageTools.install(this, c);
        canvas.setOnNodeContextMenu((e, card) -> Menus.contextMenu(this, c, card, canvas.toContent(e.getX(), e.getY()))
                .show(canvas, e.getScreenX(), e.getScreenY()));
        canvas.setOnKeyPressed(e -> {
            KeyCode k = e.getCode();
            if (k == KeyCode.SPACE || k == KeyCode.TAB) {
                openSearch(canvas.lastMouse());
            } else if (k == KeyCode.DELETE || k == KeyCode.BACK_SPACE) {
                vm.deleteSelection();
            } else if (k == KeyCode.F && !e.isShortcutDown()) {
                canvas.fitToView();
            } else {
                return;
            }
            e.consume();
        });
        canvas.setOnDragOver(e -> {
            if (e.getDragboard().hasContent(LibraryPanel.COMPONENT)) {
                e.acceptTransferModes(javafx.scene.input.TransferMode.COPY);
                e.consume();
            } else if (e.getDragboard().hasFiles() || droppedLink(e.getDragboard()) != null) {
                e.acceptTransferModes(javafx.scene.input.TransferMode.COPY);
                e.consume();
            }
        });
        canvas.setOnDragDropped(e -> {
            if (e.getDragboard().hasContent(LibraryPanel.COMPONENT)) { // a component dragged from the Library panel
                var comp = LibraryPanel.dragged(library, e.getDragboard().getContent(LibraryPanel.COMPONENT));
                e.setDropCompleted(comp != null);
                e.consume();
                if (comp != null) {
                    Point2D at = canvas.toContent(e.getX(), e.getY());
                    library.insert(comp, at.getX(), at.getY());
                }
                return;
            }
            String link = e.getDragboard().hasFiles() ? null : droppedLink(e.getDragboard());
            if (link != null) { // a Civitai or Hugging Face link dragged from a browser: download and file it
                e.setDropCompleted(true);
                e.consume();
                showModels();
                models.installLink(link).thenAccept(vm::say);
                return;
            }
            var files = e.getDragboard().getFiles();
            e.setDropCompleted(!files.isEmpty());
            e.consume();
            if (!files.isEmpty()) {
                var paths = files.stream().map(java.io.File::toPath).toList();
                Platform.runLater(() -> dropFiles(paths));
            }
        });
        stage.setOnCloseRequest(e -> {
            if (!confirmDiscard()) {
                e.consume();
            } else {
                shutdown();
            }
        });
        autosave = new Timeline(new KeyFrame(Duration.seconds(WorkflowFileViewModel.AUTOSAVE_SECONDS),
                e -> workflowFile.autosaveNow()));
        autosave.setCycleCount(Timeline.INDEFINITE);
        autosave.play();
    }

    /**
     * Files dropped on the canvas: model files (.safetensors, .ckpt, .pt, .pth, .bin) are filed in the model library
     * (copied into their kind's folder; the status bar and the Models panel say what was done or why not); the first
     * other file is opened as a workflow (JSON, or an image carrying one).
     */
    public void dropFiles(java.util.List<Path> files) {
        Path workflow = null;
        for (Path f : files) {
            if (isModelFile(f)) {
                showModels();
                models.install(f).thenAccept(vm::say);
            } else if (workflow == null) {
                workflow = f;
            }
        }
        if (workflow != null) {
            open(workflow);
        }
    }

    /** The http(s) link a drag carries (a URL or plain text of one line), or null. */
    private static String droppedLink(javafx.scene.input.Dragboard board) {
        String text = board.hasUrl() ? board.getUrl() : board.hasString() ? board.getString() : null;
        if (text == null) {
            return null;
        }
        String t = text.strip();
        return (t.startsWith("https://") || t.startsWith("http://")) && !t.contains("\n") && !t.contains(" ")
                ? t : null;
    }

    private static boolean isModelFile(Path f) {
        String n = f.getFileName() == null ? "" : f.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".safetensors") || n.endsWith(".ckpt") || n.endsWith(".pt") || n.endsWith(".pth")
                || n.endsWith(".bin");
    }

    /** The Models panel's view model: the model library, dropped files, base-model warnings. */
    public dev.noodle.app.ui.vm.ModelLibraryViewModel models() {
        return models;
    }

    /** The few-step preset offers on the samplers of the shown level. */
    public dev.noodle.app.ui.vm.FewStepOffers fewSteps() {
        return fewSteps;
    }

    /** Shows the Models tab. */
    public void showModels() {
        sidePanels.getTabs().stream().filter(t -> "models-tab".equals(t.getId())).findFirst()
                .ifPresent(t -> sidePanels.getSelectionModel().select(t));
    }

    /** Shows the Queue tab: the queue (the server's, or the editor's own runs) and its workers. */
    public void showQueue() {
        sidePanels.getTabs().stream().filter(t -> "queue-tab".equals(t.getId())).findFirst()
                .ifPresent(t -> sidePanels.getSelectionModel().select(t));
    }

    /** The component library: its panel, the update badges and "Publish as component…". */
    public dev.noodle.app.ui.vm.ComponentLibraryViewModel componentLibrary() {
        return library;
    }

    /** Opens the start workflow (or the txt2img example), or offers to restore the autosave left by a crash. */
    public void start() {
        models.refresh(); // the Models panel's list, read in the background
        Optional<Workflow> recovered = workflowFile.recoverable();
        if (recovered.isPresent()) {
            Alert a = new Alert(Alert.AlertType.CONFIRMATION,
                    "Noodle did not close normally last time. Restore the unsaved workflow \""
                            + recovered.get().name() + "\"?",
                    new ButtonType("Restore", ButtonBar.ButtonData.YES),
                    new ButtonType("Discard", ButtonBar.ButtonData.NO));
            a.setHeaderText("Recover unsaved work");
            a.initOwner(stage);
            if (a.showAndWait().map(b -> b.getButtonData() == ButtonBar.ButtonData.YES).orElse(false)) {
                workflowFile.restore(recovered.get());
                canvas.applyCss();
                canvas.layout();
                canvas.fitToView();
                sayCustomPacks();
                return;
            }
            workflowFile.discardRecovery();
        }
        // no workflow named: the txt2img example, so a fresh clone opens on something that runs
        c.files().startWorkflow(c.options().workflow()).ifPresent(this::open);
        sayCustomPacks();
    }

    /** Custom node packs run as code with the editor's rights: the status bar says which are loaded. */
    private void sayCustomPacks() {
        dev.noodle.nodes.host.NodePacks.notice(vm.registry().packs()).ifPresent(vm::say);
    }

    private ToolBar toolbar() {
        Button run = new Button("▶ Run");
        run.setId("run-button");
        run.getStyleClass().add("accent");
        run.setOnAction(e -> run());
        Button cancel = new Button("■ Cancel");
        cancel.setId("cancel-button");
        cancel.disableProperty().bind(c.run().runningProperty().not());
        cancel.setOnAction(e -> cancel());
        Button undo = new Button("↶");
        undo.disableProperty().bind(vm.canUndoProperty().not());
        undo.setOnAction(e -> vm.undo());
        Button redo = new Button("↷");
        redo.disableProperty().bind(vm.canRedoProperty().not());
        redo.setOnAction(e -> vm.redo());
        Button fit = new Button("Fit");
        fit.setOnAction(e -> canvas.fitToView());
        Button add = new Button("+ Node");
        add.setOnAction(e -> openSearch(new Point2D(canvas.getWidth() / 2 - 200, 60)));
        Button theme = new Button("◐ Theme");
        theme.setId("theme-button");
        theme.setOnAction(e -> setDark(!dark));
        return new ToolBar(run, cancel, new Separator(), add, undo, redo, fit, new Separator(), theme);
    }

    private HBox statusBar() {
        Label msg = new Label();
        msg.setId("status-message");
        msg.textProperty().bind(Bindings.createStringBinding(
                () -> vm.messageProperty().get().isEmpty() ? c.run().statusProperty().get() : vm.messageProperty().get(),
                vm.messageProperty(), c.run().statusProperty()));
        c.run().statusProperty().addListener((o, a, b) -> vm.say(""));
        HBox bar = new HBox(msg);
        bar.getStyleClass().add("status-bar");
        return bar;
    }

    private void openSearch(Point2D canvasPoint) {
        openSearch(null, canvasPoint);
    }

    // wire != null: a wire dropped on empty canvas; the search lists only nodes that can take it
    private void openSearch(PendingWire wire, Point2D canvasPoint) {
        Point2D content = canvas.toContent(canvasPoint.getX(), canvasPoint.getY());
        double x = Math.max(0, Math.min(canvasPoint.getX(), canvas.getWidth() - 420));
        double y = Math.max(0, Math.min(canvasPoint.getY(), canvas.getHeight() - 360));
        search.show(content, x, y, wire);
    }

    // ---- actions ----

    /** Validates and queues a run; then advances seeds set to randomize/increment. */
    public void run() {
        Workflow wf = vm.workflow();
        if (c.runs().submit(wf) != null) {
            Map<String, Map<String, Long>> next = SeedControl.nextSeeds(wf, vm.registry(), seeds);
            if (!next.isEmpty()) {
                vm.setInputs("Next seeds", next);
            }
        }
    }

    /** Cancels the running and queued runs. */
    public void cancel() {
        c.runs().cancelAll();
    }

    /** Starts a new empty workflow after confirming unsaved changes. */
    public void newWorkflow() {
        if (confirmDiscard()) {
            vm.load(Workflow.empty(WorkflowFileViewModel.UNTITLED));
            c.files().clearCurrent();
            c.run().clearNodes();
        }
    }

    /** Shows the open dialog. */
    public void openDialog() {
        FileChooser fc = chooser("Open workflow");
        java.io.File f = fc.showOpenDialog(stage);
        if (f != null) {
            open(f.toPath());
        }
    }

    /**
     * Opens a workflow file (or an image carrying one) after confirming unsaved changes. The file is read first: one
     * that holds no usable workflow (bad-inputs G1, G3) leaves the canvas, the current file and the unsaved changes
     * as they were, asks nothing, and says why in a dialog and the status bar; an image whose metadata is damaged or
     * is not a workflow is still shown in that dialog when its pixels decode.
     */
    public void open(Path file) {
        Workflow read;
        try {
            read = c.files().read(file);
        } catch (IOException | RuntimeException e) {
            openFailed(file, e);
            return;
        }
        if (!confirmDiscard()) {
            return;
        }
        try {
            Workflow named = read.name() == null || read.name().isBlank()
                    ? read.withName(WorkflowFileViewModel.baseName(file))
                    : read;
            // recorded models found by hash under local names; missing ones listed with a fetch action
            Workflow wf = c.missingModels().map(m -> m.check(named)).orElse(named);
            c.files().opened(file);
            vm.load(wf);
            c.run().clearNodes();
            canvas.applyCss();
            canvas.layout();
            canvas.fitToView();
            vm.say("Opened " + file);
            c.missingModels().ifPresent(m -> MissingModelsDialog.showIfNeeded(stage, m, vm::workflow, vm::load));
        } catch (RuntimeException e) {
            error("Could not open " + file, message(e));
        }
    }

    private void openFailed(Path file, Exception e) {
        String why = message(e);
        vm.say("Could not open " + file.getFileName() + ": " + why);
        Optional<BufferedImage> image = decodedImage(file);
        String text = why + image.map(img -> "\n\nThe image itself is intact (" + img.getWidth() + " × "
                + img.getHeight() + " pixels); only its metadata cannot be used as a workflow.").orElse("");
        Alert a = error("Could not open " + file.getFileName() + " — the canvas is unchanged", text);
        image.ifPresent(img -> {
            ImageView view = new ImageView(SwingFXUtils.toFXImage(img, null));
            view.setId("open-failed-image");
            view.setFitWidth(160);
            view.setFitHeight(160);
            view.setPreserveRatio(true);
            a.setGraphic(view);
        });
    }

    /** The pixels of {@code file} when it is an image that decodes (whatever its metadata), else empty. */
    private static Optional<BufferedImage> decodedImage(Path file) {
        try {
            return Optional.of(ImageFiles.decode(file));
        } catch (RuntimeException notAnImage) {
            return Optional.empty();
        }
    }

    private static String message(Exception e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    /** Exports the workflow for ComfyUI: its UI workflow JSON, or (with {@code api}) its API prompt JSON. */
    public void export(boolean api) {
        FileChooser fc = new FileChooser();
        fc.setTitle(api ? "Export ComfyUI API JSON" : "Export ComfyUI workflow JSON");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("JSON", "*.json"));
        fc.setInitialFileName(vm.workflow().name() + (api ? "_api" : "_comfyui") + ".json");
        java.io.File f = fc.showSaveDialog(stage);
        if (f != null) {
            exportTo(f.toPath(), api);
        }
    }

    /** Writes the ComfyUI export to {@code file}. */
    public void exportTo(Path file, boolean api) {
        try {
            String text = api ? ComfyApiFormat.write(vm.workflow(), vm.registry())
                    : ComfyUiFormat.write(vm.workflow(), vm.registry());
            if (!api && c.missingModels().isPresent()) { // the models used, as ComfyUI's templates list them
                text = c.missingModels().get().recordModels(vm.workflow(), text);
            }
            java.nio.file.Files.writeString(file, text);
            vm.say("Exported " + file);
        } catch (IOException | RuntimeException e) {
            error("Could not export " + file, e.getMessage());
        }
    }

    /** Copies the selected nodes to the system clipboard as workflow JSON. */
    public void copy() {
        String json = vm.copySelection();
        if (json != null) {
            ClipboardContent content = new ClipboardContent();
            content.putString(json);
            Clipboard.getSystemClipboard().setContent(content);
            vm.say("Copied " + vm.selection().size() + " node(s)");
        }
    }

    /** Pastes nodes from the system clipboard at the mouse position. */
    public void paste() {
        String text = Clipboard.getSystemClipboard().getString();
        if (text != null) {
            Point2D at = canvas.toContent(canvas.lastMouse().getX(), canvas.lastMouse().getY());
            vm.paste(text, at.getX(), at.getY());
        }
    }

    /** Opens the "Learn" example that explains checkpoint, LoRA, CLIP, sampler and VAE in its notes. */
    public void openLearn() {
        c.files().examples().stream()
                .filter(p -> p.getFileName().toString().equals(LEARN_FILE))
                .findFirst()
                .ifPresentOrElse(this::open, () -> error("The Learn example is missing",
                        LEARN_FILE + " was not found in the examples folder (workflows/)."));
    }

    /** File name of the teaching example. */
    public static final String LEARN_FILE = "learn-checkpoint-lora-vae.json";

    /** Saves to the current file, or asks for one. */
    public boolean save() {
        Optional<Path> current = workflowFile.currentFile();
        return current.isEmpty() ? saveAs() : saveTo(current.get());
    }

    /** Asks for a file and saves there. */
    public boolean saveAs() {
        FileChooser fc = chooser("Save workflow");
        fc.getExtensionFilters().remove(0); // saves are Noodle JSON only
        fc.setInitialFileName(workflowFile.suggestedFileName());
        java.io.File f = fc.showSaveDialog(stage);
        return f != null && saveTo(f.toPath());
    }

    /**
     * Saves to {@code target} ({@link WorkflowFileViewModel#saveTo}); a failed write is also shown in a dialog saying
     * that nothing was lost.
     */
    public boolean saveTo(Path target) {
        WorkflowFileViewModel.SaveResult r = workflowFile.saveTo(target);
        if (!r.saved()) {
            error("Could not save " + target, r.error() + "\n\nThe file on disk was not changed, and the workflow is"
                    + " still open with its unsaved changes. Free some space, or save it somewhere else with Save As.");
        }
        return r.saved();
    }

    /** Switches between the light and dark theme. */
    public void setDark(boolean value) {
        dark = value;
        Application.setUserAgentStylesheet(value
                ? new PrimerDark().getUserAgentStylesheet() : new PrimerLight().getUserAgentStylesheet());
        root.getStyleClass().remove("dark");
        if (value) {
            root.getStyleClass().add("dark");
        }
    }

    /** Asks what to do with unsaved changes; true when it is fine to discard the current workflow. */
    boolean confirmDiscard() {
        if (!vm.dirtyProperty().get()) {
            return true;
        }
        ButtonType saveB = new ButtonType("Save", ButtonBar.ButtonData.YES);
        ButtonType discard = new ButtonType("Don't Save", ButtonBar.ButtonData.NO);
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, "Save changes to \"" + vm.workflow().name() + "\"?",
                saveB, discard, ButtonType.CANCEL);
        a.setHeaderText("Unsaved changes");
        a.initOwner(stage);
        ButtonType answer = a.showAndWait().orElse(ButtonType.CANCEL);
        if (answer == saveB) {
            return save();
        }
        return answer == discard;
    }

    /** Stops background work and removes the recovery file (clean exit). */
    public void shutdown() {
        autosave.stop();
        workflowFile.closeCleanly();
        modelWork.shutdown(); // a filing under way finishes (an interrupt could leave the database half-written)
        c.close();
    }

    void setMode(NodeMode mode) {
        vm.setModeOfSelection(mode);
    }

    private FileChooser chooser(String title) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        fc.getExtensionFilters().addAll(
                new FileChooser.ExtensionFilter("Workflows and images (Noodle, ComfyUI, A1111)", "*.json", "*.png"),
                new FileChooser.ExtensionFilter("Workflow JSON", "*.json"));
        Path current = c.files().currentProperty().get();
        if (current != null && current.getParent() != null) {
            fc.setInitialDirectory(current.getParent().toFile());
        }
        return fc;
    }

    private Alert error(String header, String text) {
        Alert a = new Alert(Alert.AlertType.ERROR, text);
        a.setHeaderText(header);
        a.getDialogPane().setId("error-dialog");
        a.initOwner(stage);
        a.show();
        return a;
    }

    /** The window's view-models and services. */
    public EditorComponents components() {
        return c;
    }

    /** The canvas. */
    public GraphCanvas canvas() {
        return canvas;
    }

    /** Saving, autosave and recovery of this window's workflow. */
    public WorkflowFileViewModel workflowFile() {
        return workflowFile;
    }

    /** The graph view-model behind this window. */
    public GraphEditorViewModel canvasViewModel() {
        return vm;
    }

    /** The run view-model behind this window. */
    public dev.noodle.app.ui.vm.RunViewModel runViewModel() {
        return c.run();
    }

    /** The scene. */
    public Scene scene() {
        return scene;
    }

    /** True when the dark theme is on. */
    public boolean isDark() {
        return dark;
    }

    Stage stage() {
        return stage;
    }
}
