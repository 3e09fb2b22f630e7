package dev.noodle.nodes;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad-inputs R2 on the real engine: a node whose native allocation fails (PyTorch's CPU allocator refusing a 4 TiB
 * tensor, surfaced by DJL as an exception, not a JVM crash) fails the run with the out-of-memory tip; the checkpoint
 * the run had loaded is unloaded, as ComfyUI unloads models after an OOM; the next run loads it again and succeeds.
 */
class OutOfMemoryUnloadTest {
    /** Asks the engine for a tensor no machine has room for. */
    static final class GreedyNode implements NodeDefinition {
        private final NodeSchema schema = NodeSchema.builder("TestGreedy").category("test")
                .input(SocketInput.of("model", PortType.MODEL)).outputNode(true).build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            try (NDManager m = NDManager.newBaseManager()) {
                m.zeros(new Shape(1L << 40)).close(); // 4 TiB of float32
            }
            return NodeOutputs.of();
        }
    }

    @Test
    void aNativeOutOfMemoryFailsTheRunUnloadsTheModelAndTheNextRunSucceeds(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            nodes.registry().register(new GreedyNode());
            NoodleRunner runner = new NoodleRunner(nodes);
            Workflow greedy = DemoPipelineTest.txt2img(1, "a cat");
            Map<String, NodeInstance> n = new LinkedHashMap<>(greedy.nodes());
            n.put("20", new NodeInstance("20", "TestGreedy", new LinkedHashMap<>(Map.of("model", new Link("4", 0))),
                    NodeMode.NORMAL, Map.of()));
            greedy = new Workflow(1, "greedy", n, null, Map.of());

            List<RunEvent> events = new ArrayList<>();
            RunResult failed = runner.run(greedy, "oom", events::add, new CancellationToken());
            assertTrue(failed.outOfMemory(), "recognised as out of memory: " + failed.message());
            assertEquals(RunResult.Status.FAILED, failed.status(), failed.message());
            assertEquals("20", failed.failedNode());
            assertTrue(failed.message().contains("out of memory") && failed.message().contains("smaller"),
                    failed.message());
            assertEquals(1, nodes.models().loadCount(), "the checkpoint was loaded for the failed run");
            assertEquals(0, nodes.models().loadedCount(), "and unloaded after the out-of-memory");

            RunResult ok = runner.run(DemoPipelineTest.txt2img(1, "a cat"), "after", e -> {},
                    new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, ok.status(), ok.message());
            assertEquals(2, nodes.models().loadCount(), "the next run loads it again");
        }
    }
}
