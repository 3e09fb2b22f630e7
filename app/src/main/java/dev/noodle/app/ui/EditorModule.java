package dev.noodle.app.ui;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.noodle.app.ui.vm.WorkflowRunner;
import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.app.ui.vm.WorkflowValidator;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.nodes.interop.WorkflowSources;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Path;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.validate.Validator;
import dev.noodle.graph.node.NodeRegistry;
import java.util.Objects;

/**
 * Guice bindings for the editor: the node registry, the engine services, the options and the folders.
 *
 * <p>Provides the runner ({@code GraphExecutor}), validator and workflow files ({@code WorkflowJson}) from graph-core.
 * The injector is created once, in {@link EditorLauncher}; tests build their own with fake nodes.
 */
public final class EditorModule extends AbstractModule {
    /** Default result-cache budget: 4 GiB of wire values. */
    public static final long DEFAULT_CACHE_BYTES = 4L << 30;

    private final NodeRegistry registry;
    private final ServiceLookup services;
    private final EditorOptions options;
    private final EditorPaths paths;

    /** Creates the module from the host's registry, services, options and folders. */
    public EditorModule(
            NodeRegistry registry, ServiceLookup services, EditorOptions options, EditorPaths paths) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.services = Objects.requireNonNull(services, "services");
        this.options = Objects.requireNonNull(options, "options");
        this.paths = Objects.requireNonNull(paths, "paths");
    }

    @Override
    protected void configure() {
        bind(NodeRegistry.class).toInstance(registry);
        bind(ServiceLookup.class).toInstance(services);
        bind(EditorOptions.class).toInstance(options);
        bind(EditorPaths.class).toInstance(paths);
    }

    @Provides
    @Singleton
    GraphExecutor executor() {
        return new GraphExecutor(registry, new ResultCache(DEFAULT_CACHE_BYTES), services);
    }

    @Provides
    WorkflowRunner runner(GraphExecutor executor) {
        return executor::run;
    }

    @Provides
    WorkflowStore store() {
        return store(() -> new WorkflowSources(registry, java.util.List.of()));
    }

    /**
     * Workflow files read through {@link WorkflowSources} (Noodle and ComfyUI JSON, PNGs from Noodle, ComfyUI and
     * A1111) and saved as Noodle JSON.
     */
    public static WorkflowStore store(java.util.function.Supplier<WorkflowSources> sources) {
        return new WorkflowStore() {
            @Override
            public Workflow read(Path file) throws IOException {
                return sources.get().open(file);
            }

            @Override
            public boolean isNative(Path file) {
                try (var in = java.nio.file.Files.newInputStream(file)) {
                    var root = WorkflowJson.newMapper().readTree(in);
                    return root != null && root.isObject()
                            && (root.has("format") || root.path("nodes").isObject());
                } catch (IOException | RuntimeException e) {
                    return false; // an image, or not JSON at all
                }
            }

            @Override
            public void save(Workflow wf, Path file) throws IOException {
                WorkflowJson.save(wf, file);
            }
        };
    }

    @Provides
    WorkflowValidator validator() {
        return new Validator(registry)::validate;
    }
}
