package dev.noodle.app.ui;

import com.google.inject.Guice;
import com.google.inject.Module;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.node.NodeRegistry;
import javafx.application.Application;

/**
 * Starts the editor: creates the one Guice injector and runs the JavaFX application until its window closes.
 */
public final class EditorLauncher {
    private EditorLauncher() {}

    /**
     * Opens the editor with the host's nodes and services and blocks until it is closed.
     *
     * @param registry the node types offered in the editor
     * @param services engine services handed to nodes while they run
     */
    public static void launch(EditorOptions options, NodeRegistry registry, ServiceLookup services) {
        launch(new EditorModule(registry, services, options, EditorPaths.defaults()));
    }

    /** Opens the editor from a ready module (tests, demos) and blocks until it is closed. */
    public static void launch(Module module) {
        EditorApplication.INJECTOR.set(Guice.createInjector(module));
        Application.launch(EditorApplication.class);
    }
}
