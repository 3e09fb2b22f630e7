package dev.noodle.app.ui;

import com.google.inject.Inject;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeSearch;
import dev.noodle.app.ui.vm.RunController;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.app.ui.vm.WorkflowFiles;
import dev.noodle.app.ui.vm.WorkflowRunner;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.app.ui.vm.WorkflowValidator;
import dev.noodle.graph.node.NodeRegistry;
import java.util.concurrent.Executor;
import javafx.application.Platform;

/**
 * The editor's view-models and services for one window, wired by Guice.
 *
 * <p>Run events reach {@link #run()} on the FX thread via {@code Platform::runLater}.
 */
public final class EditorComponents implements AutoCloseable {
    private final GraphEditorViewModel editor;
    private final RunViewModel run;
    private final RunController runs;
    private final WorkflowFiles files;
    private final NodeSearch search;
    private final EditorOptions options;
    private final dev.noodle.app.ui.vm.QueueViewModel queue;
    private final dev.noodle.app.ui.vm.LocalQueue localQueue;

    /** Wires the components from the injector's bindings. */
    @Inject
    public EditorComponents(NodeRegistry registry, WorkflowRunner runner, WorkflowValidator validator,
            WorkflowStore store, EditorPaths paths, EditorOptions options) {
        this(registry, runner, validator, store, paths, options, Platform::runLater);
    }

    /** Wires the components with an explicit UI-thread executor. */
    public EditorComponents(NodeRegistry registry, WorkflowRunner runner, WorkflowValidator validator,
            WorkflowStore store, EditorPaths paths, EditorOptions options, Executor uiThread) {
        this.editor = new GraphEditorViewModel(registry);
        this.run = new RunViewModel();
        this.runs = new RunController(runner, validator, run, uiThread);
        this.files = new WorkflowFiles(store, paths.autosaveFile(), paths.recentFile(), paths.examplesDir());
        this.search = new NodeSearch(registry);
        this.options = options;
        // the queue panel: the connected server's queue, else the editor's own runs
        this.localQueue = options.server() == null ? new dev.noodle.app.ui.vm.LocalQueue(runs) : null;
        this.queue = new dev.noodle.app.ui.vm.QueueViewModel(
                localQueue != null ? localQueue : new ServerQueue(options.server()), uiThread);
    }

    /** The names of the checkpoints loaded now, for the queue panel's local worker, when the host binds them. */
    @Inject(optional = true)
    void setLoadedModels(dev.noodle.app.ui.vm.LocalQueue.LoadedModels loaded) {
        if (localQueue != null) {
            localQueue.setLoadedModels(loaded);
        }
    }

    /** The queue panel's view-model. */
    public dev.noodle.app.ui.vm.QueueViewModel queue() {
        return queue;
    }

    /** Combo option details (model file sizes, LoRA base models) when the host binds them. */
    @Inject(optional = true)
    void setOptionDetails(dev.noodle.app.ui.vm.OptionDetails details) {
        editor.setOptionDetails(details);
    }

    /** The graph editing view-model. */
    public GraphEditorViewModel editor() {
        return editor;
    }

    /** The run state view-model. */
    public RunViewModel run() {
        return run;
    }

    /** The background run queue. */
    public RunController runs() {
        return runs;
    }

    /** Files: open, save, recent, autosave. */
    public WorkflowFiles files() {
        return files;
    }

    /** Node search. */
    public NodeSearch search() {
        return search;
    }

    /** The start options. */
    public EditorOptions options() {
        return options;
    }

    @Override
    public void close() {
        queue.close();
        runs.close();
    }
}
