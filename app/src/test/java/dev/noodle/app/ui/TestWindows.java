package dev.noodle.app.ui;

import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import dev.noodle.app.ui.view.MainWindow;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import javafx.stage.Stage;

/** Opens editor windows for the TestFX tests the way the launcher does: one injector, then the main window. */
final class TestWindows {
    private TestWindows() {}

    /** The window of {@code module}, not yet shown. */
    static MainWindow create(Stage stage, Module module) {
        return new MainWindow(Guice.createInjector(module).getInstance(EditorComponents.class), stage);
    }

    /** The window of {@code module}, shown and started. */
    static MainWindow open(Stage stage, Module module) {
        MainWindow window = create(stage, module);
        stage.show();
        window.start();
        return window;
    }

    /** The editor over the fake nodes, saving through {@code store}, with example workflows in {@code examples}. */
    static Module fake(Path home, Path examples, WorkflowStore store) {
        return fake(home, new EditorPaths(home, examples), store);
    }

    /** As above with its own app home and examples folder; models and outputs stay in {@code home}. */
    static Module fake(Path home, EditorPaths paths, WorkflowStore store) {
        EditorOptions options = new EditorOptions(null, home, home, false);
        return Modules.override(new EditorModule(FakeNodes.registry(), new TestServices(), options, paths))
                .with(b -> b.bind(WorkflowStore.class).toInstance(store));
    }

    /**
     * The launcher's own wiring over real nodes (runs, model file details, the store reading Noodle, ComfyUI and
     * A1111 files), with the project's {@code workflows/} as the examples, so it opens on txt2img.
     */
    static Module real(NoodleNodes nodes, Path home) {
        EditorOptions options = new EditorOptions(null, home.resolve("models"), home.resolve("output"), false);
        EditorPaths paths = new EditorPaths(home, Path.of("..", "workflows").toAbsolutePath().normalize());
        return EditorLauncher.module(nodes, options, paths);
    }
}
