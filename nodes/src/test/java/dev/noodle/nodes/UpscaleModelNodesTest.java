package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.upscale.CompactNet;
import dev.noodle.engine.upscale.RandomUpscalers;
import dev.noodle.engine.upscale.RandomUpscalers.Container;
import dev.noodle.engine.upscale.RrdbNet;
import dev.noodle.engine.upscale.UpscaleModels;
import dev.noodle.engine.upscale.UpscaleNet;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.RunCancelledException;
import dev.noodle.nodes.host.AddonFiles;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.image.UpscaleModelNodesAccess;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.UpscaleModelValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * UpscaleModelLoader and ImageUpscaleWithModel as a workflow runs them: the upscale equals the network's forward
 * clamped to [0, 1], loaded models are shared, hostile and foreign files fail the loader with the file named, and
 * the tiled loop reports progress per tile, honours cancellation and halves the tile on out-of-memory as ComfyUI.
 */
class UpscaleModelNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static Path folder;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        folder = Files.createDirectories(models.resolve("upscale_models"));
        RandomUpscalers.write(folder.resolve("RealESRGAN_x4plus.pth"),
                new RrdbNet.Config(RrdbNet.Layout.REAL_ESRGAN, 3, 3, 8, 4, 1, 2, 1), Container.PTH_PARAMS_EMA, 3);
        RandomUpscalers.write(folder.resolve("2x-compact.safetensors"), new CompactNet.Config(4, 1, 2),
                Container.SAFETENSORS, 4);
        Files.copy(Path.of(UpscaleModelNodesTest.class.getResource("/dev/noodle/engine/io/pickle/evil_eval.ckpt")
                .toURI()), folder.resolve("4x-evil.pth"));
        dev.noodle.engine.io.SafetensorsWriter w = new dev.noodle.engine.io.SafetensorsWriter();
        w.addF32("layers.0.residual_group.blocks.0.norm1.weight", new long[] {2}, new float[2]);
        w.write(folder.resolve("4x-swinir.safetensors"));
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("out")));
        Files.createDirectories(nodes.environment().inputDir());
        writePattern(nodes.environment().inputDir().resolve("small.png"), 40, 24);
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String json) {
        return run(nodes, executor, json);
    }

    /** Runs the nodes of {@code json} (the inside of a workflow's "nodes" object) on {@code executor}. */
    static RunResult run(NoodleNodes nodes, GraphExecutor executor, String json) {
        var wf = WorkflowJson.parse("{\"format\": 1, \"name\": \"t\", \"nodes\": {" + json + "}}", "test",
                nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
    }

    /** Writes a w×h RGB PNG of a fixed, uneven pattern to {@code png}. */
    static void writePattern(Path png, int w, int h) throws java.io.IOException {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 37 + y * 11) % 256) << 16 | ((x * 5 + y * 23) % 256) << 8 | ((x ^ y) * 9) % 256);
            }
        }
        javax.imageio.ImageIO.write(img, "png", png.toFile());
    }

    static String upscale(String file) {
        return node("1", "LoadImage", "image", "small.png") + ","
                + node("2", "UpscaleModelLoader", "model_name", file) + ","
                + node("3", "ImageUpscaleWithModel", "upscale_model", link("2", 0), "image", link("1", 0));
    }

    @Test
    void upscalesAsTheNetworkClampedToTheUnitRange() throws Exception {
        for (String file : List.of("RealESRGAN_x4plus.pth", "2x-compact.safetensors")) {
            RunResult r = run(upscale(file));
            assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
            ImageValue in = (ImageValue) r.outputs().get("1").value(0);
            ImageValue out = (ImageValue) r.outputs().get("3").value(0);
            UpscaleModelValue model = (UpscaleModelValue) r.outputs().get("2").value(0);
            int s = model.net().scale();
            assertArrayEquals(new long[] {1, 24L * s, 40L * s, 3}, out.pixels().shape(), file);
            float[] expected;
            try (UpscaleNet net = UpscaleModels.load(folder.resolve(file), Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray x = m.create(in.pixels().data(), new Shape(1, 24, 40, 3)).transpose(0, 3, 1, 2);
                expected = net.forward(x, m).clip(0f, 1f).transpose(0, 2, 3, 1).toFloatArray();
            }
            float[] got = out.pixels().data();
            boolean clamped = false;
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-5, file + " at " + i);
                clamped |= got[i] == 0f || got[i] == 1f;
            }
            assertTrue(clamped, file + ": random weights reach past [0, 1] somewhere, so the clamp is exercised");
        }
    }

    @Test
    void loadersOfOneFileShareOneModel() {
        AddonFiles files = nodes.services().get(AddonFiles.class);
        int before = files.fileReads();
        RunResult r = run(node("2", "UpscaleModelLoader", "model_name", "2x-compact.safetensors") + ","
                + node("5", "UpscaleModelLoader", "model_name", "2x-compact.safetensors"));
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        assertSame(((UpscaleModelValue) r.outputs().get("2").value(0)).net(),
                ((UpscaleModelValue) r.outputs().get("5").value(0)).net());
        assertTrue(files.fileReads() - before <= 1);
    }

    @Test
    void hostileAndForeignFilesFailTheLoaderNamingTheFile() {
        RunResult evil = run(upscale("4x-evil.pth"));
        assertEquals(RunResult.Status.FAILED, evil.status());
        String m = evil.message() + " " + evil.errors();
        assertTrue(m.contains("4x-evil.pth") && m.contains("forbidden global"), m);
        RunResult swin = run(upscale("4x-swinir.safetensors"));
        assertEquals(RunResult.Status.FAILED, swin.status());
        m = swin.message() + " " + swin.errors();
        assertTrue(m.contains("4x-swinir.safetensors") && m.contains("SwinIR"), m);
    }

    /** A context that records progress and messages; only what the tiled loop uses. */
    static final class Recording implements NodeContext {
        final CancellationToken token = new CancellationToken();
        final List<long[]> progress = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        int cancelAfter = Integer.MAX_VALUE;

        @Override public String nodeId() { return "3"; }
        @Override public String nodeType() { return "ImageUpscaleWithModel"; }
        @Override public NodeInputs inputs() { throw new UnsupportedOperationException(); }
        @Override public void progress(long value, long max) {
            progress.add(new long[] {value, max});
            if (progress.size() > cancelAfter) {
                token.cancel();
            }
        }
        @Override public void progress(long value, long max, Object preview) { progress(value, max); }
        @Override public void message(MessageLevel level, String text) { warnings.add(text); }
        @Override public CancellationToken cancellation() { return token; }
        @Override public <T> T service(Class<T> type) { throw new UnsupportedOperationException(); }
        @Override public String runId() { return "r"; }
        @Override public Workflow workflow() { throw new UnsupportedOperationException(); }
        @Override public Map<String, String> extraPngInfo() { return Map.of(); }
    }

    /** ×2 nearest, failing like PyTorch's CPU allocator on tiles wider than {@code limit}. */
    record Hungry(int limit) implements UpscaleNet {
        @Override public String architecture() { return "hungry"; }
        @Override public int scale() { return 2; }
        @Override public long sizeBytes() { return 0; }
        @Override public void close() {}
        @Override public NDArray forward(NDArray image, NDManager manager) {
            if (image.getShape().get(3) > limit) {
                throw new EngineException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: not enough"
                        + " memory: you tried to allocate 68719476736 bytes.");
            }
            NDArray y = dev.noodle.engine.runtime.TorchOps.upsampleNearest2x(image);
            y.attach(manager);
            return y;
        }
    }

    @Test
    void outOfMemoryHalvesTheTileDownTo128AsComfyUi() {
        int h = 300;
        int w = 600;
        float[] img = new float[h * w * 3];
        for (int i = 0; i < img.length; i++) {
            img[i] = (i % 255) / 255f;
        }
        Recording ctx = new Recording();
        float[] out = UpscaleModelNodesAccess.upscale(new Hungry(256), img, 1, h, w, Device.cpu(), ctx);
        assertEquals(1, ctx.warnings.size(), ctx.warnings.toString()); // 512-wide tiles fail, 256-wide fit
        assertTrue(ctx.warnings.get(0).contains("256-pixel tiles"), ctx.warnings.toString());
        assertEquals(4L * h * w * 3, out.length);
        for (int i = 0; i < 200; i++) { // nearest ×2 through tiles blends back to the pixel itself
            assertEquals(img[i % 3 + (i / 6) * 3], out[i], 1e-6, "pixel " + i);
        }
        long[] last = ctx.progress.get(ctx.progress.size() - 1);
        assertEquals(last[1], last[0]);
        // ⌈(300−32)/(256−32)⌉ = 2 rows × ⌈(600−32)/224⌉ = 3 columns at tile 256
        assertEquals(6, last[1]);

        Recording never = new Recording();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> UpscaleModelNodesAccess.upscale(new Hungry(64), img, 1, h, w, Device.cpu(), never));
        assertTrue(e.getMessage().contains("even with 128-pixel tiles"), e.getMessage());
    }

    @Test
    void aResultTheHeapCannotHoldIsRefusedBeforeAllocating() {
        // a 4096² result needs 16.7 M pixels × 12 bytes + one 4-byte weight plane: about 0.27 GB of heap
        dev.noodle.nodes.host.MemoryPreflight.checkUpscale("ImageUpscaleWithModel", 1, 4096, 4096);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.noodle.nodes.host.MemoryPreflight.checkUpscale("ImageUpscaleWithModel", 64, 16384, 16384));
        assertTrue(e.getMessage().contains("ImageUpscaleWithModel") && e.getMessage().contains("16384×16384"),
                e.getMessage());
    }

    @Test
    void cancellationStopsBetweenTiles() {
        float[] img = new float[300 * 1500 * 3];
        Recording ctx = new Recording();
        ctx.cancelAfter = 1; // cancelled while the first tile's progress is reported
        assertThrows(RunCancelledException.class,
                () -> UpscaleModelNodesAccess.upscale(new Hungry(10_000), img, 1, 300, 1500, Device.cpu(), ctx));
        assertEquals(2, ctx.progress.size()); // 0 of 4, 1 of 4, then the check before the second tile stops it
        assertEquals(4, ctx.progress.get(0)[1]);
    }
}
