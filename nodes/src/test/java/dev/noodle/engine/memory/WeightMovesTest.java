package dev.noodle.engine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.MapTensorSource;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.text.ClipOutput;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vae.VaeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Real weight moves on the CPU: a CPU-to-CPU move takes the same path as a GPU-to-CPU one (copy every array into a
 * fresh manager, free the old ones), so outputs that stay identical and a live-array count that returns to where
 * it started show that models read their weights only through their stores and that moves leak nothing.
 */
class WeightMovesTest {
    private static Path resource(String name) throws Exception {
        return Path.of(WeightMovesTest.class.getResource(name).toURI());
    }

    /** NDArrays alive under DJL's system manager (the soak command's count). */
    private static long liveArrays() {
        try (NDManager probe = NDManager.newBaseManager()) {
            return ((BaseNDManager) probe.getParentManager()).getManagedArrays().stream()
                    .filter(a -> !a.isReleased()).count();
        }
    }

    private static float[] eps(UNetModel model, SafetensorsFile io) {
        try (NDManager m = NDManager.newBaseManager()) {
            return model.forward(io.load("x", m, DataType.FLOAT32), io.load("timesteps", m, DataType.FLOAT32),
                    io.load("context", m, DataType.FLOAT32)).toFloatArray();
        }
    }

