package dev.noodle.engine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The placement policy over a simulated GPU: residents are bookkeeping objects whose "GPU" is a device name, the
 * device's total memory is a number, and running out of memory is an injected engine exception with libtorch's
 * message. (The real weight moves are checked on the CPU by {@link WeightMovesTest}.)
 */
class ModelPlacementTest {
    private static final long GIB = VramBudget.GIB;
    private static final Device GPU = Device.gpu();
    private static final Device CPU = Device.cpu();

    /** A model on the simulated GPU: moves are recorded, nothing is allocated. */
    static class FakeModel implements Resident {
        final String name;
        final long bytes;
        final Device home;
        final List<String> log;
        Device device;
        boolean closed;
        boolean streams;

        FakeModel(String name, double gib, Device home, Device startsOn, List<String> log) {
            this.name = name;
            this.bytes = Math.round(gib * GIB);
            this.home = home;
            this.device = startsOn;
            this.log = log;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public Device home() {
            return home;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public void moveTo(Device to) {
            log.add(name + (to.isGpu() ? "→gpu" : "→cpu"));
            device = to;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public boolean streams() {
            return streams;
        }
    }

    private final List<String> log = new ArrayList<>();
    private final AtomicInteger emptied = new AtomicInteger();

    // total 4.8 GiB, no reserve: 4 GiB for models while a step needs at most the 0.8 GiB minimum
    private ModelPlacement placement(VramSettings.Mode mode) {
        return new ModelPlacement(new VramSettings(mode, 0), () -> Math.round(4.8 * GIB), CPU,
                emptied::incrementAndGet);
    }

    private FakeModel model(String name, double gib) {
        return new FakeModel(name, gib, GPU, CPU, log); // loaded, and waiting in CPU memory
    }

    private String step(ModelPlacement p, FakeModel... needed) {
        return p.run("step", List.of(needed), 0, () -> {
            for (FakeModel m : needed) {
                assertEquals(GPU, m.device, m.name + " is on the GPU while its step runs");
            }
            return "ran";
        });
    }

    @Test
    void aStepsModelsMoveInAndOthersStayWhileTheyFit() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel a = model("A", 2);
        FakeModel b = model("B", 1.5);
        assertEquals("ran", step(p, a));
        assertEquals("ran", step(p, b));
        assertEquals(List.of("A→gpu", "B→gpu"), log);
        assertEquals(GPU, a.device, "3.5 GiB fit in 4: A stays");
        assertEquals(Math.round(3.5 * GIB), p.bytesOnGpu());
        step(p, a);
        assertEquals(2, p.moveCount(), "a model already on the GPU does not move again");
    }

    @Test
    void theLeastRecentlyUsedModelMovesToCpuMemoryWhenTheBudgetWouldBeExceeded() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel a = model("A", 2);
        FakeModel b = model("B", 1.5);
        FakeModel c = model("C", 1.5);
        step(p, a);
        step(p, b);
        step(p, a); // A is now the most recently used
        step(p, c); // 2 + 1.5 + 1.5 > 4: one must go, and it is B
        assertEquals(List.of("A→gpu", "B→gpu", "B→cpu", "C→gpu"), log);
        assertEquals(CPU, b.device, "B was moved to CPU memory, not dropped");
        assertFalse(b.closed);
        step(p, b); // back in: now A is the least recently used
        assertEquals(List.of("A→gpu", "B→gpu", "B→cpu", "C→gpu", "A→cpu", "B→gpu"), log);
    }

    @Test
    void onlyAsManyModelsMoveOutAsTheStepNeeds() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel a = model("A", 1);
        FakeModel b = model("B", 1);
        FakeModel c = model("C", 1);
        FakeModel d = model("D", 1);
        FakeModel e = model("E", 2);
        for (FakeModel m : List.of(a, b, c, d)) {
            step(p, m);
        }
        step(p, e); // 4 + 2 > 4: the two least recently used (A, B) go, C and D stay
        assertEquals(List.of(CPU, CPU, GPU, GPU, GPU), List.of(a.device, b.device, c.device, d.device, e.device));
    }

