package dev.noodle.app.ui;

import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor's real window on real nodes (the demo model, generated on first use) in a temporary home, opened for
 * each test and shut after it; subclasses pick the node set by overriding {@link #createNodes}. TestFX only calls the
 * {@code @Start} method a test class declares itself, so each declares one that calls {@link #open}.
 */
@ExtendWith(ApplicationExtension.class)
abstract class RealEditorFx {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    static NoodleNodes nodes;
    MainWindow window;
    Stage stage;

    /** The node set the window runs on: Noodle's own nodes in {@code home}'s models folder. */
    NoodleNodes createNodes(Path home) throws Exception {
        return NoodleNodes.create(NodeEnvironment.of(home.resolve("models"), home.resolve("output")));
    }

    /** Opens the window on {@code stage}; call from the test class's own {@code @Start} method. */
    void open(Stage stage) throws Exception {
        this.stage = stage;
        nodes = createNodes(home);
        window = TestWindows.open(stage, TestWindows.real(nodes, home));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    @AfterAll
    static void closeNodes() {
        if (nodes != null) {
            nodes.close();
            nodes = null;
        }
    }

    /** Runs {@code c} on the FX thread and returns its result (60 s at most). */
    static <T> T fx(java.util.concurrent.Callable<T> c) throws Exception {
        try {
            return WaitForAsyncUtils.asyncFx(c).get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the FX thread did not answer in 60 s", e);
        }
    }

    /** Waits (60 s at most, FX events drained between checks) until {@code until} holds; fails naming {@code what}. */
    static void waitFor(String what, java.util.concurrent.Callable<Boolean> until) {
        try {
            WaitForAsyncUtils.waitFor(60, java.util.concurrent.TimeUnit.SECONDS, () -> {
                WaitForAsyncUtils.waitForFxEvents();
                return until.call();
            });
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("waited in vain for " + what);
        }
    }
}
