package dev.noodle.app.ui.bench;

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

    /** Writes editor-light.png and editor-dark.png into the folder given as the first argument. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs");
        Files.createDirectories(out);
        Path home = Files.createTempDirectory("noodle-shot");
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        for (boolean dark : new boolean[] {false, true}) {
            MainWindow[] w = new MainWindow[1];
            CountDownLatch shown = new CountDownLatch(1);
            Platform.runLater(() -> {
                w[0] = open(home, dark);
                shown.countDown();
            });
            shown.await();
            Thread.sleep(1500); // let the run finish and the image appear
            CountDownLatch saved = new CountDownLatch(1);
            Platform.runLater(() -> {
                try {
                    w[0].canvas().fitToView();
                    w[0].scene().getRoot().applyCss();
                    w[0].scene().getRoot().layout();
                    WritableImage img = w[0].scene().snapshot(null);
                    ImageIO.write(SwingFXUtils.fromFXImage(img, null), "png",
                            out.resolve(dark ? "editor-dark.png" : "editor-light.png").toFile());
                    w[0].shutdown();
                    ((Stage) w[0].scene().getWindow()).close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    saved.countDown();
                }
            });
            saved.await(20, TimeUnit.SECONDS);
        }
        Platform.exit();
    }

    private static MainWindow open(Path home, boolean dark) {
        NodeRegistry registry = DemoNodes.registry();
        WorkflowStore noFiles = new WorkflowStore() {
            @Override
            public Workflow read(Path file) throws IOException {
                throw new IOException("screenshots read no files");
            }

            @Override
            public void save(Workflow wf, Path file) {
                // screenshots keep no files; autosave goes nowhere
            }
        };
        GraphExecutor executor = new GraphExecutor(registry, new ResultCache(1 << 24), new NoServices());
        EditorComponents c = new EditorComponents(registry, executor::run, new Validator(registry)::validate,
                noFiles, new EditorPaths(home, home), new EditorOptions(null, home, home, dark), Platform::runLater);
        Stage stage = new Stage();
        MainWindow w = new MainWindow(c, stage);
        buildDemo(c.editor());
        c.editor().rename("text-to-image");
        c.editor().markSaved();
        stage.show();
        w.canvas().fitToView();
        c.editor().select(Set.of("5"));
        w.run();
        return w;
    }

    /** The classic text-to-image graph, laid out left to right. */
    static void buildDemo(GraphEditorViewModel vm) {
        String ckpt = vm.addNode("CheckpointLoaderSimple", 0, 120);
        String pos = vm.addNode("CLIPTextEncode", 320, 0);
        String neg = vm.addNode("CLIPTextEncode", 320, 250);
        String latent = vm.addNode("EmptyLatentImage", 320, 500);
        String sampler = vm.addNode("KSampler", 640, 60);
        String decode = vm.addNode("VAEDecode", 960, 60);
        String save = vm.addNode("SaveImage", 960, 200);
        vm.setInput(pos, "text", "a steaming bowl of ramen at sunset, studio ghibli style, warm light");
        vm.setInput(neg, "text", "blurry, low quality, watermark");
        vm.setInput(sampler, "seed", 156680208700286L);
        vm.execute(dev.noodle.app.ui.vm.SeedControl.setMode(sampler, "seed", "fixed"));
        vm.connect(ckpt, 1, pos, "clip");
        vm.connect(ckpt, 1, neg, "clip");
        vm.connect(ckpt, 0, sampler, "model");
        vm.connect(pos, 0, sampler, "positive");
        vm.connect(neg, 0, sampler, "negative");
        vm.connect(latent, 0, sampler, "latent_image");
        vm.connect(sampler, 0, decode, "samples");
        vm.connect(ckpt, 2, decode, "vae");
        vm.connect(decode, 0, save, "images");
    }

    /** Demo nodes need no engine services. */
    static final class NoServices implements dev.noodle.graph.exec.ServiceLookup {
        @Override
        public <T> T get(Class<T> type) {
            throw new IllegalStateException("demo nodes use no services, asked for " + type.getName());
        }
    }
}
