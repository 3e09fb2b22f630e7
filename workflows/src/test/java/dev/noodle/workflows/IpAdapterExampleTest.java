package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.ipadapter.IpAdapterFiles;
import dev.noodle.engine.ipadapter.IpAdapterLayout;
import dev.noodle.engine.ipadapter.IpAdapterModel;
import dev.noodle.engine.ipadapter.IpAdapterPatch;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.engine.text.ClipConfig;
import dev.noodle.engine.unet.CrossAttentionSites;
import dev.noodle.engine.vision.ClipVisionConfig;
import dev.noodle.engine.vision.ClipVisionLayout;
import dev.noodle.engine.vision.ClipVisionWriter;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IP-Adapter pack's own example workflow (ipadapter_simple.json: IPAdapterUnifiedLoader with the PLUS preset
 * and IPAdapter on an SD 1.5 checkpoint) opens unchanged and runs at a small size on tiny random-weight models saved
 * under the names it uses: the demo checkpoint as sd15/realisticVisionV51_v51VAE.safetensors, a tiny ViT-H-layout
 * CLIP image tower as CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors and a Resampler IP-Adapter for the demo UNet as
 * ip-adapter-plus_sd15.safetensors.
 */
class IpAdapterExampleTest {
    @TempDir
    Path tmp;

    @Test
    void packExamplesRun() throws Exception {
        Path models = tmp.resolve("models");
        NodeEnvironment env = NodeEnvironment.of(models, tmp.resolve("output"));
        DemoAddons.ensure(models);
        Path sd15 = models.resolve("checkpoints").resolve("sd15");
        Files.createDirectories(sd15);
        Files.copy(models.resolve("checkpoints").resolve(DemoCheckpoint.FILE_NAME),
                sd15.resolve("realisticVisionV51_v51VAE.safetensors"));
        ClipVisionConfig tower = new ClipVisionConfig(32, 2, 4, 64, 4, 16, 24, ClipConfig.Activation.GELU, 1e-5f);
        Path cv = models.resolve("clip_vision");
        Files.createDirectories(cv);
        ClipVisionWriter.write(cv.resolve("CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors"), ClipVisionLayout.HF, tower,
                3);
        int[] widths = IpAdapterPatch.fileOrder(DemoCheckpoint.unetConfig()).stream()
                .mapToInt(CrossAttentionSites.Site::channels).toArray();
        Path ipa = models.resolve("ipadapter");
        Files.createDirectories(ipa);
        IpAdapterFiles.writeSafetensors(ipa.resolve("ip-adapter-plus_sd15.safetensors"),
                new IpAdapterLayout(IpAdapterModel.Projection.RESAMPLER, tower.width(),
                        DemoCheckpoint.unetConfig().contextDim(), 16, 32, 2, 64, 128, widths), 4);
        Files.createDirectories(env.inputDir());
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(48, 64,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, ((x * 5) << 16) | ((y * 4) << 8) | ((x ^ y) & 0xff));
            }
        }
        javax.imageio.ImageIO.write(img, "png", env.inputDir().resolve("warrior_woman.png").toFile());
        try (NoodleNodes nodes = NoodleNodes.create(env)) {
            // ipadapter_simple: IPAdapterUnifiedLoader + IPAdapter; ipadapter_advanced: IPAdapterModelLoader,
            // CLIPVisionLoader, PrepImageForClipVision (LANCZOS, top, sharpening 0.15) and IPAdapterAdvanced
            for (String name : java.util.List.of("ipadapter_simple", "ipadapter_advanced")) {
                Path file = Path.of(IpAdapterExampleTest.class.getResource("/ipadapter_examples/" + name + ".json")
                        .toURI());
                Workflow wf = ExampleWorkflowsTest.shrink(ExampleWorkflowsTest.withNewerWidgetDefaults(
                        WorkflowJson.read(file, nodes.registry()), nodes.registry()), nodes.registry());
                assertEquals(java.util.List.of(), new Validator(nodes.registry()).validate(wf), name);
                GraphExecutor executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30),
                        nodes.services());
                Path out = tmp.resolve("output");
                long before = saved(out);
                RunResult r = executor.run(wf, new RunOptions(Set.of(), name), RunListener.none(),
                        new CancellationToken());
                assertEquals(RunResult.Status.SUCCESS, r.status(), name + ": " + r.message() + " " + r.errors());
                assertTrue(saved(out) > before, name + ": SaveImage wrote the picture");
            }
        }
    }

    private static long saved(Path out) throws java.io.IOException {
        if (!Files.isDirectory(out)) {
            return 0;
        }
        try (var files = Files.list(out)) {
            return files.filter(p -> p.getFileName().toString().startsWith("IPAdapter")).count();
        }
    }
}
