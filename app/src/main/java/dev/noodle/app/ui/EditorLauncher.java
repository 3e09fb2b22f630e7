package dev.noodle.app.ui;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.util.Modules;
import dev.noodle.app.ui.vm.WorkflowRunner;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.interop.WorkflowSources;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.nodes.host.CustomNodes;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import java.nio.file.Path;
import javafx.application.Application;

/**
 * Starts the editor: creates the one Guice injector and runs the JavaFX application until its window closes.
 */
public final class EditorLauncher {
    private EditorLauncher() {}

    /**
     * Opens the editor with the standard Noodle nodes (and the custom node packs, if the options ask for them) over
     * the options' models and output folders, and blocks until the window is closed; models are unloaded on exit.
     */
    public static void launch(EditorOptions options) {
        launch(options, dev.noodle.nodes.host.LatentPreviews.Method.AUTO);
    }

    /** As {@link #launch(EditorOptions)}, samplers previewing with {@code preview}. */
    public static void launch(EditorOptions options, dev.noodle.nodes.host.LatentPreviews.Method preview) {
        Path models = options.modelsDir() != null ? options.modelsDir() : Path.of("models");
        Path out = options.outputDir() != null ? options.outputDir() : Path.of("output");
        CustomNodes custom = options.customNodes() ? CustomNodes.besideModels(models) : CustomNodes.disabled();
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, out), custom)) {
            nodes.previews().setMethod(preview);
            nodes.startupWarnings().forEach(w -> System.err.println("noodle: warning: " + w));
            nodes.packs().notice().ifPresent(n -> System.err.println("noodle: " + n));
            launch(module(nodes, options, EditorPaths.defaults()));
        }
    }

    /**
     * The editor wired to the standard Noodle nodes: runs (local, or on {@code options.server()}), model file
     * details and the workflow store reading Noodle, ComfyUI and A1111 files. The caller owns {@code nodes}.
     */
    public static Module module(NoodleNodes nodes, EditorOptions options, EditorPaths paths) {
        Module editor = new EditorModule(nodes.registry(), nodes.services(), options, paths);
        // one runner for the editor's life: its result cache is what lets an edit re-run only what changed
        NoodleRunner local = new NoodleRunner(nodes);
        return Modules.override(editor).with(new AbstractModule() {
            @Provides
            WorkflowRunner runner() {
                if (options.server() != null) {
                    return new RemoteWorkflowRunner(options.server(), nodes.registry());
                }
                return local::run;
            }

            @Provides
            @com.google.inject.Singleton
            dev.noodle.app.ui.vm.OptionDetails optionDetails() {
                // model file sizes and LoRA base models, read (header only) on one background thread
                return new dev.noodle.app.ui.vm.ModelFileDetails(nodes.environment().models(),
                        java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                            Thread t = new Thread(r, "model-file-details");
                            t.setDaemon(true);
                            return t;
                        }));
            }

            @Provides
            dev.noodle.app.ui.vm.LocalQueue.LoadedModels loadedModels() {
                return nodes::loadedCheckpoints; // the queue panel's "loaded" for the editor's own worker
            }

            @Provides
            WorkflowStore store() {
                // ComfyUI JSON and PNGs from Noodle, ComfyUI and A1111, matched against the installed checkpoints
                return EditorModule.store(() -> new WorkflowSources(nodes.registry(),
                        nodes.environment().models().list(ModelKind.CHECKPOINTS)));
            }
        });
    }

    /** Opens the editor from a ready module (tests, demos, other hosts) and blocks until it is closed. */
    public static void launch(Module module) {
        EditorApplication.INJECTOR.set(Guice.createInjector(module));
        Application.launch(EditorApplication.class);
    }
}
