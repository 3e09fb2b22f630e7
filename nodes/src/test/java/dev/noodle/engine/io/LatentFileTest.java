package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ComfyUI's {@code .latent} format both ways, against files written and read by an independent Python re-statement of
 * ComfyUI's SaveLatent / LoadLatent and the safetensors layout ({@code src/test/python/latent_file_reference.py}):
 * current-format, first-format (rescaled by 1 / 0.18215) and half-precision files load with LoadLatent's values, and a
 * file Noodle writes loads there with its values and metadata. Damaged and hostile files are refused naming the file.
 */
class LatentFileTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Path SEEDS = Path.of("src/test/resources/dev/noodle/engine/io/LatentFileFuzzTestInputs/read");

    @TempDir
    Path dir;

    static void assumeTorch() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "python3 is not installed");
        Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy").redirectErrorStream(true)
                .start();
        assumeTrue(probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no torch");
    }

    static void python(String... args) throws Exception {
        String[] cmd = new String[args.length + 2];
        cmd[0] = PYTHON.toString();
        cmd[1] = "src/test/python/latent_file_reference.py";
        System.arraycopy(args, 0, cmd, 2, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference timed out");
        assertEquals(0, p.exitValue(), log);
    }

    static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) a.get(i).asDouble();
        }
        return v;
    }

    static long[] longs(JsonNode a) {
        long[] v = new long[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asLong();
        }
        return v;
    }

    @Test
    void comfyUiFilesLoadWithLoadLatentsValues() throws Exception {
        assumeTorch();
        python("write", dir.toString());
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        for (String name : new String[] {"comfy_current", "comfy_old", "comfy_fp16"}) {
            JsonNode e = expected.get(name);
            LatentFile.Latent l = LatentFile.read(dir.resolve(name + ".latent"));
            assertArrayEquals(longs(e.get("shape")), l.shape(), name);
            // bit-exact: the same float32 multiply (by 1 in the current format)
            assertArrayEquals(floats(e.get("values")), l.data(), name);
            assertEquals(!e.get("version").asBoolean(), l.oldFormat(), name);
        }
        assertTrue(LatentFile.read(dir.resolve("comfy_old.latent")).oldFormat());
        // the committed fuzz seeds are these files
        assertArrayEquals(Files.readAllBytes(SEEDS.resolve("fp16")), Files.readAllBytes(dir.resolve("comfy_fp16.latent")));
    }

    @Test
    void noodleFilesLoadInComfyUisFormat() throws Exception {
        assumeTorch();
        float[] v = new float[2 * 4 * 3 * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.7) * 3;
        }
        Path file = dir.resolve("noodle.latent");
        LatentFile.write(file, new long[] {2, 4, 3, 2}, v, Map.of("prompt", "{\"1\": {}}", "workflow", "{}"));
        python("read", file.toString(), dir.resolve("back.json").toString());
        JsonNode back = new ObjectMapper().readTree(dir.resolve("back.json").toFile());
        assertArrayEquals(new long[] {2, 4, 3, 2}, longs(back.get("shape")));
        assertArrayEquals(v, floats(back.get("values")));
        assertTrue(back.get("version").asBoolean(), "the current-format marker is there, so nothing is rescaled");
        assertEquals("{\"1\": {}}", back.get("metadata").get("prompt").asText());
        assertEquals("{}", back.get("metadata").get("workflow").asText());
    }

    @Test
    void writtenFilesReadBack() throws Exception {
        float[] v = {1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f, 7, 8};
        Path file = dir.resolve("x.latent");
        LatentFile.write(file, new long[] {1, 2, 2, 2}, v, Map.of("prompt", ""));
        LatentFile.Latent l = LatentFile.read(file);
        assertArrayEquals(v, l.data());
        assertFalse(l.oldFormat());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(DType.F32, f.info(LatentFile.TENSOR).dtype());
            assertArrayEquals(new long[] {0}, f.info(LatentFile.VERSION_0).shape());
            assertEquals("", f.metadata().get("prompt"));
        }
    }

    @Test
    void damagedAndHostileFilesAreRefusedNamingTheFile() throws Exception {
        for (String seed : new String[] {"truncated", "no_latent_tensor", "int_latent", "rank3", "empty_batch"}) {
            Path file = dir.resolve(seed + ".latent");
            Files.copy(SEEDS.resolve(seed), file);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> LatentFile.read(file), seed);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
        Path text = dir.resolve("notes.latent");
        Files.writeString(text, "this is not a latent file at all");
        assertThrows(ModelFormatException.class, () -> LatentFile.read(text));
        Path none = dir.resolve("empty.latent");
        Files.write(none, new byte[0]);
        assertThrows(ModelFormatException.class, () -> LatentFile.read(none));
        Path missing = dir.resolve("missing.latent");
        assertTrue(assertThrows(ModelFormatException.class, () -> LatentFile.read(missing)).getMessage()
                .contains("missing.latent"));
        assertTrue(assertThrows(ModelFormatException.class,
                () -> LatentFile.read(copy("no_latent_tensor"))).getMessage().contains("latent_tensor"));
        assertTrue(assertThrows(ModelFormatException.class,
                () -> LatentFile.read(copy("int_latent"))).getMessage().contains("I32"));
        for (String ok : new String[] {"current", "old_format", "fp16"}) {
            assertEquals(4, LatentFile.read(copy(ok)).shape().length, ok);
        }
    }

    private Path copy(String seed) throws Exception {
        Path p = dir.resolve("copy-" + seed + ".latent");
        Files.copy(SEEDS.resolve(seed), p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return p;
    }
}