    @Test
    void aModelTheStepNeedsIsNeverMovedOut() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = model("UNet", 2);
        FakeModel lora = model("LoRA patch", 0.5);
        FakeModel vae = model("VAE", 1);
        step(p, unet);
        step(p, vae);
        step(p, lora, unet); // 2 + 0.5 + 1 fits
        FakeModel clip = model("CLIP", 2);
        // a step running inside another may not take the outer step's models, even when it is then over budget
        p.run("outer", List.of(unet, lora), 0, () -> step(p, clip));
        assertEquals(GPU, unet.device);
        assertEquals(GPU, lora.device);
        assertEquals(CPU, vae.device, "the only model neither step needed moved out");
        assertEquals(GPU, clip.device);
        assertEquals(List.of("UNet→gpu", "VAE→gpu", "LoRA patch→gpu", "VAE→cpu", "CLIP→gpu"), log);
    }

    @Test
    void aModelBiggerThanTheBudgetFailsClearlyAndMovesNothing() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel small = model("VAE", 1);
        step(p, small);
        FakeModel big = model("UNet of sdxl.safetensors", 5);
        AtomicInteger ran = new AtomicInteger();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.run("UNet pass on (2, 4, 128, 128)", List.of(big), 0, ran::incrementAndGet));
        String m = e.getMessage();
        assertTrue(m.contains("UNet of sdxl.safetensors (5.37 GB)"), m);
        assertTrue(m.contains("only 4.29 GB of its 5.15 GB can hold models"), m);
        assertTrue(m.contains("-Dnoodle.vram=cpu"), m);
        assertTrue(m.contains("UNet pass on (2, 4, 128, 128)"), m);
        assertEquals(0, ran.get(), "the step did not run");
        assertEquals(List.of("VAE→gpu"), log, "nothing moved for a step that cannot fit");
    }

    @Test
    void aUNetTooBigForTheBudgetRunsFromCpuMemoryLayerByLayer() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel vae = model("VAE", 1);
        step(p, vae);
        FakeModel unet = new FakeModel("UNet of sdxl.safetensors", 5, GPU, GPU, log); // loaded onto the GPU
        unet.streams = true;
        FakeModel lora = model("LoRA patch", 0.5);
        lora.streams = true;
        String out = p.run("UNet pass", List.of(lora, unet), 0, () -> {
            assertEquals(CPU, unet.device, "the UNet computes from CPU memory");
            assertEquals(GPU, lora.device, "the small patch fits beside the rest, so it moves in");
            return "ran";
        });
        assertEquals("ran", out);
        assertEquals(GPU, vae.device, "nothing else had to make room");
        assertEquals(List.of("VAE→gpu", "UNet of sdxl.safetensors→cpu", "LoRA patch→gpu"), log);
        p.run("UNet pass", List.of(lora, unet), 0, () -> null);
        assertEquals(3, p.moveCount(), "the next pass moves nothing");

        ModelPlacement high = placement(VramSettings.Mode.HIGH);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> high.run("UNet pass", List.of(unet), 0, () -> null));
        assertTrue(e.getMessage().contains("UNet of sdxl.safetensors (5.37 GB)"), e.getMessage());
    }

    @Test
    void theReserveGrowsWithTheLatentSoBigImagesMoveModelsOut() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = model("UNet", 2.5);
        FakeModel vae = model("VAE", 1.2);
        step(p, vae);
        // 512² with CFG: 2 × 64 × 64 latent in fp16 is ComfyUI's 327.68 MiB, under the 0.8 GiB minimum: both fit
        long small = InferenceMemory.denoise(2, 64, 64, 2);
        assertEquals(Math.round(2 * 64 * 64 * 2 * 0.01 * 2.0 * 1024 * 1024), small);
        p.run("512²", List.of(unet), small, () -> null);
        assertEquals(GPU, vae.device);
        // 1024²: 2 × 128 × 128 needs 1310.72 MiB of working memory, so 4.8 − 1.28 = 3.52 GiB are left for weights
        long large = InferenceMemory.denoise(2, 128, 128, 2);
        assertEquals(Math.round(1310.72 * 1024 * 1024), large);
        p.run("1024²", List.of(unet), large, () -> null);
        assertEquals(CPU, vae.device, "the VAE made room for the larger image's working memory");
        assertEquals(GPU, unet.device);
    }

    @Test
    void lowModeKeepsOnlyTheCurrentStepsModelsOnTheGpu() {
        ModelPlacement p = placement(VramSettings.Mode.LOW);
        FakeModel a = model("A", 0.5);
        FakeModel b = model("B", 0.5);
        step(p, a);
        step(p, b);
        assertEquals(List.of("A→gpu", "A→cpu", "B→gpu"), log);
    }

    @Test
    void highModeNeverMovesModelsOutAndSaysSoWhenTheyDoNotFit() {
        ModelPlacement p = placement(VramSettings.Mode.HIGH);
        FakeModel a = model("A", 2);
        FakeModel b = model("B", 1.5);
        FakeModel c = model("C", 1.5);
        step(p, a);
        step(p, b);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> step(p, c));
        assertTrue(e.getMessage().contains("-Dnoodle.vram=normal"), e.getMessage());
        assertEquals(List.of("A→gpu", "B→gpu"), log);
    }

    @Test
    void modelsThatComputeOnTheCpuAreLeftAlone() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel cpu = new FakeModel("CPU UNet", 100, CPU, CPU, log);
        assertEquals("done", p.run("step", List.of(cpu), 0, () -> "done"));
        assertEquals(List.of(), log);
        assertEquals(0, p.bytesOnGpu());
        ModelPlacement off = placement(VramSettings.Mode.CPU);
        FakeModel gpu = model("A", 1);
        off.run("step", List.of(gpu), 0, () -> null);
        assertEquals(List.of(), log, "cpu mode moves nothing");
    }

    @Test
    void closedModelsStopCounting() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel a = model("A", 3);
        step(p, a);
        a.closed = true; // unloaded by its cache
        FakeModel b = model("B", 3);
        step(p, b);
        assertEquals(List.of("A→gpu", "B→gpu"), log, "a closed model is not moved, and its memory is free");
        assertEquals(3 * GIB, p.bytesOnGpu());
    }

    @Test
    void modelsLoadedOntoTheGpuCountAndMoveOutBeforeTheyFirstRun() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = new FakeModel("UNet", 2.5, GPU, GPU, log); // loaded straight onto the GPU
        FakeModel vae = new FakeModel("VAE", 0.5, GPU, GPU, log);
        p.track(List.of(unet, vae));
        assertEquals(3 * GIB, p.bytesOnGpu());
        FakeModel clip = model("CLIP", 1.5); // 3 + 1.5 > 4: the first loaded goes
        step(p, clip);
        assertEquals(List.of("UNet→cpu", "CLIP→gpu"), log);
    }

    @Test
    void aLoadThatRunsOutOfGpuMemoryMakesRoomAndRetriesOnce() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel idle = model("old UNet", 3);
        step(p, idle);
        AtomicInteger tries = new AtomicInteger();
        String loaded = p.loading("sd15.safetensors", () -> {
            if (tries.incrementAndGet() == 1) {
                throw cudaOom();
            }
            return "loaded";
        });
        assertEquals("loaded", loaded);
        assertEquals(CPU, idle.device);
        assertEquals(1, emptied.get());
        GpuOutOfMemory e = assertThrows(GpuOutOfMemory.class, () -> p.loading("sdxl.safetensors", () -> {
            throw cudaOom();
        }));
        assertTrue(e.getMessage().startsWith("the GPU ran out of memory loading sdxl.safetensors even after"),
                e.getMessage());
        assertTrue(e.getMessage().contains("-Dnoodle.vram=cpu"), e.getMessage());
        IllegalArgumentException bad = new IllegalArgumentException("not a checkpoint");
        assertSame(bad, assertThrows(IllegalArgumentException.class, () -> p.loading("x", () -> {
            throw bad;
        })));
    }

    private static EngineException cudaOom() {
        return new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB total capacity;"
                + " 5.10 GiB already allocated; 1.02 GiB free)");
    }

    @Test
    void runningOutOfGpuMemoryOnceOffloadsTheOthersEmptiesTheCacheAndRetries() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel vae = model("VAE", 1);
        FakeModel unet = model("UNet", 2);
        step(p, vae);
        AtomicInteger tries = new AtomicInteger();
        String out = p.run("UNet pass", List.of(unet), 0, () -> {
            if (tries.incrementAndGet() == 1) {
                throw cudaOom();
            }
            return "denoised";
        });
        assertEquals("denoised", out);
        assertEquals(2, tries.get());
        assertEquals(1, emptied.get(), "the CUDA cache was emptied before the retry");
        assertEquals(CPU, vae.device, "the model the step did not need moved to CPU memory");
        assertEquals(GPU, unet.device);
    }

    @Test
    void runningOutTwiceFailsWithWhatToTryAndTheEngineCause() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = model("UNet of sd15.safetensors", 1.6);
        AtomicInteger tries = new AtomicInteger();
        GpuOutOfMemory e = assertThrows(GpuOutOfMemory.class, () -> p.run("UNet pass on (2, 4, 64, 64)",
                List.of(unet), InferenceMemory.denoise(2, 64, 64, 2), () -> {
                    tries.incrementAndGet();
                    throw cudaOom();
                }));
        assertEquals(2, tries.get(), "one retry, no more");
        String m = e.getMessage();
        assertTrue(m.contains("UNet pass on (2, 4, 64, 64)"), m);
        assertTrue(m.contains("UNet of sd15.safetensors (1.72 GB)"), m);
        assertTrue(m.contains("0.34 GB of working memory"), m);
        assertTrue(m.contains("GPU of 5.15 GB"), m);
        assertTrue(m.contains("-Dnoodle.vram=low"), m);
        assertTrue(e.getCause() instanceof EngineException, "hosts that recognise the engine's OOM see the cause");
        assertTrue(GpuOutOfMemory.isCudaOutOfMemory(e));
        // the placement is usable afterwards: nothing stays pinned
        FakeModel other = model("other", 3.5);
        step(p, other);
        assertEquals(CPU, unet.device, "the failed step's model could move out for the next one");
    }

    @Test
    void runningOutWhileMovingAModelInIsRecoveredToo() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel idle = model("VAE", 1);
        step(p, idle);
        AtomicInteger moves = new AtomicInteger();
        FakeModel unet = new FakeModel("UNet", 2, GPU, CPU, log) {
            @Override
            public void moveTo(Device to) {
                if (to.isGpu() && moves.incrementAndGet() == 1) {
                    throw cudaOom(); // the copy onto the GPU fails; the weights stay in CPU memory
                }
                super.moveTo(to);
            }
        };
        assertEquals("ran", step(p, unet));
        assertEquals(List.of("VAE→gpu", "VAE→cpu", "UNet→gpu"), log);
        assertEquals(1, emptied.get());
    }

    @Test
    void aStepInsideAnotherThatFailsAfterItsRetryIsNotRetriedAgain() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = model("UNet", 1);
        FakeModel control = model("ControlNet", 0.5);
        AtomicInteger inner = new AtomicInteger();
        GpuOutOfMemory e = assertThrows(GpuOutOfMemory.class, () -> p.run("sampler step", List.of(unet), 0,
                () -> p.run("ControlNet pass", List.of(control), 0, () -> {
                    inner.incrementAndGet();
                    throw cudaOom();
                })));
        assertEquals(2, inner.get());
        assertTrue(e.getMessage().contains("ControlNet pass"), e.getMessage());
    }

    @Test
    void whenTheGpusMemoryCannotBeReadModelsStayPutAndRecoveryStillWorks() {
        ModelPlacement p = new ModelPlacement(VramSettings.defaults(), () -> {
            throw new IllegalStateException("cannot read the memory of gpu(0) from the CUDA runtime");
        }, CPU, emptied::incrementAndGet);
        FakeModel a = model("A", 50);
        FakeModel b = model("B", 50);
        step(p, a);
        step(p, b);
        assertEquals(List.of("A→gpu", "B→gpu"), log, "no budget, so no planned moves");
        AtomicInteger tries = new AtomicInteger();
        p.run("step", List.of(b), 0, () -> {
            if (tries.incrementAndGet() == 1) {
                throw cudaOom();
            }
            return null;
        });
        assertEquals(CPU, a.device, "the recovery still makes room");
        GpuOutOfMemory e = assertThrows(GpuOutOfMemory.class, () -> p.run("step", List.of(b), 0, () -> {
            throw cudaOom();
        }));
        assertTrue(e.getMessage().contains("on a GPU of unknown size"), e.getMessage());
    }

    @Test
    void otherFailuresAreNotRetried() {
        ModelPlacement p = placement(VramSettings.Mode.NORMAL);
        FakeModel unet = model("UNet", 1);
        AtomicInteger tries = new AtomicInteger();
        IllegalArgumentException bad = new IllegalArgumentException("context must be [2, T, 768]");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.run("step", List.of(unet), 0, () -> {
                    tries.incrementAndGet();
                    throw bad;
                }));
        assertSame(bad, e);
        assertEquals(1, tries.get());
        EngineException shape = new EngineException("The size of tensor a (4) must match the size of tensor b (8)");
        assertThrows(EngineException.class, () -> p.run("step", List.of(unet), 0, () -> {
            throw shape;
        }));
        assertEquals(0, emptied.get());
        assertFalse(GpuOutOfMemory.isCudaOutOfMemory(shape));
        assertFalse(GpuOutOfMemory.isCudaOutOfMemory(
                new EngineException("DefaultCPUAllocator: not enough memory: you tried to allocate 1 bytes")),
                "the CPU allocator's failure is the CPU path's to handle");
        assertTrue(GpuOutOfMemory.isCudaOutOfMemory(new RuntimeException("wrapped", cudaOom())));
    }

    @Test
    void theBudgetFollowsComfyUisReserveAndMinimum() {
        VramBudget b = VramBudget.of(8 * GIB, VramSettings.defaults());
        assertEquals(400L * 1024 * 1024, b.reserveBytes());
        long minimum = Math.round(0.8 * GIB);
        assertEquals(8 * GIB - minimum - 400L * 1024 * 1024, b.forModels(0));
        assertEquals(8 * GIB - 3 * GIB - 400L * 1024 * 1024, b.forModels(3 * GIB));
        VramBudget reserved = VramBudget.of(8 * GIB, new VramSettings(VramSettings.Mode.NORMAL, 2 * GIB));
        assertEquals(8 * GIB - minimum - 2 * GIB, reserved.forModels(0));
        assertEquals(0, VramBudget.of(GIB, VramSettings.defaults()).forModels(0), "never negative");
        // ComfyUI's VAE estimates: 2178·h·w·64 bytes per element to decode, 1767·H·W to encode
        assertEquals(2178L * 64 * 64 * 64 * 2, InferenceMemory.vaeDecode(64, 64, 2));
        assertEquals(1767L * 512 * 512 * 4, InferenceMemory.vaeEncode(512, 512, 4));
    }

    @Test
    void settingsComeFromTheProperties() {
        java.util.Properties p = new java.util.Properties();
        assertEquals(VramSettings.defaults(), VramSettings.fromProperties(p));
        p.setProperty("noodle.vram", " Low ");
        p.setProperty("noodle.reserve-vram", "1.5");
        assertEquals(new VramSettings(VramSettings.Mode.LOW, Math.round(1.5 * GIB)), VramSettings.fromProperties(p));
        p.setProperty("noodle.vram", "huge");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VramSettings.fromProperties(p));
        assertEquals("noodle.vram must be normal, low, high or cpu, got 'huge'", e.getMessage());
        p.setProperty("noodle.vram", "high");
        p.setProperty("noodle.reserve-vram", "-1");
        e = assertThrows(IllegalArgumentException.class, () -> VramSettings.fromProperties(p));
        assertEquals("noodle.reserve-vram must be a number of GB from 0 to 1024, got '-1'", e.getMessage());
        p.setProperty("noodle.reserve-vram", "lots");
        assertThrows(IllegalArgumentException.class, () -> VramSettings.fromProperties(p));
        p.setProperty("noodle.reserve-vram", "0");
        assertEquals(new VramSettings(VramSettings.Mode.HIGH, 0),
                dev.noodle.engine.runtime.EngineOptions.fromProperties(p).vram(), "EngineOptions carries them");
    }
}
