package dev.noodle.engine.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CudaLibtorch#verify} and {@link ElfLibrary} on real libraries: DJL's stock CPU libtorch (unpacked in its
 * cache when the engine loads) and DJL's own JNI libraries for the CPU and for CUDA 12.8, linked into a folder as the
 * installer would lay it out.
 */
class CudaLibtorchVerifyTest {
    static Path cpuLibtorch;

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        assumeTrue(EngineStatus.problem().isEmpty(), "the PyTorch engine does not load here");
        cpuLibtorch = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath());
    }

    private static void jni(String flavor, Path to) throws IOException {
        try (InputStream in = CudaLibtorchVerifyTest.class.getResourceAsStream(
                "/jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so")) {
            assumeTrue(in != null, "DJL's pytorch-jni jar has no " + flavor + " library for linux-x86_64");
            Files.copy(in, to);
        }
    }

    private void linkCpuLibtorch() throws IOException {
        try (Stream<Path> files = Files.list(cpuLibtorch)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (CudaLibtorch.isLibrary(name) && !name.endsWith("libdjl_torch.so")) {
                    Files.createSymbolicLink(dir.resolve(name), f);
                }
            }
        }
    }

    @Test
    void elfReaderSeesWhatTheLoaderSees() throws IOException {
        ElfLibrary torch = ElfLibrary.read(cpuLibtorch.resolve("libtorch_cpu.so"));
        assertEquals("libtorch_cpu.so", torch.soname());
        assertTrue(torch.needed().contains("libc10.so"), torch.needed().toString());
        // the name as nm -D --defined-only lists it
        assertTrue(torch.defined().contains("_ZN2at4_ops6conv2d4callERKNS_6TensorES4_RKSt8optionalIS2_EN3c108ArrayRefI"
                + "NS9_6SymIntEEESC_SC_SB_"), "at::_ops::conv2d::call is exported");
        Path cuda = dir.resolve("cu128.so");
        jni("cu128", cuda);
        ElfLibrary jni = ElfLibrary.read(cuda);
        assertEquals(List.of("libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"),
                jni.needed().subList(0, 5), "the cu128 JNI library links the CUDA libtorch");
        assertTrue(jni.undefined().contains("cudaStreamSynchronize"));
        assertTrue(!jni.undefined().contains("__pthread_key_create"), "weak references are optional");
        Files.writeString(dir.resolve("not-elf.so"), "text");
        assertTrue(assertThrowsIo(dir.resolve("not-elf.so")).contains("is not an ELF library"));
    }

    private static String assertThrowsIo(Path p) {
        try {
            ElfLibrary.read(p);
        } catch (IOException e) {
            return e.getMessage();
        }
        throw new AssertionError("read " + p);
    }

    @Test
    void cpuLibtorchWithItsJniIsCompleteButForTheCudaLibraries() throws IOException {
        linkCpuLibtorch();
        jni("cpu", dir.resolve("libdjl_torch.so"));
        assertEquals(List.of("libtorch_cuda.so is missing", "libc10_cuda.so is missing"), CudaLibtorch.verify(dir));
    }

    @Test
    void aMissingSonameAndAStrayFileAreNamed() throws IOException {
        linkCpuLibtorch();
        jni("cpu", dir.resolve("libdjl_torch.so"));
        Files.delete(dir.resolve("libc10.so"));
        Files.writeString(dir.resolve("README.txt"), "notes");
        List<String> problems = CudaLibtorch.verify(dir);
        assertTrue(problems.contains("README.txt is not a library (DJL loads every file in " + dir + ")"),
                problems.toString());
        assertTrue(problems.contains("missing library libc10.so (needed by libdjl_torch.so)"), problems.toString());
        assertTrue(problems.contains("missing library libc10.so (needed by libtorch_cpu.so)"), problems.toString());
    }

    @Test
    void theCudaJniOverACpuLibtorchIsAnAbiMismatch() throws IOException {
        linkCpuLibtorch();
        jni("cu128", dir.resolve("libdjl_torch.so"));
        List<String> problems = CudaLibtorch.verify(dir);
        assertTrue(problems.contains("missing library libc10_cuda.so (needed by libdjl_torch.so)"),
                problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("libtorch symbols DJL's JNI library calls are not in"
                + " this libtorch")), problems.toString());
    }

    @Test
    void quickCheckComparesTheManifestsSizes() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.write(lib.resolve("libtorch.so"), new byte[10]);
        CudaLibtorch.writeManifest(dir, Map.of("torch", "2.7.1", "file.libtorch.so", "10"));
        Properties m = CudaLibtorch.manifest(dir).orElseThrow();
        assertEquals(null, CudaLibtorch.quickCheck(dir, m));
        Files.write(lib.resolve("libtorch.so"), new byte[9]);
        assertEquals("libtorch.so has 9 bytes, not 10", CudaLibtorch.quickCheck(dir, m));
        Files.delete(lib.resolve("libtorch.so"));
        assertEquals("libtorch.so is missing", CudaLibtorch.quickCheck(dir, m));
        assertEquals("the manifest lists no library", CudaLibtorch.quickCheck(dir, new Properties()));
    }
}
