package dev.noodle.nodes.host;

import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.conditioning.SdxlConditioningNodes;
import dev.noodle.nodes.image.ImageNodes;
import dev.noodle.nodes.latent.LatentNodes;
import dev.noodle.nodes.latent.VaeNodes;
import dev.noodle.nodes.loaders.LoaderNodes;
import dev.noodle.nodes.sampling.SamplerNodes;

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
 * The standard node set and the services nodes need (model manager, folders, PNG writer), created once per
 * process (CLI run, editor, server); runs go through a {@link NoodleRunner} over it. Closing it unloads every
 * model.
 */
public final class NoodleNodes implements AutoCloseable {
    private final NodeEnvironment env;
    private final ModelManager models;
    private final NodeRegistry registry;
    private final Map<Class<?>, Object> services = new HashMap<>();
    private final AddonFiles addons;

    private final String engineProblem;

    private NoodleNodes(NodeEnvironment env, ModelManager models, String engineProblem) {
        this.env = env;
        this.models = models;
        this.engineProblem = engineProblem;
        this.registry = standardRegistry(env);
        services.put(NodeEnvironment.class, env);
        services.put(ModelManager.class, models);
        WorkflowTexts texts = new WorkflowTexts(registry);
        services.put(WorkflowTexts.class, texts);
        ModelHashCache hashes = new ModelHashCache(ModelHashCache.storeBeside(env.models().root()));
        services.put(ModelHashCache.class, hashes);
        services.put(PngWriter.class, new MetadataPngWriter(texts, env.models(), hashes));
        this.addons = new AddonFiles(env.models(), models);
        services.put(AddonFiles.class, addons);
        services.put(EmbeddingLookupFactory.class, addons);
    }

    /**
     * The standard nodes over these folders, with the engine options the process was started with (the
     * {@code -Dnoodle.*} properties, see {@link EngineOptions#fromProperties}): models on the best device (CUDA if DJL
     * sees one, else CPU) unless those ask otherwise.
     *
     * @throws IllegalArgumentException naming the property when one of them is not understood
     */
    public static NoodleNodes create(NodeEnvironment env) {
        return create(env, EngineOptions.fromProperties(System.getProperties()));
    }

    /** The standard nodes over these folders, models loaded as {@code options} say. */
    public static NoodleNodes create(NodeEnvironment env, EngineOptions options) {
        return create(env, options, EngineStatus.problem());
    }

    /**
     * As {@link #create(NodeEnvironment, EngineOptions)}, given whether the engine loads: with a problem (bad-inputs
     * R6) the nodes are all there for editing and validation, and every run fails at once with that
     * problem's message.
     */
    public static NoodleNodes create(NodeEnvironment env, EngineOptions options, Optional<String> engineProblem) {
        Devices.Target target = engineProblem.isPresent() ? Devices.Target.cpu(options) : Devices.choose(options);
        return new NoodleNodes(env, new ModelManager(env.models().root(), target, MemoryBudget.modelBytes()),
                engineProblem.orElse(null));
    }

    /** Why the engine cannot run workflows here, if it cannot (the app stays usable for editing). */
    public Optional<String> engineProblem() {
        return Optional.ofNullable(engineProblem);
    }

    /**
     * What a long-running front end (editor, server) tells the user at start: the parts of an
     * {@code extra_model_paths.yaml} that were skipped, and the engine problem if there is one.
     */
    public List<String> startupWarnings() {
        List<String> w = new ArrayList<>(env.models().extra().warnings());
        engineProblem().ifPresent(w::add);
        return w;
    }

    /** Every standard node, registered by ComfyUI class name. */
    public static NodeRegistry standardRegistry(NodeEnvironment env) {
        NodeRegistry r = new NodeRegistry();
        r.register(new LoaderNodes.CheckpointLoaderSimple(env));
        r.register(new ConditioningNodes.ClipTextEncode());
        r.register(new ConditioningNodes.ClipTextEncodeClipSkip());
        r.register(new ConditioningNodes.ClipSetLastLayer());
        r.register(new SdxlConditioningNodes.ClipTextEncodeSdxl());
        r.register(new SdxlConditioningNodes.ClipTextEncodeSdxlRefiner());
        r.register(new ConditioningNodes.ConditioningCombine());
        r.register(new ConditioningNodes.ConditioningSetArea());
        r.register(new LatentNodes.EmptyLatentImage());
        r.register(new LatentNodes.RepeatLatentBatch());
        r.register(new SamplerNodes.KSampler());
        r.register(new SamplerNodes.KSamplerAdvanced());
        r.register(new VaeNodes.VaeDecode());
        r.register(new VaeNodes.VaeEncode());
        r.register(new ImageNodes.SaveImage(env));
        r.register(new ImageNodes.PreviewImage(env));
        r.register(new ImageNodes.LoadImage(env));
        AddonNodes.register(r, env);
        return r;
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
    }
}
