package dev.noodle.graph.exec;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.node.RunCancelledException;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.validate.EffectiveGraph;
import dev.noodle.graph.validate.Validation;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.graph.validate.Validator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Runs workflows: validate, plan, then execute node by node on the calling thread, reusing cached results.
 *
 * <p>A node's result is looked up by its input signature (see {@link Signatures}), so a second identical run executes
 * nothing and a changed literal re-runs only that node and its descendants. {@code alwaysRun} nodes never hit the cache
 * (nor do their descendants); {@link NodeDefinition#changeFingerprint} is mixed into the signature. Cancellation is
 * checked before each node, and nodes check it inside. After a failure or cancellation the cache holds exactly the
 * nodes that completed. One run at a time per executor is expected; the cache itself is thread-safe.
 */
public final class GraphExecutor {
    private final NodeRegistry registry;
    private final ResultCache cache;
    private final ServiceLookup services;
    private final Validator validator;
    private final Planner planner = new Planner();
    private final Predicate<Throwable> outOfMemory;

    /** Creates an executor over these node types, this cache and host services; only Java's own out-of-memory counts. */
    public GraphExecutor(NodeRegistry registry, ResultCache cache, ServiceLookup services) {
        this(registry, cache, services, GraphExecutor::javaOutOfMemory);
    }

    /**
     * Creates an executor whose host judges which node failures are out-of-memory (e.g. a native allocator's, which
     * only the host's engine can recognise). Such a failure frees the cache, and is reported once, as
     * {@link RunEvent.NodeFailed#outOfMemory()} and {@link RunResult#outOfMemory()}.
     */
    public GraphExecutor(NodeRegistry registry, ResultCache cache, ServiceLookup services,
            Predicate<Throwable> outOfMemory) {
        this.registry = registry;
        this.cache = cache;
        this.services = services == null ? ServiceLookup.none() : services;
        this.validator = new Validator(registry);
        this.outOfMemory = e -> javaOutOfMemory(e) || outOfMemory.test(e);
    }

    /** True when {@code e} or one of its causes is Java's {@link OutOfMemoryError}. */
    public static boolean javaOutOfMemory(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }

    /** The cache this executor uses. */
    public ResultCache cache() {
        return cache;
    }

    /** Runs a workflow; never throws for node failures (see {@link RunResult#status()}). */
    public RunResult run(Workflow wf, RunOptions options, RunListener listener, CancellationToken token) {
        RunOptions opts = options == null ? RunOptions.defaults() : options;
        RunListener events = safe(listener == null ? RunListener.none() : listener);
        CancellationToken cancel = token == null ? new CancellationToken() : token;
        String runId = opts.runId();
        EffectiveGraph graph = EffectiveGraph.build(wf, registry);
        Validation validation = validator.check(graph, opts.targets());
        List<ValidationError> errors = validation.errors();
        if (!errors.isEmpty()) {
            return new RunResult(runId, RunResult.Status.INVALID, errors, Map.of(), 0, 0, null,
                    errors.size() + " validation error(s); first: " + errors.get(0).toLine());
        }
        List<String> order = planner.plan(graph, opts.targets()).order();
        return new Run(wf, graph, validation, order, opts, events, cancel).execute();
    }

    private static RunListener safe(RunListener listener) {
        return e -> {
            try {
                listener.onEvent(e);
            } catch (RuntimeException ignored) {
                // a broken listener must not break the run or leave the cache inconsistent
            }
        };
    }

    /** The state of one run. */
    private final class Run {
        private final EffectiveGraph graph;
        private final Workflow workflow;
        private final Map<String, String> extraPngInfo;
        private final List<String> order;
        private final String runId;
        private final RunListener events;
        private final CancellationToken token;
        private final Set<String> keep;
        private final Map<String, String> signatures = new HashMap<>();
        private final Map<String, NodeOutputs> results = new HashMap<>();
        private final Map<String, Integer> pendingConsumers = new HashMap<>();
        private final Map<String, NodeOutputs> outputs = new LinkedHashMap<>();
        private int executed;
        private int cached;

        private final Validation validation;

        Run(Workflow workflow, EffectiveGraph graph, Validation validation, List<String> order, RunOptions opts,
                RunListener events, CancellationToken token) {
            this.validation = validation;
            this.workflow = workflow;
            this.extraPngInfo = opts.extraPngInfo();
            this.graph = graph;
            this.order = order;
            this.runId = opts.runId();
            this.events = events;
            this.token = token;
            this.keep = new HashSet<>(opts.targets().isEmpty() ? graph.outputNodes() : opts.targets());
            for (String id : order) {
                for (String dep : graph.dependencies(id)) {
                    pendingConsumers.merge(dep, 1, Integer::sum);
                }
            }
        }

        RunResult execute() {
            long start = System.nanoTime();
            events.onEvent(new RunEvent.RunStarted(runId, order));
            try {
                for (String id : order) {
                    if (token.isCancelled()) {
                        return cancelled(id, start);
                    }
                    NodeInstance node = graph.nodes().get(id);
                    NodeDefinition def = registry.find(node.type()).orElseThrow();
                    NodeSchema schema = def.schema();
                    Map<String, Object> values = new LinkedHashMap<>();
                    Map<String, Signatures.Part> parts = new LinkedHashMap<>();
                    Map<String, Object> literalsOnly = new LinkedHashMap<>();
                    collectInputs(node, schema, values, parts, literalsOnly);
                    String label = "node " + id + " (" + node.type() + packLabel(node.type(), ", pack ", "") + ")";
                    String signature;
                    try {
                        signature = signature(def, schema, label, parts, literalsOnly, "always:" + runId + ":" + id);
                    } catch (RuntimeException | LinkageError e) {
                        return failed(id, node.type(), "could not check for changes: " + message(e, false), e, false,
                                start);
                    }
                    signatures.put(id, signature);
                    NodeOutputs out = schema.alwaysRun() ? null : cache.acquire(signature);
                    if (out != null) {
                        cached++;
                        events.onEvent(new RunEvent.NodeCached(runId, id, out.values()));
                    } else {
                        events.onEvent(new RunEvent.NodeStarted(runId, id, node.type()));
                        long t0 = System.nanoTime();
                        try {
                            RunNodeContext ctx = new RunNodeContext(runId, id, node.type(),
                                    new RunNodeInputs(label, schema, values), token, services, events, workflow, extraPngInfo);
                            out = def.execute(ctx);
                        } catch (RunCancelledException e) {
                            return cancelled(id, start);
                        } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError e) {
                            if (causedByCancel(e)) {
                                return cancelled(id, start); // e.g. wrapped by an ExecutionException
                            }
                            boolean oom = outOfMemory.test(e);
                            if (oom) {
                                // bad-inputs R2, as ComfyUI: free what the cache keeps (results, and the models
                                // their values hold) so the next run has room; this run's own holds end below
                                cache.clear();
                            }
                            return failed(id, node.type(), message(e, oom), e, oom, start);
                        }
                        if (out == null || out.values().size() != schema.outputs().size()) {
                            int got = out == null ? 0 : out.values().size();
                            String msg = "returned " + got + " value(s) but declares " + schema.outputs().size()
                                    + " output(s); this is a bug in the node";
                            if (out != null) {
                                cache.hold(out);
                                cache.unhold(out); // releases what it produced
                            }
                            return failed(id, node.type(), msg, null, false, start);
                        }
                        cache.hold(out);
                        if (!schema.alwaysRun()) {
                            cache.put(signature, out);
                        }
                        executed++;
                        events.onEvent(new RunEvent.NodeFinished(runId, id, System.nanoTime() - t0, out.ui(),
                                out.values()));
                    }
                    results.put(id, out);
                    if (keep.contains(id)) {
                        outputs.put(id, out);
                    }
                    releaseFinishedInputs(id);
                }
                long nanos = System.nanoTime() - start;
                events.onEvent(new RunEvent.RunFinished(runId, executed, cached, nanos));
                return new RunResult(runId, RunResult.Status.SUCCESS, List.of(), outputs, executed, cached, null,
                        "Executed " + executed + " node(s), " + cached + " from cache");
            } finally {
                for (NodeOutputs held : results.values()) {
                    cache.unhold(held);
                }
                results.clear();
            }
        }

        private void collectInputs(NodeInstance node, NodeSchema schema, Map<String, Object> values,
                Map<String, Signatures.Part> parts, Map<String, Object> literalsOnly) {
            signatureParts(node, schema, validation.literals(node.id()), signatures, parts, literalsOnly);
            values.putAll(literalsOnly);
            for (InputSpec spec : schema.inputs()) {
                if (node.input(spec.name()) instanceof Link link) {
                    values.put(spec.name(), results.get(link.nodeId()).value(link.outputIndex()));
                }
            }
        }

        /** Lets go of inputs whose every consumer in this plan has run (unless they are requested outputs). */
        private void releaseFinishedInputs(String id) {
            for (String dep : graph.dependencies(id)) {
                int left = pendingConsumers.merge(dep, -1, Integer::sum);
                if (left == 0 && !keep.contains(dep)) {
                    NodeOutputs held = results.remove(dep);
                    if (held != null) {
                        cache.unhold(held);
                    }
                }
            }
        }

        private RunResult cancelled(String nodeId, long start) {
            events.onEvent(new RunEvent.RunCancelled(runId, nodeId));
            events.onEvent(new RunEvent.RunFinished(runId, executed, cached, System.nanoTime() - start));
            return new RunResult(runId, RunResult.Status.CANCELLED, List.of(), outputs, executed, cached, nodeId,
                    "Run cancelled at node " + nodeId);
        }

        private RunResult failed(String nodeId, String type, String message, Throwable cause, boolean oom,
                long start) {
            String line = "node " + nodeId + " (" + type + packLabel(type, ", pack ", "") + ") failed: " + message;
            // a third-party node's failure names its pack wherever the message is shown (CLI, editor, server)
            String shown = message + packLabel(type, " (node pack ", ")");
            events.onEvent(new RunEvent.NodeFailed(runId, nodeId, type, shown, cause, oom));
            events.onEvent(new RunEvent.RunFinished(runId, executed, cached, System.nanoTime() - start));
            return new RunResult(runId, RunResult.Status.FAILED, List.of(), outputs, executed, cached, nodeId, line,
                    oom);
        }
    }

    /** The custom pack that defined {@code type}, between {@code before} and {@code after}; empty for built-ins. */
    private String packLabel(String type, String before, String after) {
        return registry.packOf(type).filter(PackInfo::custom).map(p -> before + p.label() + after).orElse("");
    }

    private static String message(Throwable e, boolean outOfMemory) {
        String m = e.getMessage();
        m = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        if (e instanceof LinkageError) { // e.g. NoClassDefFoundError's message is only the missing class
            m = e.getClass().getSimpleName() + ": " + m;
        }
        if (outOfMemory) { // bad-inputs R2: say what to do
            m = "out of memory (" + m + "); cached results were freed; use a smaller image size or batch, or free"
                    + " memory, and run again";
        }
        return m;
    }

    /** The signatures of all planned nodes by node id, without executing anything (for tools and tests). */
    public Map<String, String> signatures(Workflow wf, Set<String> targets) {
        EffectiveGraph graph = EffectiveGraph.build(wf, registry);
        Validation validation = validator.check(graph, targets);
        Map<String, String> sigs = new LinkedHashMap<>();
        for (String id : planner.plan(graph, targets).order()) {
            NodeInstance node = graph.nodes().get(id);
            NodeDefinition def = registry.find(node.type()).orElseThrow(() -> new IllegalArgumentException(
                    "node " + id + " has unknown type " + node.type()));
            Map<String, Signatures.Part> parts = new LinkedHashMap<>();
            Map<String, Object> literals = new LinkedHashMap<>();
            signatureParts(node, def.schema(), validation.literals(id), sigs, parts, literals);
            sigs.put(id, signature(def, def.schema(), "node " + id + " (" + node.type() + ")", parts, literals,
                    "always:" + id));
        }
        return sigs;
    }

    /** Fills the signature parts (links by ancestor signature) and the validated literal values of a node. */
    private static void signatureParts(NodeInstance node, NodeSchema schema, Map<String, Object> validLiterals,
            Map<String, String> ancestorSignatures, Map<String, Signatures.Part> parts, Map<String, Object> literals) {
        for (InputSpec spec : schema.inputs()) {
            InputValue v = node.input(spec.name());
            if (v instanceof Link link) {
                parts.put(spec.name(),
                        new Signatures.LinkPart(ancestorSignatures.get(link.nodeId()), link.outputIndex()));
            } else if (v instanceof Literal) {
                if (!validLiterals.containsKey(spec.name())) {
                    throw new IllegalStateException("node " + node.id() + " input '" + spec.name()
                            + "' was not validated");
                }
                Object value = validLiterals.get(spec.name());
                literals.put(spec.name(), value);
                parts.put(spec.name(), new Signatures.LiteralPart(value));
            }
        }
    }

    /** The signature of a node; {@code alwaysKey} makes alwaysRun nodes unique (never a cache hit). */
    private static String signature(NodeDefinition def, NodeSchema schema, String label,
            Map<String, Signatures.Part> parts, Map<String, Object> literals, String alwaysKey) {
        if (schema.alwaysRun()) {
            // never equal to a cached signature, so the node and its descendants re-run
            return Signatures.of(schema.type(), Map.of(), alwaysKey);
        }
        String fingerprint = def.changeFingerprint(new RunNodeInputs(label, schema, literals)).orElse(null);
        return Signatures.of(schema.type(), parts, fingerprint);
    }

    private static boolean causedByCancel(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RunCancelledException) {
                return true;
            }
        }
        return false;
    }
}
