package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.LatentPreviews;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.loaders.TaesdFiles;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.vae.TaesdWriter;
import dev.noodle.engine.vae.TinyAutoencoder;
import dev.noodle.engine.vae.VaeConfig;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TAESD in the node graph: VAELoader lists {@code taesd} only when both halves are in models/vae_approx and decodes
 * and encodes with it through VAEDecode/VAEEncode; the sampler's live previews use the TAESD decoder of the model's
 * family when present and the latent → RGB factors otherwise, paced to a share of the sampling time.
 */
class TaesdNodesTest {
    @TempDir
    static Path tmp;

    static Path models;
    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        models = tmp.resolve("models");
        DemoAddons.ensure(models);
        Path approx = Files.createDirectories(models.resolve("vae_approx"));
        TaesdWriter.write(approx.resolve("taesd_encoder.safetensors"), TaesdWriter.Part.ENCODER, 1);
        TaesdWriter.write(approx.resolve("taesd_decoder.pth"), TaesdWriter.Part.DECODER, 2);
        TaesdWriter.write(approx.resolve("taesdxl_decoder.safetensors"), TaesdWriter.Part.DECODER, 3); // no encoder
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String body, List<RunEvent> events) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + body + "}}", "test",
                nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), events::add,
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    @Test
    void vaeLoaderListsTaesdOnlyWithBothHalves() {
        List<String> names = TaesdFiles.withTaesd(nodes.environment(), List.of("a.safetensors"));
        assertEquals(List.of("a.safetensors", "taesd"), names, "taesdxl has no encoder here");
        // the node's own combo: the vae folder's files (here the demo VAE) then taesd
        var combo = (dev.noodle.graph.spec.ComboInput) nodes.registry().find("VAELoader").orElseThrow().schema()
                .inputs().get(0);
        List<String> options = combo.options().get();
        assertEquals("taesd", options.get(options.size() - 1), options.toString());
        assertTrue(!options.contains("taesdxl"), options.toString());
    }

    @Test
    void vaeDecodeAndEncodeThroughTaesd() throws Exception {
        RunResult r = run("\"1\": {\"type\": \"VAELoader\", \"inputs\": {\"vae_name\": \"taesd\"}},"
                + " \"2\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 48,"
                + " \"batch_size\": 1}},"
                + " \"3\": {\"type\": \"VAEDecode\", \"inputs\": {\"samples\": [\"2\", 0], \"vae\": [\"1\", 0]}},"
                + " \"4\": {\"type\": \"VAEEncode\", \"inputs\": {\"pixels\": [\"3\", 0], \"vae\": [\"1\", 0]}}",
                new ArrayList<>());
        ImageValue img = (ImageValue) r.outputs().get("3").value(0);
        LatentValue lat = (LatentValue) r.outputs().get("4").value(0);
        assertArrayEquals(new long[] {1, 48, 64, 3}, img.pixels().shape());
        assertArrayEquals(new long[] {1, 4, 6, 8}, lat.samples().shape());
        Path approx = models.resolve("vae_approx");
        try (ModelFile ef = ModelFiles.open(approx.resolve("taesd_encoder.safetensors"));
                ModelFile df = ModelFiles.open(approx.resolve("taesd_decoder.pth"));
                NDManager m = NDManager.newBaseManager(Device.cpu());
                TinyAutoencoder t = TinyAutoencoder.load(ef, df, VaeConfig.SD_SCALE, "taesd", m,
                        EngineOptions.defaults().withDevice(EngineOptions.DeviceChoice.CPU))) {
            NDArray expected = t.decode(m.zeros(new Shape(1, 4, 6, 8))); // [1, 3, 48, 64]
            assertClose(expected.transpose(0, 2, 3, 1).toFloatArray(), img.pixels().data(), 1e-5, "decoded");
            NDArray enc = t.encode(expected);
            assertClose(enc.toFloatArray(), lat.samples().data(), 1e-3, "encoded");
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * Math.max(1, Math.abs(expected[i])),
                    what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    static String sampler(int steps) {
        return "\"4\": {\"type\": \"CheckpointLoaderSimple\", \"inputs\": {\"ckpt_name\": \""
                + dev.noodle.engine.model.DemoCheckpoint.FILE_NAME + "\"}},"
                + " \"5\": {\"type\": \"EmptyLatentImage\", \"inputs\": {\"width\": 64, \"height\": 64,"
                + " \"batch_size\": 1}},"
                + " \"6\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a cat\", \"clip\": [\"4\", 1]}},"
                + " \"7\": {\"type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"\", \"clip\": [\"4\", 1]}},"
                + " \"3\": {\"type\": \"KSampler\", \"inputs\": {\"seed\": " + System.nanoTime() % 1000 + ", \"steps\": "
                + steps + ", \"cfg\": 5.0, \"sampler_name\": \"euler\", \"scheduler\": \"normal\", \"positive\":"
                + " [\"6\", 0], \"negative\": [\"7\", 0], \"latent_image\": [\"5\", 0], \"denoise\": 1.0,"
                + " \"model\": [\"4\", 0]}}";
    }

    /** The previews the sampler node reported. */
    static List<BufferedImage> previews(List<RunEvent> events) {
        List<BufferedImage> out = new ArrayList<>();
        for (RunEvent e : events) {
            if (e instanceof RunEvent.NodeProgress p && p.nodeId().equals("3") && p.preview() != null) {
                out.add((BufferedImage) p.preview());
            }
        }
        return out;
    }

    @Test
    void samplerPreviewsWithTaesdWhenItsDecoderIsThere() {
        try {
            for (LatentPreviews.Method m : List.of(LatentPreviews.Method.AUTO, LatentPreviews.Method.TAESD)) {
                nodes.previews().setMethod(m);
                List<RunEvent> events = new ArrayList<>();
                run(sampler(3), events);
                List<BufferedImage> shown = previews(events);
                assertTrue(!shown.isEmpty(), m + ": the last step always previews");
                BufferedImage last = shown.get(shown.size() - 1);
                assertEquals(64, last.getWidth(), m + ": TAESD previews at pixel size");
                assertEquals(64, last.getHeight(), m.toString());
            }
            nodes.previews().setMethod(LatentPreviews.Method.LATENT2RGB);
            List<RunEvent> events = new ArrayList<>();
            run(sampler(3), events);
            List<BufferedImage> shown = previews(events);
            assertEquals(3, shown.size(), "the factors are cheap: every step");
            assertEquals(8, shown.get(0).getWidth(), "latent → RGB previews one pixel per latent cell");
            nodes.previews().setMethod(LatentPreviews.Method.NONE);
            events.clear();
            run(sampler(2), events);
            assertTrue(previews(events).isEmpty());
        } finally {
            nodes.previews().setMethod(LatentPreviews.Method.AUTO);
        }
    }

    @Test
    void cancellingDuringTaesdPreviewsStopsTheSampler() {
        nodes.previews().setMethod(LatentPreviews.Method.TAESD);
        try {
            var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + sampler(6) + "}}", "test",
                    nodes.registry());
            CancellationToken token = new CancellationToken();
            List<RunEvent> events = new ArrayList<>();
            RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> {
                events.add(e);
                if (e instanceof RunEvent.NodeProgress p && p.nodeId().equals("3") && p.value() == 1) {
                    token.cancel(); // after the first step (and its preview)
                }
            }, token);
            assertEquals(RunResult.Status.CANCELLED, r.status(), r.message());
            long steps = events.stream().filter(e -> e instanceof RunEvent.NodeProgress p && p.nodeId().equals("3"))
                    .count();
            assertTrue(steps < 6, "stopped after " + steps + " steps");
        } finally {
            nodes.previews().setMethod(LatentPreviews.Method.AUTO);
        }
    }

    @Test
    void withoutTheFamilysDecoderPreviewsFallBackToTheFactors() {
        LatentPreviews p = new LatentPreviews(nodes.environment(), nodes.services().get(
                dev.noodle.nodes.host.AddonFiles.class), LatentPreviews.Method.TAESD);
        List<String> warnings = new ArrayList<>();
        assertEquals("taesd", p.previewer(false, warnings::add).orElseThrow().name());
        assertTrue(warnings.isEmpty());
        // the SDXL decoder is there too, but an SD decoder file that is missing falls back with a warning
        LatentPreviews empty = new LatentPreviews(NodeEnvironment.of(tmp.resolve("none"), tmp.resolve("out2")),
                nodes.services().get(dev.noodle.nodes.host.AddonFiles.class), LatentPreviews.Method.TAESD);
        assertEquals("latent2rgb", empty.previewer(false, warnings::add).orElseThrow().name());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("taesd_decoder"), warnings.get(0));
        LatentPreviews auto = new LatentPreviews(NodeEnvironment.of(tmp.resolve("none"), tmp.resolve("out2")),
                null, LatentPreviews.Method.AUTO);
        assertEquals("latent2rgb", auto.previewer(true, warnings::add).orElseThrow().name());
        assertEquals(1, warnings.size(), "auto falls back silently");
        assertEquals("taesd", p.previewer(true, warnings::add).orElseThrow().name(), "taesdxl_decoder for SDXL");
    }

    @Test
    void theDecoderIsLoadedOnceAndShared() {
        var addons = nodes.services().get(dev.noodle.nodes.host.AddonFiles.class);
        Path dec = models.resolve("vae_approx/taesd_decoder.pth");
        TinyAutoencoder a = addons.previewDecoder(TinyAutoencoder.Variant.TAESD, dec);
        int reads = addons.fileReads();
        assertTrue(a == addons.previewDecoder(TinyAutoencoder.Variant.TAESD, dec));
        assertEquals(reads, addons.fileReads());
    }

    /** A fake clock: the previewer costs 10 units, each step {@code step} units. */
    static int previewsWith(long step, int total) {
        AtomicLong now = new AtomicLong();
        LatentPreviews.Previewer costly = new LatentPreviews.Previewer() {
            @Override
            public BufferedImage preview(NDArray denoised) {
                now.addAndGet(10);
                return new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
            }

            @Override
            public String name() {
                return "fake";
            }
        };
        LatentPreviews.Pacer pacer = new LatentPreviews.Pacer(costly, now::get);
        int shown = 0;
        for (int i = 0; i < total; i++) {
            now.addAndGet(step);
            if (pacer.at(i, total, null, false) != null) {
                shown++;
            }
        }
        assertEquals(shown, pacer.shown());
        // a preview starts only while within the budget, so at most that one and the forced last one go over it
        assertTrue(pacer.spentNanos() <= LatentPreviews.BUDGET * now.get() + 2 * 10,
                "spent " + pacer.spentNanos() + " of " + now.get());
        return shown;
    }

    @Test
    void previewsTakeAtMostTheirShareOfTheTime() {
        assertEquals(20, previewsWith(200, 20), "a step 20× the preview: every step");
        int fast = previewsWith(10, 20);
        assertTrue(fast >= 2 && fast <= 4, "a step as cheap as the preview: about one in ten, got " + fast);
        assertNull(new LatentPreviews.Pacer(null).at(0, 1, null, false));
        AtomicLong t = new AtomicLong();
        LatentPreviews.Pacer cancelled = new LatentPreviews.Pacer(
                LatentPreviews.taesd(null), t::get);
        assertNull(cancelled.at(0, 1, null, true), "no preview once cancelled");
        assertEquals(LatentPreviews.Method.TAESD, LatentPreviews.Method.parse("TAESD"));
        assertEquals(LatentPreviews.Method.LATENT2RGB, LatentPreviews.Method.parse("latent2rgb"));
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LatentPreviews.Method.parse("fast"));
        assertTrue(bad.getMessage().contains("auto, latent2rgb, taesd or none"), bad.getMessage());
    }
}