    @Test
    void aUNetMovedOutAndBackGivesTheSameNoiseAndLeavesNothingBehind() throws Exception {
        try (SafetensorsFile weights = SafetensorsFile.open(resource("/unet/tiny_unet.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(resource("/unet/tiny_unet_io.safetensors"))) {
            try (UNetModel warm = UNetModel.load(weights, Devices.Target.cpu())) {
                eps(warm, io); // loads the kernels module once for the process
            }
            long before = liveArrays();
            UNetModel model = UNetModel.load(weights, Devices.Target.cpu());
            float[] first = eps(model, io);
            float[] reference = io.loadFloats("eps"); // the independent torch reference
            for (int i = 0; i < first.length; i++) {
                assertEquals(reference[i], first[i], 1e-4, "the model is right before any move");
            }
            WeightStore store = model.weights().stores().get(0);
            NDArray old = model.weights().get("out.2.weight");
            long loaded = liveArrays();
            store.moveTo(Device.cpu()); // out
            assertTrue(old.isReleased(), "the old copy was freed");
            assertNotSame(old, model.weights().get("out.2.weight"));
            assertEquals(loaded, liveArrays(), "a move replaces arrays, it adds none");
            store.moveTo(Device.cpu()); // and back
            assertArrayEquals(first, eps(model, io), "identical noise after the round trip");

            // a LoRA-style patched copy shares the moved weights and keeps its own replacement
            NDManager patchOwner = NDManager.newBaseManager();
            NDArray bias = model.weights().get("out.2.bias").add(0.25f);
            bias.attach(patchOwner);
            UNetModel patched = model.withWeights(model.weights().patched(Map.of("out.2.bias", bias), patchOwner));
            assertEquals(2, patched.weights().stores().size());
            float[] shifted = eps(patched, io);
            for (int i = 0; i < first.length; i++) {
                assertEquals(first[i] + 0.25f, shifted[i], 1e-3, "the replacement bias is used");
            }
            for (WeightStore s : patched.weights().stores()) {
                s.moveTo(Device.cpu());
                s.moveTo(Device.cpu());
            }
            assertTrue(bias.isReleased(), "the patch's own array moved too");
            assertArrayEquals(shifted, eps(patched, io), "the patched copy reads the moved arrays");
            assertArrayEquals(first, eps(model, io), "so does the model it patches");
            patched.close(); // its replacements only
            assertArrayEquals(first, eps(model, io));
            model.close();
            assertEquals(before, liveArrays(), "nothing left alive after moves and close");
            assertThrows(IllegalStateException.class, () -> store.moveTo(Device.cpu()), "a closed store stays closed");
        }
    }

    @Test
    void aTextEncoderAndItsPatchedCopyMoveWithIdenticalEncodings() throws Exception {
        try (SafetensorsFile file = SafetensorsFile.open(resource("/dev/noodle/engine/text/tiny_clip.safetensors"));
                SafetensorsFile expected = SafetensorsFile.open(
                        resource("/dev/noodle/engine/text/tiny_clip_expected.safetensors"))) {
            float[] idf = expected.loadFloats("ids.a");
            int[] ids = new int[idf.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (int) idf[i];
            }
            TensorSource src = file.withPrefix(ClipTextModel.SD1_PREFIX);
            try (ClipTextModel warm = ClipTextModel.load(src)) {
                encode(warm, ids);
            }
            long before = liveArrays();
            ClipTextModel clip = ClipTextModel.load(src);
            float[][] first = encode(clip, ids);
            NDArray old = clip.parameter("final_layer_norm.weight");
            clip.stores().get(0).moveTo(Device.cpu());
            assertTrue(old.isReleased());
            float[][] moved = encode(clip, ids);
            assertArrayEquals(first[0], moved[0]);
            assertArrayEquals(first[1], moved[1]);

            NDManager patchOwner = NDManager.newBaseManager();
            NDArray w = clip.parameter("final_layer_norm.weight").mul(2f);
            w.attach(patchOwner);
            ClipTextModel patched = clip.withParameters(Map.of("final_layer_norm.weight", w), patchOwner);
            float[][] patchedFirst = encode(patched, ids);
            for (WeightStore s : patched.stores()) {
                s.moveTo(Device.cpu());
            }
            float[][] patchedMoved = encode(patched, ids);
            assertArrayEquals(patchedFirst[0], patchedMoved[0]);
            assertArrayEquals(patchedFirst[1], patchedMoved[1]);
            patched.close();
            assertArrayEquals(first[0], encode(clip, ids)[0]);
            clip.close();
            assertEquals(before, liveArrays());
        }
    }

    private static float[][] encode(ClipTextModel clip, int[] ids) {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipOutput out = clip.encode(m, new int[][] {ids}, -1, true);
            return new float[][] {out.hidden().toFloatArray(), out.pooled().toFloatArray()};
        }
    }

    @Test
    void aVaeMovesWithIdenticalImages() throws Exception {
        try (SafetensorsFile fixture = SafetensorsFile.open(
                resource("/dev/noodle/engine/vae/tiny_vae.safetensors"))) {
            Map<String, MapTensorSource.Entry> entries = new LinkedHashMap<>();
            for (String k : fixture.keys()) {
                if (!k.startsWith("test.")) {
                    entries.put(k, new MapTensorSource.Entry(fixture.info(k).shape(), fixture.loadFloats(k)));
                }
            }
            TensorSource weights = new MapTensorSource(entries, "tiny_vae");
            try (NDManager parent = NDManager.newBaseManager();
                    AutoencoderKL warm = AutoencoderKL.load(weights, VaeConfig.SD_SCALE, parent,
                            EngineOptions.defaults())) {
                decode(warm, fixture);
            }
            long before = liveArrays();
            try (NDManager parent = NDManager.newBaseManager()) {
                AutoencoderKL vae = AutoencoderKL.load(weights, VaeConfig.SD_SCALE, parent,
                        EngineOptions.defaults());
                float[] first = decode(vae, fixture);
                vae.store().moveTo(Device.cpu());
                vae.store().moveTo(Device.cpu());
                assertArrayEquals(first, decode(vae, fixture));
                vae.close();
            }
            assertEquals(before, liveArrays());
        }
    }

    private static float[] decode(AutoencoderKL vae, SafetensorsFile fixture) {
        try (NDManager m = NDManager.newBaseManager()) {
            return vae.decode(fixture.load("test.latent", m, DataType.FLOAT32)).toFloatArray();
        }
    }

    private static EngineException cudaOom() {
        return new EngineException("CUDA out of memory. Tried to allocate 512.00 MiB (GPU 0; 7.79 GiB total"
                + " capacity)");
    }

    @Test
    void aStepThatRunsOutOfGpuMemoryLeavesNoArraysBehindWhetherTheRetryWorksOrNot() {
        List<String> log = new ArrayList<>();
        ModelPlacementTest.FakeModel unet = new ModelPlacementTest.FakeModel("UNet", 1, Device.gpu(), Device.cpu(),
                log);
        ModelPlacementTest.FakeModel idle = new ModelPlacementTest.FakeModel("VAE", 1, Device.gpu(), Device.cpu(),
                log);
        AtomicInteger emptied = new AtomicInteger();
        ModelPlacement p = new ModelPlacement(VramSettings.defaults(), () -> 8 * VramBudget.GIB, Device.cpu(),
                emptied::incrementAndGet);
        p.run("VAE decode", List.of(idle), 0, () -> null);
        try (NDManager caller = NDManager.newBaseManager()) {
            caller.zeros(new Shape(1)); // the caller's own array, alive throughout
            long before = liveArrays();
            AtomicInteger tries = new AtomicInteger();
            // each try works in its own scope, as the engine's passes do; the first runs out of memory
            NDArray out = p.run("UNet pass", List.of(unet), 0, () -> {
                try (NDManager attempt = caller.newSubManager()) {
                    NDArray h = attempt.ones(new Shape(4, 64, 64)).mul(2f);
                    if (tries.incrementAndGet() == 1) {
                        throw cudaOom();
                    }
                    NDArray result = h.sum();
                    result.attach(caller);
                    return result;
                }
            });
            assertEquals(2 * 4 * 64 * 64, out.getFloat(), 0f);
            assertEquals(List.of("VAE→gpu", "UNet→gpu", "VAE→cpu"), log, "the idle model made room for the retry");
            assertEquals(1, emptied.get());
            assertEquals(before + 1, liveArrays(), "only the result is left");
            out.close();

            GpuOutOfMemory e = assertThrows(GpuOutOfMemory.class, () -> p.run("UNet pass", List.of(unet), 0, () -> {
                try (NDManager attempt = caller.newSubManager()) {
                    attempt.ones(new Shape(4, 64, 64));
                    throw cudaOom();
                }
            }));
            assertTrue(e.getMessage().startsWith("the GPU ran out of memory in UNet pass even after"), e.getMessage());
            assertEquals(before, liveArrays(), "nothing leaked by the two failed tries");
            assertEquals("ran", p.run("UNet pass", List.of(unet), 0, () -> "ran"), "the placement is still usable");
        }
    }
}
