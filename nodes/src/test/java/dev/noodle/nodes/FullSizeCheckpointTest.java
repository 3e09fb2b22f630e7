package dev.noodle.nodes;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.CheckpointLoader;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The full-size random SD 1.5 checkpoint made by ../shared/tools/make_random_sd15.py (CI makes it; skipped where
 * it is absent): every UNet, text-encoder and VAE key binds with the right shape, and a 64×64, 4-step txt2img run
 * on it completes through the real nodes.
 */
class FullSizeCheckpointTest {
    static Path checkpoint() {
        Path p = Path.of(System.getProperty("noodle.benchModels", "bench-models"), "rnd-sd15.safetensors");
        assumeTrue(Files.isRegularFile(p), "no full-size checkpoint at " + p
                + " (make it with python3 ../shared/tools/make_random_sd15.py --out bench-models)");
        return p;
    }

    static Path vocabulary() {
        Path p = Path.of(System.getProperty("noodle.shared", "../shared"), "clip-tokenizer",
                "bpe_simple_vocab_16e6.txt.gz");
        assumeTrue(Files.isRegularFile(p), "needs the real CLIP vocabulary at " + p);
        return p;
    }

    @Test
    void everyKeyOfTheRealLayoutHasAParameterWithTheRightShape() {
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint())) {
            Map<String, long[]> expected = new TreeMap<>(UNetConfig.parameterShapes(UNetConfig.sd15()));
            ClipTextModel.parameterShapes(ClipConfig.vitL14())
                    .forEach((k, v) -> expected.put(ClipTextModel.SD1_PREFIX + k, v));
            AutoencoderKL.parameterShapes(VaeConfig.sd())
                    .forEach((k, v) -> expected.put(AutoencoderKL.CHECKPOINT_PREFIX + k, v));
            Set<String> modelKeys = new HashSet<>();
            for (String k : f.keys()) {
                if (k.startsWith("model.diffusion_model.") || k.startsWith(ClipTextModel.SD1_PREFIX)
                        || k.startsWith(AutoencoderKL.CHECKPOINT_PREFIX)) {
                    if (!k.endsWith("position_ids")) {
                        modelKeys.add(k);
                    }
                }
            }
            assertEquals(expected.keySet(), modelKeys, "keys of the file vs parameters of the engine");
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                assertEquals(java.util.Arrays.toString(e.getValue()), f.info(e.getKey()).shapeText(), e.getKey());
            }
        }
    }

    @Test
    void txt2imgRunsOnTheFullSizeCheckpoint(@TempDir Path dir) throws IOException {
        Path ckpt = checkpoint();
        Path models = dir.resolve("models");
        Files.createDirectories(models.resolve("checkpoints"));
        Files.createDirectories(models.resolve("tokenizers"));
        Files.createSymbolicLink(models.resolve("checkpoints/rnd-sd15.safetensors"), ckpt.toAbsolutePath());
        Files.copy(vocabulary(), models.resolve("tokenizers/bpe_simple_vocab_16e6.txt.gz"));
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("out")))) {
            Workflow wf = DemoPipelineTest.txt2img(7, "a photo of a cat");
            wf = wf.withNode(wf.node("4").withInput("ckpt_name", new Literal("rnd-sd15.safetensors")));
            wf = wf.withNode(wf.node("3").withInput("steps", new Literal(4L)));
            GraphExecutor ex = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()),
                    nodes.services());
            RunResult r = ex.run(wf, new RunOptions(Set.of(), "full"), e -> { }, new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
            BufferedImage img = ImageIO.read(dir.resolve("out/test_00001_.png").toFile());
            assertEquals(64, img.getWidth());
        }
    }

    @Test
    void aMismatchedKeySetNamesTheKeysAndShapes(@TempDir Path dir) throws IOException {
        // the demo checkpoint with one UNet weight given the wrong shape
        Path demo = dir.resolve("demo.safetensors");
        dev.noodle.engine.model.DemoCheckpoint.ensure(demo);
        Path broken = dir.resolve("broken.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(demo)) {
            dev.noodle.engine.io.SafetensorsWriter w = new dev.noodle.engine.io.SafetensorsWriter();
            f.metadata().forEach(w::metadata);
            for (String k : f.keys()) {
                long[] shape = f.info(k).shape();
                float[] v = f.loadFloats(k);
                if (k.equals("model.diffusion_model.out.2.weight")) {
                    shape = new long[] {4, 16, 3, 3};
                    v = new float[4 * 16 * 9];
                }
                if (!k.equals("model.diffusion_model.time_embed.0.bias")) {
                    w.addF32(k, shape, v);
                }
            }
            w.write(broken);
        }
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> CheckpointLoader.load(broken, dir, Devices.Target.cpu(), s -> { }));
        assertTrue(e.getMessage().contains("time_embed.0.bias"), e.getMessage());
        assertTrue(e.getMessage().contains("out.2.weight") && e.getMessage().contains("[4, 16, 3, 3]"), e.getMessage());
    }
}
