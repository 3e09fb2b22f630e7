package dev.noodle.graph.bench;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;

import dev.noodle.graph.exec.ExecutionPlan;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.Planner;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.List;
import java.util.function.Function;
import dev.noodle.graph.validate.Validator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Measures graph overhead on a 1,000-node workflow of trivial fake nodes: validation, planning, and a fully cached run
 * (signatures + cache lookups), against the baseline of a first, uncached run in the same process.
 *
 * <p>Run: {@code ./mvnw -B -o -pl graph-core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.noodle.graph.bench.GraphBench}. Not a test: figures depend on the machine.
 */
public final class GraphBench {
    private static final int NODES = 1000;

    private GraphBench() {}

    /** Trivial node types (same schemas as the test fakes, constant-size Long values on the wires). */
    static final class BenchNodes {
        static final IntInput SEED = IntInput.seed("seed");
        static final IntInput SIZE = IntInput.of("size", 1, 1, 1 << 20);
        static final SocketInput<Long> LATENT = SocketInput.of("latent", PortType.LATENT, Long.class);
        static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 10.0);
        static final SocketInput<Long> A = SocketInput.of("a", PortType.LATENT, Long.class);
        static final SocketInput<Long> B = SocketInput.of("b", PortType.LATENT, Long.class).asOptional();

        final NodeRegistry registry = new NodeRegistry();

        BenchNodes() {
            add(NodeSchema.builder("Source").input(SEED).input(SIZE).output(PortType.LATENT),
                    ctx -> NodeOutputs.of(ctx.inputs().get(SEED)));
            add(NodeSchema.builder("Process").input(LATENT).input(STRENGTH).output(PortType.LATENT),
                    ctx -> NodeOutputs.of(ctx.inputs().get(LATENT) + 1));
            add(NodeSchema.builder("Mix").input(A).input(B).output(PortType.LATENT),
                    ctx -> NodeOutputs.of(ctx.inputs().get(A) ^ ctx.inputs().get(B)));
            add(NodeSchema.builder("Preview").outputNode(true).input(LATENT),
                    ctx -> NodeOutputs.ui(Map.of("value", List.of(ctx.inputs().get(LATENT)))));
        }

        private void add(NodeSchema.Builder schema, Function<NodeContext, NodeOutputs> body) {
            registry.register(new Node(schema) {
                @Override
                public NodeOutputs execute(NodeContext ctx) {
                    return body.apply(ctx);
                }
            });
        }
    }

    /**
     * A reproducible DAG that output nodes need entirely: 10 sources, then a spine of Process/Mix nodes where each links
     * to its predecessor and every Mix also to a random earlier node, then 10 previews of the last spine nodes.
     */
    static Workflow workflow(long seed) {
        Random rnd = new Random(seed);
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        int sources = 10;
        int previews = 10;
        for (int i = 0; i < sources; i++) {
            nodes.put(id(i), n(id(i), "Source", "seed", (long) i, "size", 1L));
        }
        for (int i = sources; i < NODES - previews; i++) {
            String a = id(i - 1);
            if (i < 2 * sources) {
                nodes.put(id(i), n(id(i), "Mix", "a", link(a, 0), "b", link(id(i - sources), 0)));
            } else if (i % 3 == 0) {
                nodes.put(id(i), n(id(i), "Mix", "a", link(a, 0), "b", link(id(rnd.nextInt(i)), 0)));
            } else {
                nodes.put(id(i), n(id(i), "Process", "latent", link(a, 0), "strength", 1.0 + (i % 7)));
            }
        }
        for (int i = NODES - previews; i < NODES; i++) {
            nodes.put(id(i), n(id(i), "Preview", "latent", link(id(i - previews), 0)));
        }
        return new Workflow(Workflow.CURRENT_FORMAT, "bench", nodes, null, Map.of());
    }

    private static String id(int i) {
        return Integer.toString(i);
    }

    /** Runs {@code body} {@code warmup + runs} times; returns the median and min of the measured runs in ms. */
    private static double[] time(int warmup, int runs, Supplier<Object> body) {
        Object sink = null;
        for (int i = 0; i < warmup; i++) {
            sink = body.get();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            sink = body.get();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        if (sink == null) {
            throw new IllegalStateException("benchmark body returned nothing");
        }
        Arrays.sort(ms);
        return new double[] {ms[runs / 2], ms[0]};
    }

    public static void main(String[] args) {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        BenchNodes fake = new BenchNodes();
        Workflow wf = workflow(42);
        Validator validator = new Validator(fake.registry);
        Planner planner = new Planner();
        if (!validator.validate(wf).isEmpty()) {
            throw new IllegalStateException("bench workflow is invalid: " + validator.validate(wf));
        }
        ExecutionPlan plan = planner.plan(wf, fake.registry, Set.of());

        double[] validate = time(warmup, runs, () -> validator.validate(wf));
        double[] planning = time(warmup, runs, () -> planner.plan(wf, fake.registry, Set.of()));
        double[] uncached = time(warmup, runs, () -> {
            GraphExecutor ex = new GraphExecutor(fake.registry, new ResultCache(Long.MAX_VALUE), ServiceLookup.none());
            return check(ex.run(wf, RunOptions.defaults(), RunListener.none(), new CancellationToken()), plan, false);
        });
        GraphExecutor warm = new GraphExecutor(fake.registry, new ResultCache(Long.MAX_VALUE), ServiceLookup.none());
        warm.run(wf, RunOptions.defaults(), RunListener.none(), new CancellationToken());
        double[] cached = time(warmup, runs, () ->
                check(warm.run(wf, RunOptions.defaults(), RunListener.none(), new CancellationToken()), plan, true));
        double[] signatures = time(warmup, runs, () -> warm.signatures(wf, Set.of()));

        System.out.printf("GraphBench: %d-node workflow, %d planned nodes, median (min) of %d runs after %d warm-up%n",
                NODES, plan.order().size(), runs, warmup);
        print("validate", validate);
        print("plan", planning);
        print("signatures (all planned nodes)", signatures);
        print("run, all cached (validate+plan+signatures+lookups)", cached);
        print("baseline: first run, uncached, trivial nodes", uncached);
    }

    private static RunResult check(RunResult r, ExecutionPlan plan, boolean cached) {
        int expected = plan.order().size();
        boolean ok = cached ? r.cached() == expected && r.executed() == 0 : r.executed() == expected;
        if (r.status() != RunResult.Status.SUCCESS || !ok) {
            throw new IllegalStateException("unexpected run result: " + r);
        }
        return r;
    }

    private static void print(String what, double[] ms) {
        System.out.printf("  %-52s %8.3f ms  (min %.3f ms)%n", what, ms[0], ms[1]);
    }
}
