package dev.noodle.nodes.host;

import dev.noodle.engine.model.ModelManager;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.EngineStatus;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.nodes.interop.ModelHashCache;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node set (Noodle's own nodes, plus the custom node packs a front end asked for) and the services nodes need
 * (model manager, folders, PNG writer), created once per process (CLI run, editor, server); runs go through a
 * {@link NoodleRunner} over it. Closing it unloads every model and closes the packs' jars.
 */
public final class NoodleNodes implements AutoCloseable {
    private final NodeEnvironment env;
    private final ModelManager models;
    private final NodeRegistry registry;
    private final NodePacks packs;
    private final Map<Class<?>, Object> services = new HashMap<>();
    private final AddonFiles addons;
    private final LatentPreviews previews;

    private final String engineProblem;

    private NoodleNodes(NodeEnvironment env, ModelManager models, String engineProblem, NodeRegistry registry,
            NodePacks packs) {
        this.env = env;
        this.models = models;
        this.engineProblem = engineProblem;
        this.registry = registry;
        this.packs = packs;
        services.put(NodeEnvironment.class, env);
        services.put(ModelManager.class, models);
        ModelHashCache hashes = new ModelHashCache(
                dev.noodle.nodes.library.ModelLibrary.hashStore(env.models().root()));
        services.put(ModelHashCache.class, hashes);
        WorkflowTexts texts = new WorkflowTexts(registry, env.models(), hashes);
        services.put(WorkflowTexts.class, texts);
        services.put(PngWriter.class, new MetadataPngWriter(texts, env.models(), hashes));
        this.addons = new AddonFiles(env.models(), models);
        services.put(AddonFiles.class, addons);
        services.put(EmbeddingLookupFactory.class, addons);
        this.previews = new LatentPreviews(env, addons, LatentPreviews.Method.AUTO);
        services.put(LatentPreviews.class, previews);
    }

    /** How samplers preview (ComfyUI's {@code --preview-method}; {@code auto} unless a front end sets it). */
    public LatentPreviews previews() {
        return previews;
    }

    /**
     * Noodle's own nodes over these folders (no custom node pack), with the engine options the process was started
     * with (the {@code -Dnoodle.*} properties, see {@link EngineOptions#fromProperties}): models on the best device
     * (CUDA if DJL sees one, else CPU) unless those ask otherwise.
     *
     * @throws IllegalArgumentException naming the property when one of them is not understood
     */
    public static NoodleNodes create(NodeEnvironment env) {
        return create(env, CustomNodes.disabled());
    }

    /**
     * As {@link #create(NodeEnvironment)}, plus the custom node packs {@code custom} names (what was refused is in
     * {@link #startupWarnings()}, what was loaded in {@link #packs()}).
     *
     * @throws IllegalArgumentException naming the property when an engine option is not understood
     */
    public static NoodleNodes create(NodeEnvironment env, CustomNodes custom) {
        NodeRegistry registry = standardRegistry(env);
        return create(env, registry, NodePacks.load(custom, registry, env));
    }

    /**
     * As {@link #create(NodeEnvironment, CustomNodes)}, over a registry the caller already built with
     * {@link #standardRegistry} and the custom packs it loaded into it (e.g. to validate a workflow before the engine
     * starts), so the pack jars are opened once. The node set takes over {@code packs} and closes them.
     */
    public static NoodleNodes create(NodeEnvironment env, NodeRegistry registry, NodePacks packs) {
        return create(env, EngineOptions.fromProperties(System.getProperties()), EngineStatus.problem(), registry,
                packs);
    }

    /** Noodle's own nodes over these folders (no custom node pack), models loaded as {@code options} say. */
    public static NoodleNodes create(NodeEnvironment env, EngineOptions options) {
        return create(env, options, EngineStatus.problem());
    }

    /**
     * As {@link #create(NodeEnvironment, EngineOptions)}, given whether the engine loads: with a problem (bad-inputs
     * R6) the nodes are all there for editing and validation, and every run fails at once with that
     * problem's message.
     */
    public static NoodleNodes create(NodeEnvironment env, EngineOptions options, Optional<String> engineProblem) {
        NodeRegistry registry = standardRegistry(env);
        return create(env, options, engineProblem, registry, NodePacks.load(CustomNodes.disabled(), registry, env));
    }

    private static NoodleNodes create(NodeEnvironment env, EngineOptions options, Optional<String> engineProblem,
            NodeRegistry registry, NodePacks packs) {
        Devices.Target target = engineProblem.isPresent() ? Devices.Target.cpu(options) : Devices.choose(options);
        return new NoodleNodes(env, new ModelManager(env.models().root(), target, MemoryBudget.modelBytes()),
                engineProblem.orElse(null), registry, packs);
    }

    /** Why the engine cannot run workflows here, if it cannot (the app stays usable for editing). */
    public Optional<String> engineProblem() {
        return Optional.ofNullable(engineProblem);
    }

    /**
     * What a long-running front end (editor, server) tells the user at start: the parts of an
     * {@code extra_model_paths.yaml} that were skipped, the custom node packs that were refused, and the engine
     * problem if there is one. (The notice about the packs that were loaded is {@code packs().notice()}.)
     */
    public List<String> startupWarnings() {
        List<String> w = new ArrayList<>(env.models().extra().warnings());
        w.addAll(packs.problems());
        engineProblem().ifPresent(w::add);
        return w;
    }

    /**
     * Noodle's own nodes, registered by ComfyUI class name through the node pack service (see {@link BuiltinNodes});
     * no custom node pack.
     */
    public static NodeRegistry standardRegistry(NodeEnvironment env) {
        NodeRegistry r = new NodeRegistry();
        NodePacks.registerBuiltins(r, env);
        return r;
    }

    /** The custom node packs loaded at start (and those refused, in their problems). */
    public NodePacks packs() {
        return packs;
    }

    public NodeRegistry registry() {
        return registry;
    }

    public NodeEnvironment environment() {
        return env;
    }

    public ModelManager models() {
        return models;
    }

    /**
     * Unloads every model no cached result or run holds (ComfyUI's {@code /free}); clear the result cache first so
     * its leases are gone.
     *
     * @return how many models were unloaded
     */
    public int freeUnusedModels() {
        return models.freeUnused();
    }

    /** The file names of the checkpoints loaded now (what a server's queue panel shows); never waits for a load. */
    public List<String> loadedCheckpoints() {
        return models.loadedFiles().stream().map(p -> p.getFileName().toString()).toList();
    }

    /** The file name of the checkpoint being loaded now, if one is. */
    public Optional<String> loadingCheckpoint() {
        return Optional.ofNullable(models.loadingNow()).map(p -> p.getFileName().toString());
    }

    /** The device models are loaded on. */
    public ComputeDevice device() {
        ai.djl.Device d = models.target().device();
        return new ComputeDevice(d.toString(), d.getDeviceType(), Math.max(0, d.getDeviceId()), d.isGpu());
    }

    /** Services for the executor (a node asks for one by class). */
    public ServiceLookup services() {
        return new ServiceLookup() {
            @Override
            public <T> T get(Class<T> type) {
                Object s = services.get(type);
                if (s == null) {
                    throw new IllegalStateException("no service " + type.getSimpleName());
                }
                return type.cast(s);
            }
        };
    }

    @Override
    public void close() {
        addons.close();
        models.close();
        packs.close();
    }
}
