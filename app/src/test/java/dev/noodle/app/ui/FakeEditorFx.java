package dev.noodle.app.ui;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.WorkflowStore;
import java.nio.file.Path;
import javafx.application.Platform;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The editor's real window on the fake node set, with an in-memory workflow store, opened for each test and shut
 * after it. TestFX only calls the {@code @Start} method a test class declares itself, so each declares one that calls
 * {@link #open}.
 */
@ExtendWith(ApplicationExtension.class)
abstract class FakeEditorFx {
    static {
        System.setProperty("headless.geometry", "1600x1000-32");
    }

    @TempDir static Path home;
    final WorkflowStore store = new MemoryStore();
    MainWindow window;

    /** Opens the window on {@code stage}. */
    void open(Stage stage) {
        window = TestWindows.open(stage, TestWindows.fake(home, home.resolve("examples"), store));
    }

    @AfterEach
    void tearDown() {
        Platform.runLater(window::shutdown);
        WaitForAsyncUtils.waitForFxEvents();
    }

    GraphEditorViewModel vm() {
        return window.canvasViewModel();
    }

    GraphCanvas canvas() {
        return window.canvas();
    }
}
