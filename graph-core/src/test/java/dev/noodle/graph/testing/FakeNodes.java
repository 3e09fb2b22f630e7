package dev.noodle.graph.testing;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Fast fake node types for graph tests; records every execution.
 *
 * <ul>
 *   <li>{@code Source(seed INT seed-like, size INT) -> LATENT}: a {@link FakeValue}
 *   <li>{@code Process(latent LATENT, strength FLOAT) -> LATENT}
 *   <li>{@code Mix(a LATENT, b LATENT optional) -> LATENT}
 *   <li>{@code ToImage(latent LATENT) -> IMAGE}
 *   <li>{@code Save(images IMAGE, prefix STRING, format COMBO png|jpg, flag BOOLEAN optional)}: output node
 *       returning ui {"images": [prefix_input.format]}
 *   <li>{@code Preview(latent LATENT)}: output node
 *   <li>{@code Noise(seed INT)}: alwaysRun, LATENT
 *   <li>{@code File(path STRING) -> STRING}: fingerprint from {@link #fileVersion}
 *   <li>{@code Hook(latent LATENT) -> LATENT}: runs {@link #hook} inside execute
 * </ul>
 */
public final class FakeNodes {
    // Source
    static final IntInput SEED = IntInput.seed("seed");
    static final IntInput SIZE = IntInput.of("size", 16, 1, 1 << 20);
    // Process
    static final SocketInput<FakeValue> LATENT = SocketInput.of("latent", PortType.LATENT, FakeValue.class);
    static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 10.0);
    // Mix
    static final SocketInput<FakeValue> A = SocketInput.of("a", PortType.LATENT, FakeValue.class);
    static final SocketInput<FakeValue> B = SocketInput.of("b", PortType.LATENT, FakeValue.class).asOptional();
    // ToImage, Preview, Hook: whatever arrives, passed on or printed
    static final SocketInput<Object> ANY_LATENT = SocketInput.of("latent", PortType.LATENT);
    // Save
    static final SocketInput<Object> IMAGES = SocketInput.of("images", PortType.IMAGE);
    static final StringInput PREFIX = StringInput.of("prefix", "out");
    static final ComboInput FORMAT = ComboInput.of("format", "png", "jpg");
    static final BoolInput FLAG = BoolInput.of("flag", false).asOptional();
    // Noise
    static final IntInput NOISE_SEED = IntInput.of("seed", 0, 0, 100);
    // File
    static final StringInput PATH = StringInput.of("path", "a.txt");

    public final NodeRegistry registry = new NodeRegistry();
    public final List<String> executed = new ArrayList<>();
    public final List<FakeValue> created = new ArrayList<>();
    public final Map<String, String> fileVersion = new LinkedHashMap<>();
    public volatile Consumer<NodeContext> hook = ctx -> {};

    public FakeNodes() {
        registry.register(node(NodeSchema.builder("Source").category("test")
                .input(SEED).input(SIZE)
                .output(PortType.LATENT), ctx -> {
                    FakeValue v = new FakeValue("src" + ctx.inputs().get(SEED), ctx.inputs().get(SIZE));
                    created.add(v);
                    return NodeOutputs.of(v);
                }));
        registry.register(node(NodeSchema.builder("Process").category("test")
                .input(LATENT).input(STRENGTH)
                .output(PortType.LATENT), ctx -> {
                    FakeValue in = ctx.inputs().get(LATENT);
                    FakeValue v = new FakeValue(in.label() + "*" + ctx.inputs().get(STRENGTH), in.sizeBytes());
                    created.add(v);
                    return NodeOutputs.of(v);
                }));
        registry.register(node(NodeSchema.builder("Mix").category("test")
                .input(A).input(B)
                .output(PortType.LATENT), ctx -> {
                    FakeValue a = ctx.inputs().get(A);
                    FakeValue b = ctx.inputs().get(B);
                    FakeValue v = new FakeValue(a.label() + "+" + (b == null ? "none" : b.label()), a.sizeBytes());
                    created.add(v);
                    return NodeOutputs.of(v);
                }));
        registry.register(node(NodeSchema.builder("ToImage").category("test")
                .input(ANY_LATENT).output(PortType.IMAGE),
                ctx -> NodeOutputs.of("img(" + ctx.inputs().get(ANY_LATENT) + ")")));
        registry.register(node(NodeSchema.builder("Save").category("test").outputNode(true)
                .input(IMAGES)
                .input(PREFIX)
                .input(FORMAT)
                .input(FLAG),
                ctx -> NodeOutputs.ui(Map.of("images",
                        List.of(ctx.inputs().get(PREFIX) + "_" + ctx.inputs().get(IMAGES) + "."
                                + ctx.inputs().get(FORMAT))))));
        registry.register(node(NodeSchema.builder("Preview").category("test").outputNode(true)
                .input(ANY_LATENT),
                ctx -> NodeOutputs.ui(Map.of("latent", String.valueOf(ctx.inputs().get(ANY_LATENT))))));
        registry.register(node(NodeSchema.builder("Noise").category("test").alwaysRun(true)
                .input(NOISE_SEED).output(PortType.LATENT), ctx -> {
                    FakeValue v = new FakeValue("noise" + System.nanoTime(), 8);
                    created.add(v);
                    return NodeOutputs.of(v);
                }));
        registry.register(new Node(NodeSchema.builder("File").category("test")
                .input(PATH).output(PortType.LATENT)) {
            @Override
            public NodeOutputs execute(NodeContext ctx) {
                executed.add(ctx.nodeId());
                String path = ctx.inputs().get(PATH);
                FakeValue v = new FakeValue("file:" + path + "@" + fileVersion.get(path), 4);
                created.add(v);
                return NodeOutputs.of(v);
            }

            @Override
            public Optional<String> changeFingerprint(NodeInputs inputs) {
                return Optional.ofNullable(fileVersion.get(inputs.get(PATH)));
            }
        });
        registry.register(node(NodeSchema.builder("Hook").category("test")
                .input(ANY_LATENT).output(PortType.LATENT), ctx -> {
                    hook.accept(ctx);
                    return NodeOutputs.of(ctx.inputs().get(ANY_LATENT));
                }));
    }

    /** A node body that may throw. */
    public interface Body {
        NodeOutputs run(NodeContext ctx) throws Exception;
    }

    private Node node(NodeSchema.Builder schema, Body body) {
        return new Node(schema) {
            @Override
            public NodeOutputs execute(NodeContext ctx) throws Exception {
                executed.add(ctx.nodeId());
                return body.run(ctx);
            }
        };
    }

    /** A link. */
    public static Link link(String id, int index) {
        return new Link(id, index);
    }

    /** A literal. */
    public static Literal lit(Object v) {
        return new Literal(v);
    }

    /** A node with inputs given as name, value pairs (values: InputValue or raw literal). */
    public static NodeInstance n(String id, String type, Object... nameValues) {
        Map<String, InputValue> inputs = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            Object v = nameValues[i + 1];
            inputs.put((String) nameValues[i], v instanceof InputValue iv ? iv : new Literal(v));
        }
        return NodeInstance.of(id, type, inputs);
    }

    /** A workflow of these nodes. */
    public static Workflow wf(NodeInstance... nodes) {
        Workflow w = Workflow.empty("test");
        for (NodeInstance n : nodes) {
            w = w.withNode(n);
        }
        return w;
    }

    /** The standard pipeline: 1 Source -> 2 Process -> 3 ToImage -> 4 Save. */
    public static Workflow pipeline(long seed) {
        return wf(
                n("1", "Source", "seed", seed, "size", 100L),
                n("2", "Process", "latent", link("1", 0), "strength", 0.5),
                n("3", "ToImage", "latent", link("2", 0)),
                n("4", "Save", "images", link("3", 0), "prefix", "p", "format", "png"));
    }

    /** A chain of {@code length} Process nodes after a Source, ending in a Preview. */
    public static Workflow chain(int length) {
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        nodes.put("0", n("0", "Source", "seed", 1L, "size", 1L));
        for (int i = 1; i <= length; i++) {
            String id = Integer.toString(i);
            nodes.put(id, n(id, "Process", "latent", link(Integer.toString(i - 1), 0), "strength", 1.0));
        }
        nodes.put("p", n("p", "Preview", "latent", link(Integer.toString(length), 0)));
        return new Workflow(Workflow.CURRENT_FORMAT, "chain", nodes, null, Map.of());
    }
}
