package dev.noodle.nodes;

import ai.djl.engine.Engine;
import dev.noodle.engine.runtime.EngineStatus;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.nodes.host.MemoryBudget;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A separate JVM for {@link CudaLibtorchLoadTest} (DJL loads one libtorch per process): starts the engine as the
 * {@code -Dnoodle.*} properties say, prints which libtorch it loaded and how many GPUs it sees, and renders the demo
 * model's golden txt2img into {@code args[0]}/test_00001_.png.
 */
public final class CudaLibtorchProbe {
    private CudaLibtorchProbe() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(out.resolve("models"), out))) {
            if (nodes.engineProblem().isPresent()) {
                System.out.println("PROBLEM=" + nodes.engineProblem().get());
                System.exit(3);
            }
            System.out.println("LIBTORCH=" + ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
            System.out.println("GPUS=" + Engine.getEngine("PyTorch").getGpuCount());
            System.out.println("CUDA_FOLDER_USED=" + EngineStatus.findings().useCudaLibtorch());
            GraphExecutor executor = new GraphExecutor(nodes.registry(),
                    new ResultCache(MemoryBudget.resultCacheBytes()), nodes.services());
            RunResult r = executor.run(DemoPipelineTest.txt2img(42, "a glass bottle"),
                    new RunOptions(Set.of(), "probe"), e -> { }, new CancellationToken());
            System.out.println("STATUS=" + r.status());
            System.out.println("MESSAGE=" + r.message());
        }
        System.exit(0);
    }
}
