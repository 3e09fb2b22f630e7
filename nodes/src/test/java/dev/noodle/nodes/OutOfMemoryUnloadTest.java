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

    /** A model on a simulated GPU (bookkeeping only). */
    static final class SimulatedGpuModel implements dev.noodle.engine.memory.Resident {
        ai.djl.Device device = ai.djl.Device.cpu();

        @Override
        public String name() {
            return "UNet of demo.safetensors";
        }

        @Override
        public long bytes() {
            return 1_700_000_000L;
        }

        @Override
        public ai.djl.Device home() {
            return ai.djl.Device.gpu();
        }

        @Override
        public ai.djl.Device device() {
            return device;
        }

        @Override
        public void moveTo(ai.djl.Device to) {
            device = to;
        }

        @Override
        public boolean isClosed() {
            return false;
        }
    }

    /** Runs a step through a VRAM placement whose every try runs out of GPU memory, as libtorch reports it. */
    static final class GpuGreedyNode implements NodeDefinition {
        private final NodeSchema schema = NodeSchema.builder("TestGpuGreedy").category("test")
                .input(SocketInput.of("model", PortType.MODEL)).outputNode(true).build();
        final dev.noodle.engine.memory.ModelPlacement placement = new dev.noodle.engine.memory.ModelPlacement(
                dev.noodle.engine.memory.VramSettings.defaults(), () -> 8L << 30, ai.djl.Device.cpu(), () -> {});
        final SimulatedGpuModel unet = new SimulatedGpuModel();
        int tries;

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return placement.run("UNet pass on (2, 4, 128, 128)", List.of(unet), 0, () -> {
                tries++;
                try (NDManager m = NDManager.newBaseManager()) {
                    m.zeros(new Shape(16)); // work in flight when the allocator gives up
                    throw new ai.djl.engine.EngineException("CUDA out of memory. Tried to allocate 4.00 GiB (GPU 0;"
                            + " 7.79 GiB total capacity; 5.92 GiB already allocated)");
                }
            });
        }
    }

    @Test
    void aGpuStepThatRunsOutTwiceFailsItsNodeWithWhatToTryAndTheNextRunSucceeds(@TempDir Path dir) {
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")))) {
            GpuGreedyNode gpu = new GpuGreedyNode();
            nodes.registry().register(gpu);
            NoodleRunner runner = new NoodleRunner(nodes);
            Workflow wf = DemoPipelineTest.txt2img(1, "a cat");
            Map<String, NodeInstance> n = new LinkedHashMap<>(wf.nodes());
            n.put("20", new NodeInstance("20", "TestGpuGreedy", new LinkedHashMap<>(Map.of("model",
                    new Link("4", 0))), NodeMode.NORMAL, Map.of()));
            wf = new Workflow(1, "gpu greedy", n, null, Map.of());

            RunResult failed = runner.run(wf, "gpu-oom", e -> {}, new CancellationToken());
            assertEquals(RunResult.Status.FAILED, failed.status(), failed.message());
            assertTrue(failed.outOfMemory(), "recognised as out of memory: " + failed.message());
            assertEquals("20", failed.failedNode());
            assertEquals(2, gpu.tries, "retried once");
            String m = failed.message();
            assertTrue(m.startsWith("node 20 (TestGpuGreedy) failed: out of memory (the GPU ran out of memory in UNet"
                    + " pass on (2, 4, 128, 128) even after the other models were moved to CPU memory"), m);
            assertTrue(m.contains("UNet of demo.safetensors (1.70 GB)") && m.contains("-Dnoodle.vram=low"), m);
            assertEquals(0, nodes.models().loadedCount(), "the run's checkpoint was unloaded, as on the CPU");

            RunResult ok = runner.run(DemoPipelineTest.txt2img(1, "a cat"), "after", e -> {},
                    new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, ok.status(), ok.message());
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
