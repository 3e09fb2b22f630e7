package dev.noodle.bench.ui;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.EditorOptions;
import dev.noodle.app.ui.EditorPaths;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import dev.noodle.graph.validate.Validator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;

/**
 * Opens the real editor window with the demo text-to-image graph, runs it, and saves light and dark screenshots.
 *
 * <p>Usage: {@code EditorScreenshot <output-folder>}; run under a display (e.g. xvfb-run) with {@code -Dprism.order=sw}.
 */
public final class EditorScreenshot {
    private EditorScreenshot() {}

    /**
     * Writes editor-light.png and editor-dark.png into the folder given as the first argument: the real editor with
     * the real nodes and the demo model, {@code workflows/txt2img.json} at 256 x 256, after a finished run.
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs");
        Path workflow = Path.of(args.length > 1 ? args[1] : "workflows/txt2img.json");
        Files.createDirectories(out);
        Path home = Files.createTempDirectory("noodle-shot");
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")))) {
            for (boolean dark : new boolean[] {false, true}) {
                // a fresh cache per shot: cached nodes do not show their images again
                NoodleRunner runner = new NoodleRunner(nodes);
                MainWindow[] w = new MainWindow[1];
                CountDownLatch shown = new CountDownLatch(1);
                Platform.runLater(() -> {
                    w[0] = open(nodes, runner, home, workflow, dark);
                    shown.countDown();
                });
                shown.await();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
                while (!finished(w[0]) && System.nanoTime() < deadline) {
                    Thread.sleep(500);
                }
                Thread.sleep(500); // let the image reach Save Image
                CountDownLatch saved = new CountDownLatch(1);
                Platform.runLater(() -> {
                    try {
                        w[0].scene().getRoot().applyCss();
                        w[0].scene().getRoot().layout();
                        w[0].canvas().fitToView();
                        WritableImage img = w[0].scene().snapshot(null);
                        ImageIO.write(SwingFXUtils.fromFXImage(img, null), "png",
                                out.resolve(dark ? "editor-dark.png" : "editor-light.png").toFile());
                        System.out.println("status: " + w[0].components().run().statusProperty().get());
                        w[0].shutdown();
                        ((Stage) w[0].scene().getWindow()).close();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        saved.countDown();
                    }
                });
                saved.await(60, TimeUnit.SECONDS);
            }
        }
        Platform.exit();
    }

    private static boolean finished(MainWindow w) throws Exception {
        java.util.concurrent.CompletableFuture<Boolean> f = new java.util.concurrent.CompletableFuture<>();
        Platform.runLater(() -> f.complete(!w.components().run().runningProperty().get()
                && !w.components().run().queue().isEmpty()));
        return f.get();
    }

    private static MainWindow open(NoodleNodes nodes, NoodleRunner runner, Path home, Path file, boolean dark) {
        NodeRegistry registry = nodes.registry();
        EditorComponents c = components(registry, runner::run, home, dark);
        Stage stage = new Stage();
        MainWindow w = new MainWindow(c, stage);
        GraphEditorViewModel vm = c.editor();
        vm.load(WorkflowJson.read(file, registry));
        // small and quick on a shared machine: 256 x 256, 8 steps
        vm.setInput("5", "width", 256L);
        vm.setInput("5", "height", 256L);
        vm.setInput("3", "steps", 8L);
        vm.execute(dev.noodle.app.ui.vm.SeedControl.setMode("3", "seed", "fixed"));
        vm.markSaved();
        stage.setWidth(1600);
        stage.setHeight(1000);
        stage.show();
        w.canvas().fitToView();
        vm.select(Set.of("3"));
        w.run();
        return w;
    }

    /**
     * The editor's parts for a screenshot: workflows are read from files but never saved (autosave goes nowhere),
     * runs go to {@code runner}. Shared by the screenshot mains.
     */
    static EditorComponents components(NodeRegistry registry, dev.noodle.app.ui.vm.WorkflowRunner runner, Path home,
            boolean dark) {
        WorkflowStore noFiles = new WorkflowStore() {
            @Override
            public Workflow read(Path f) throws IOException {
                return WorkflowJson.read(f, registry);
            }

            @Override
            public void save(Workflow wf, Path f) {
                // screenshots keep no files
            }
        };
        return new EditorComponents(registry, runner, new Validator(registry)::validate, noFiles,
                new EditorPaths(home, home), new EditorOptions(null, home, home, dark), Platform::runLater);
    }
}
