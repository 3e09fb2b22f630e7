package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.control.ControlLora;
import dev.noodle.engine.control.ControlLoraSource;
import dev.noodle.engine.control.ControlNetFiles;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ControlNetValue;
import dev.noodle.nodes.values.LatentValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control-LoRA through Load ControlNet Model and Apply ControlNet on the demo checkpoint: the loader only checks
 * the file, sampling makes the ControlNet from the checkpoint's UNet, and the step equals the one with the
 * ControlNet its weights make (written out as a plain file) — and differs from the step without it.
 */
class ControlLoraNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        Path input = nodes.environment().inputDir();
        Files.createDirectories(input);
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, (x * 31 + y * 5) % 256 << 16 | (x ^ y) * 3 % 256 << 8 | (y * 11) % 256);
            }
        }
        ImageIO.write(img, "png", input.resolve("edges.png").toFile());
        ImageIO.write(img, "png", input.resolve("init.png").toFile());
        Path controlDir = nodes.environment().models().folder(ModelKind.CONTROLNET);
        Files.createDirectories(controlDir);
        Path ckpt = nodes.environment().models().folder(ModelKind.CHECKPOINTS).resolve(DemoCheckpoint.FILE_NAME);
        DemoCheckpoint.ensure(ckpt);
        Path lora = ControlNetFiles.writeControlLora(controlDir.resolve("control-lora-canny-rank4.safetensors"),
                DemoCheckpoint.unetConfig(), 3, 4, 9);
        try (ModelFile base = ModelFiles.open(ckpt); ModelFile lf = ModelFiles.open(lora)) {
            TensorSource whole = ControlLoraSource.of(lf, base.withPrefix(UNetConfig.PREFIX));
            SafetensorsWriter w = new SafetensorsWriter();
            for (String k : whole.keys()) {
                w.addF32(k, whole.info(k).shape(), whole.loadFloats(k));
            }
            w.write(controlDir.resolve("control-from-lora.safetensors"));
        }
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String json) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    @Test
    void aControlLoraStepsAsTheControlNetItMakesFromTheModel() {
        RunResult lora = run(ControlNetLoaderTest.graph(
                ControlNetLoaderTest.loader("control-lora-canny-rank4.safetensors"), "0.8", 1));
        assertEquals(RunResult.Status.SUCCESS, lora.status(), lora.message() + " " + lora.errors());
        ControlNetValue cn = (ControlNetValue) lora.outputs().get("21").value(0);
        assertInstanceOf(ControlLora.class, cn.model());
        RunResult whole = run(ControlNetLoaderTest.graph(
                ControlNetLoaderTest.loader("control-from-lora.safetensors"), "0.8", 1));
        assertEquals(RunResult.Status.SUCCESS, whole.status(), whole.message() + " " + whole.errors());
        RunResult off = run(ControlNetLoaderTest.graph(
                ControlNetLoaderTest.loader("control-from-lora.safetensors"), "0.0", 1));
        float[] a = ((LatentValue) lora.outputs().get("3").value(0)).samples().data();
        float[] b = ((LatentValue) whole.outputs().get("3").value(0)).samples().data();
        float[] c = ((LatentValue) off.outputs().get("3").value(0)).samples().data();
        double scale = ControlNetLoaderTest.maxAbs(b);
        assertTrue(ControlNetLoaderTest.maxDiff(a, b) <= 1e-4 * scale, "lora vs whole: "
                + ControlNetLoaderTest.maxDiff(a, b) + " of " + scale);
        assertTrue(ControlNetLoaderTest.maxDiff(b, c) > 1e-3 * scale, "the control changes the step");
    }
}
