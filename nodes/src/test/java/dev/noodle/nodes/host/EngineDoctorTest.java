package dev.noodle.nodes.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.noodle.engine.runtime.CudaLibtorch;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.EngineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./noodle doctor} on this machine, its parsing of nvidia-smi, and the installer's choice of libraries. */
class EngineDoctorTest {
    @TempDir
    Path dir;

    @Test
    void withoutADriverTheDoctorSaysCpuAndWhy() {
        assumeTrue(CudaLibtorch.installedDriver().isEmpty(), "this machine has an NVIDIA driver");
        assumeTrue(EngineStatus.problem().isEmpty(), "the PyTorch engine does not load here");
        EngineDoctor.Report r = EngineDoctor.examine();
        String text = String.join("\n", r.lines());
        assertTrue(r.usable(), text);
        assertTrue(text.contains("driver:    none (/proc/driver/nvidia/version is absent)"), text);
        assertTrue(text.contains("device:    CPU, computing in float32"), text);
        assertTrue(text.contains("why cpu:   no NVIDIA driver found (/proc/driver/nvidia/version is absent)"), text);
        assertTrue(text.contains("(flavor cpu)"), text);
        assertTrue(text.contains("attention PyTorch scaled_dot_product_attention (SDPA)"), text);
    }

    @Test
    void theAllocatorLineSaysWhatTheLauncherSetOrThatItWasNotUsed() {
        assertEquals("tensors of 16,384 KiB or more mapped one by one and given back when freed, on transparent huge"
                + " pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=16777216)",
                EngineDoctor.allocatorLine("glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=16777216"));
        assertEquals("glibc's own mapping threshold (GLIBC_TUNABLES=glibc.malloc.arena_max=2)",
                EngineDoctor.allocatorLine("glibc.malloc.arena_max=2"));
        assertEquals("glibc defaults (GLIBC_TUNABLES set empty)", EngineDoctor.allocatorLine(""));
        assertTrue(EngineDoctor.allocatorLine(null).contains("started without ./noodle"));
    }

    @Test
    void nvidiaSmiRowsAreParsedAndWarningsSkipped() {
        List<EngineDoctor.Gpu> gpus = EngineDoctor.parseNvidiaSmi("""
                NVIDIA H100 80GB HBM3, 81559, 80995, 9.0
                WARNING: infoROM is corrupted at gpu 0000:01:00.0
                Tesla T4, 15360, 14913, 7.5
                """);
        assertEquals(List.of(new EngineDoctor.Gpu("NVIDIA H100 80GB HBM3", 81559, 80995, "9.0"),
                new EngineDoctor.Gpu("Tesla T4", 15360, 14913, "7.5")), gpus);
        assertTrue(gpus.get(0).hasBf16());
        assertFalse(gpus.get(1).hasBf16());
    }

    @Test
    void theFloatTypeLineSaysWhyFp16() {
        EngineOptions auto = EngineOptions.defaults();
        String h100 = EngineDoctor.dtypeWhy(true, auto, EngineDoctor.parseNvidiaSmi("H100, 81559, 80995, 9.0"));
        assertTrue(h100.contains("supports bf16, not used") && h100.contains("fp16 kept"), h100);
        String t4 = EngineDoctor.dtypeWhy(true, auto, EngineDoctor.parseNvidiaSmi("Tesla T4, 15360, 14913, 7.5"));
        assertTrue(t4.contains("no bf16"), t4);
        assertEquals(" (asked)", EngineDoctor.dtypeWhy(true, auto.withDtype(EngineOptions.DtypeChoice.FP32),
                List.of()));
    }

    @Test
    void theInstallerKeepsWhatLibtorchNeedsAndOpensLater() throws IOException {
        assumeTrue(EngineStatus.problem().isEmpty(), "the PyTorch engine does not load here");
        Path cpu = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
        Path gomp;
        try (Stream<Path> files = Files.list(cpu)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                Files.createSymbolicLink(dir.resolve(name.endsWith("libdjl_torch.so") ? "libdjl_torch.so" : name), f);
            }
        }
        try (Stream<Path> files = Files.list(cpu)) {
            gomp = files.filter(f -> f.getFileName().toString().startsWith("libgomp")).findFirst().orElseThrow();
        }
        Files.createSymbolicLink(dir.resolve("libnvjpeg.so.12"), gomp); // needed by nothing
        Files.createSymbolicLink(dir.resolve("libcudnn_cnn.so.9"), gomp); // opened by cuDNN when first used
        CudaLibtorchInstaller.keepNeeded(dir);
        assertFalse(Files.exists(dir.resolve("libnvjpeg.so.12"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        for (String kept : List.of("libtorch.so", "libtorch_cpu.so", "libc10.so", "libdjl_torch.so",
                gomp.getFileName().toString(), "libcudnn_cnn.so.9")) {
            assertTrue(Files.exists(dir.resolve(kept)), kept + " kept");
        }
    }
}
