package dev.noodle.graph.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.exec.ServiceLookup;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Packs in the registry: all or nothing, never redefining a type; a failing pack node's error names its pack. */
class NodePackRegistryTest {
    static final IntInput N = IntInput.of("n", 1, 0, 10);

    /** An output node that returns nothing, or throws when {@code fail}. */
    static final class Probe extends Node {
        private final boolean fail;

        Probe(String type, boolean fail) {
            super(NodeSchema.builder(type).category("test").input(N).outputNode(true));
            this.fail = fail;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            if (fail) {
                throw new NoClassDefFoundError("some/Missing");
            }
            return NodeOutputs.of();
        }
    }

    private static final PackInfo BUILTIN = new PackInfo("noodle", "0.1.0", null, List.of());
    private static final PackInfo MINE = new PackInfo("mine", "1.0", Path.of("/x/custom_nodes/mine.jar"), List.of());

    private static NodeRegistry registry() {
        return new NodeRegistry().registerPack(BUILTIN, List.of(new Probe("KSampler", false)));
    }

    @Test
    void aPackRedefiningABuiltInTypeIsRefusedWhole() {
        NodeRegistry r = registry();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.registerPack(MINE, List.of(new Probe("Mine", false), new Probe("KSampler", false))));
        assertEquals("node pack 'mine 1.0' redefines the node type 'KSampler', which is built into Noodle; packs may"
                + " only add new node types", e.getMessage());
        assertTrue(r.find("Mine").isEmpty(), "nothing of the pack is registered");
        assertEquals(List.of("noodle"), r.packs().stream().map(PackInfo::name).toList());
        assertEquals("noodle", r.packOf("KSampler").orElseThrow().name());
    }

    @Test
    void aPackRedefiningAnotherPacksTypeOrNameIsRefused() {
        NodeRegistry r = registry().registerPack(MINE, List.of(new Probe("Mine", false)));
        PackInfo other = new PackInfo("other", "2", Path.of("/x/custom_nodes/other.jar"), List.of());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> r.registerPack(other, List.of(new Probe("Mine", false)))).getMessage()
                .contains("which pack 'mine 1.0' defines"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> r.registerPack(other, List.of(new Probe("A", false), new Probe("A", false)))).getMessage()
                .contains("lists the node type 'A' twice"));
        PackInfo again = new PackInfo("mine", "1.1", Path.of("/x/custom_nodes/mine-1.1.jar"), List.of());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> r.registerPack(again, List.of(new Probe("B", false)))).getMessage()
                .startsWith("a node pack named 'mine' is already loaded (mine 1.0 from "));
        assertEquals(List.of("Mine"), r.packOf("Mine").orElseThrow().nodeTypes());
        assertTrue(r.find("A").isEmpty() && r.find("B").isEmpty());
    }

    @Test
    void aFailingPackNodeNamesItsPackAndABuiltInDoesNot() {
        NodeRegistry r = registry().registerPack(MINE, List.of(new Probe("Mine", true)));
        r.registerPack(new PackInfo("broken-builtin", "0.1.0", null, List.of()), List.of(new Probe("Own", true)));
        GraphExecutor executor = new GraphExecutor(r, new ResultCache(1 << 20), ServiceLookup.none());
        List<RunEvent> events = new ArrayList<>();

        RunResult mine = executor.run(one("Mine"), RunOptions.defaults(), events::add, new CancellationToken());
        assertEquals(RunResult.Status.FAILED, mine.status());
        assertEquals("node 1 (Mine, pack mine 1.0) failed: NoClassDefFoundError: some/Missing", mine.message());
        RunEvent.NodeFailed failed = events.stream().filter(RunEvent.NodeFailed.class::isInstance)
                .map(RunEvent.NodeFailed.class::cast).findFirst().orElseThrow();
        assertEquals("NoClassDefFoundError: some/Missing (node pack mine 1.0)", failed.message());

        RunResult own = executor.run(one("Own"), RunOptions.defaults(), null, new CancellationToken());
        assertEquals("node 1 (Own) failed: NoClassDefFoundError: some/Missing", own.message());
        assertFalse(own.message().contains("pack"));

        RunResult ok = executor.run(one("KSampler"), RunOptions.defaults(), null, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, ok.status(), ok.message());
    }

    private static Workflow one(String type) {
        return Workflow.empty("test").withNode(NodeInstance.of("1", type, Map.of("n", new Literal(2L))));
    }
}
