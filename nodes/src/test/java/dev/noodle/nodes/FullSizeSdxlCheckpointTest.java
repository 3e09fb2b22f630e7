package dev.noodle.nodes;

import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.text.ClipTextModel;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The full-size random SDXL and SD 2.x checkpoints made by {@code tools/make_random_sdxl.py --out
 * bench-models/rnd-sdxl --fp16} (skipped where absent): every UNet, text-encoder and VAE key of the real layout has
 * an engine parameter of the same shape, and a 128×128, 4-step txt2img run completes through the real nodes.
 */
class FullSizeSdxlCheckpointTest {
    static Path checkpoint(String name) {
        Path p = Path.of(System.getProperty("noodle.benchModels", "bench-models"), "rnd-sdxl", name);
        assumeTrue(Files.isRegularFile(p), "no full-size checkpoint at " + p
                + " (make it with /usr/bin/python3 tools/make_random_sdxl.py --out bench-models/rnd-sdxl --fp16)");
        return p;
    }

    private static Map<String, long[]> expected(boolean sd2) {
        Map<String, long[]> m = new TreeMap<>(UNetConfig.parameterShapes(sd2 ? UNetConfig.sd2() : UNetConfig.sdxl()));
        if (sd2) {
            TinyCheckpoints.openClipShapes(ClipConfig.vitH14()).forEach((k, v) -> m.put(ClipTextModel.SD2_PREFIX + k, v));
        } else {
            ClipTextModel.parameterShapes(ClipConfig.vitL14())
                    .forEach((k, v) -> m.put(ClipTextModel.SDXL_CLIP_L_PREFIX + k, v));
            TinyCheckpoints.openClipShapes(ClipConfig.vitBigG14())
                    .forEach((k, v) -> m.put(ClipTextModel.SDXL_CLIP_G_PREFIX + k, v));
        }
        AutoencoderKL.parameterShapes(VaeConfig.sd()).forEach((k, v) -> m.put(AutoencoderKL.CHECKPOINT_PREFIX + k, v));
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnd-sdxl.safetensors", "rnd-sd2.safetensors", "rnd-sd2-v.safetensors"})
    void everyKeyOfTheRealLayoutHasAParameterWithTheRightShape(String name) {
        boolean sd2 = name.contains("sd2");
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint(name))) {
            Map<String, long[]> expected = expected(sd2);
            Set<String> modelKeys = new TreeSet<>();
            for (String k : f.keys()) {
                boolean part = k.startsWith(UNetConfig.PREFIX) || k.startsWith(AutoencoderKL.CHECKPOINT_PREFIX)
                        || k.startsWith(sd2 ? ClipTextModel.SD2_PREFIX : "conditioner.embedders.");
                if (part && !k.endsWith("position_ids")) {
                    modelKeys.add(k);
                }
            }
            assertEquals(expected.keySet(), modelKeys, "keys of the file vs parameters of the engine");
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                assertEquals(Arrays.toString(e.getValue()), f.info(e.getKey()).shapeText(), e.getKey());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnd-sdxl.safetensors", "rnd-sd2.safetensors", "rnd-sd2-v.safetensors"})
    void txt2img128RunsOnTheFullSizeCheckpoint(String name, @TempDir Path dir) throws Exception {
        Path ckpt = checkpoint(name);
        Path models = dir.resolve("models");
        Files.createDirectories(models.resolve("checkpoints"));
        Files.createDirectories(models.resolve("tokenizers"));
        Files.createSymbolicLink(models.resolve("checkpoints/" + name), ckpt.toAbsolutePath());
        Files.copy(FullSizeCheckpointTest.vocabulary(), models.resolve("tokenizers/bpe_simple_vocab_16e6.txt.gz"));
        try (NoodleNodes nodes = NoodleNodes.create(NodeEnvironment.of(models, dir.resolve("out")))) {
            Workflow wf = DemoPipelineTest.txt2img(7, "a photo of a cat");
            wf = wf.withNode(wf.node("4").withInput("ckpt_name", new Literal(name)));
            wf = wf.withNode(wf.node("3").withInput("steps", new Literal(4L)));
            wf = wf.withNode(wf.node("5").withInput("width", new Literal(128L)).withInput("height", new Literal(128L)));
            GraphExecutor ex = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()),
                    nodes.services());
            long t0 = System.nanoTime();
            RunResult r = ex.run(wf, new RunOptions(Set.of(), "full"), e -> { }, new CancellationToken());
            assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
            System.out.printf("%s: 128x128 4-step txt2img in %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
            BufferedImage img = ImageIO.read(dir.resolve("out/test_00001_.png").toFile());
            assertEquals(128, img.getWidth());
        }
    }
}
