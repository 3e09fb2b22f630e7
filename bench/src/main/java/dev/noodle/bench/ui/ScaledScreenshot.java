package dev.noodle.bench.ui;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javafx.application.Platform;
import javafx.embed.swing.SwingFXUtils;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;

/**
 * Captures the editor as the screen shows it, at the display's scale (no run): the example graph with a highlighted
 * prompt, a LoRA-free txt2img chain and a placeholder card for a custom node. For checking readability at 200%.
 *
 * <p>Usage: {@code xvfb-run -s "-screen 0 3300x2100x24" java -Dglass.gtk.uiScale=2 -Dprism.order=sw ...
 * ScaledScreenshot docs/editor-200pct.png [workflows/txt2img.json] [dark]}. The scene is rendered at the window's
 * render scale, so the image has the physical pixels the screen would show.
 */
public final class ScaledScreenshot {
    private ScaledScreenshot() {}

    /** Writes the capture to the first argument's path. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/editor-200pct.png");
        Path workflow = Path.of(args.length > 1 ? args[1] : "workflows/txt2img.json");
        boolean dark = args.length > 2 && args[2].equals("dark");
        Path home = Files.createTempDirectory("noodle-shot");
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")))) {
            CompletableFuture<MainWindow> shown = new CompletableFuture<>();
            Platform.runLater(() -> shown.complete(open(nodes.registry(), home, workflow, dark)));
            MainWindow w = shown.get(60, TimeUnit.SECONDS);
            Thread.sleep(1500);
            CompletableFuture<WritableImage> shot = new CompletableFuture<>();
            Platform.runLater(() -> {
                Stage stage = (Stage) w.scene().getWindow();
                System.out.println("render scale " + stage.getRenderScaleX() + ", window " + stage.getWidth() + "x"
                        + stage.getHeight());
                // render the scene at the window's output scale (a plain scene snapshot is 1×; a screen capture
                // of Xvfb without a compositor can come back blank)
                javafx.scene.SnapshotParameters params = new javafx.scene.SnapshotParameters();
                params.setTransform(javafx.scene.transform.Transform.scale(stage.getRenderScaleX(),
                        stage.getRenderScaleY()));
                w.scene().getRoot().applyCss();
                w.scene().getRoot().layout();
                shot.complete(w.scene().getRoot().snapshot(params, null));
            });
            WritableImage img = shot.get(60, TimeUnit.SECONDS);
            Files.createDirectories(out.toAbsolutePath().getParent());
            ImageIO.write(SwingFXUtils.fromFXImage(img, null), "png", out.toFile());
            System.out.println("wrote " + out + " (" + (int) img.getWidth() + "x" + (int) img.getHeight() + ")");
            Platform.runLater(w::shutdown);
        }
        Platform.exit();
    }

    private static MainWindow open(NodeRegistry registry, Path home, Path file, boolean dark) {
        EditorComponents c = EditorScreenshot.components(registry, (wf, o, listener, token) -> {
            throw new IllegalStateException("screenshots do not run");
        }, home, dark);
        Stage stage = new Stage();
        MainWindow w = new MainWindow(c, stage);
        GraphEditorViewModel vm = c.editor();
        Workflow wf = WorkflowJson.read(file, registry);
        // a ComfyUI custom node between the checkpoint and the sampler shows as a placeholder card
        wf = wf.withNode(new NodeInstance("20", "FreeU_V2_Custom", new java.util.TreeMap<>(Map.of(
                "model", Link.of("4", 0), "b1", Literal.of(1.3), "b2", Literal.of(1.4), "mode", Literal.of("fourier"))),
                null, Map.of()));
        wf = wf.withNode(wf.node("3").withInput("model", Link.of("20", 0)));
        wf = wf.withLayout(wf.layout().withNode("20", dev.noodle.graph.model.NodeLayout.at(1209, 300)));
        vm.load(wf);
        vm.setInput("6", "text", "beautiful scenery, (glass bottle:1.2), ((purple galaxy)), [blurry], "
                + "embedding:easynegative.v2, <lora:add-detail:0.8> \\(not a group\\) (unclosed");
        vm.markSaved();
        stage.setWidth(1600);
        stage.setHeight(1000);
        stage.show();
        w.canvas().fitToView();
        return w;
    }
}
