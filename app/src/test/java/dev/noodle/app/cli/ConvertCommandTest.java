package dev.noodle.app.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code noodle convert IN OUT} as a user meets it: exit codes, what is written (compared with the values torch
 * saved, from nodes' pickle fixtures made by make_pickle_fixtures.py) and what is refused.
 */
class ConvertCommandTest {
    static final Path FIXTURES = Path.of("../nodes/src/test/resources/dev/noodle/engine/io/pickle");

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        PrintStream oldErr = System.err;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new NoodleCommand())
                    .setExecutionExceptionHandler(NoodleCommand::handleExecutionException).execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    static Path fixture(Path dir, String name) throws IOException {
        Path src = FIXTURES.resolve(name);
        assertTrue(Files.isRegularFile(src), "fixture " + src.toAbsolutePath());
        return Files.copy(src, dir.resolve(name));
    }

    static final Map<String, String> TORCH_DTYPES = Map.of("torch.float32", "F32", "torch.float16", "F16",
            "torch.bfloat16", "BF16", "torch.int64", "I64");

    @Test
    void aGoodCheckpointBecomesSafetensorsWithTheSameTensors(@TempDir Path dir) throws Exception {
        Path in = fixture(dir, "small.ckpt");
        JsonNode expected = new ObjectMapper().readTree(FIXTURES.resolve("small.expected.json").toFile());
        Path out = dir.resolve("small.safetensors");
        Result r = run("convert", in.toString(), out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + expected.size() + " tensors"), r.out());
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            TreeSet<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            assertEquals(names, new TreeSet<>(f.keys()));
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                JsonNode e = expected.get(k);
                long[] shape = new long[e.get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.get("shape").get(i).asLong();
                }
                assertArrayEquals(shape, f.info(k).shape(), k);
                assertEquals(TORCH_DTYPES.get(e.get("dtype").asText()), f.info(k).dtype().name(), k);
                float[] values = new float[e.get("values").size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) e.get("values").get(i).asDouble();
                }
                // torch's values, exactly (F16/BF16 values are representable in float32)
                assertArrayEquals(values, f.loadFloats(k), 0f, k);
            }
            assertEquals("small.ckpt", f.metadata().get("noodle_converted_from"));
        }
    }

    @Test
    void aFileWithoutTensorsIsRefusedSayingWhatItSeemsToBe(@TempDir Path dir) throws Exception {
        Map<String, String> cases = Map.of("hypernetwork.pt", "models/hypernetworks/",
                "embedding.pt", "models/embeddings/");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path in = fixture(dir, c.getKey());
            Path out = dir.resolve(c.getKey() + ".safetensors");
            Result r = run("convert", in.toString(), out.toString());
            assertNotEquals(0, r.code(), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains("holds no tensors to convert"), r.err());
            assertTrue(r.err().contains(c.getValue()) && r.err().contains("needs no conversion"), r.err());
            assertFalse(r.out().contains("wrote"), r.out());
            assertFalse(Files.exists(out), "no OUT left for " + c.getKey());
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary files left next to OUT");
        }
    }

    @Test
    void anExistingOutIsKeptWithoutForce(@TempDir Path dir) throws Exception {
        Path in = fixture(dir, "small.ckpt");
        Path out = dir.resolve("out.safetensors");
        byte[] before = "precious".getBytes(StandardCharsets.UTF_8);
        Files.write(out, before);
        Result r = run("convert", in.toString(), out.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--force"), r.err());
        assertArrayEquals(before, Files.readAllBytes(out), "OUT untouched");
        // with --force it is replaced
        Result forced = run("convert", in.toString(), out.toString(), "--force");
        assertEquals(0, forced.code(), forced.err());
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertTrue(f.keys().contains("model.diffusion_model.w32"));
        }
    }

    @Test
    void inEqualToOutIsRefused(@TempDir Path dir) throws Exception {
        Path in = fixture(dir, "small.ckpt");
        byte[] before = Files.readAllBytes(in);
        Result r = run("convert", in.toString(), in.toString(), "--force");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("same file"), r.err());
        // the same file by another spelling
        Result other = run("convert", in.toString(), dir.resolve(".").resolve("small.ckpt").toString(), "--force");
        assertEquals(2, other.code(), other.err());
        // and without --force it is refused too (OUT exists)
        assertEquals(2, run("convert", in.toString(), in.toString()).code());
        assertArrayEquals(before, Files.readAllBytes(in), "IN untouched");
    }

    @Test
    void anEvilCheckpointIsRefusedNamingTheGlobal(@TempDir Path dir) throws Exception {
        Map<String, String> cases = Map.of("evil_os_system.ckpt", "posix.system", "evil_eval.ckpt", "builtins.eval",
                "evil_subprocess.ckpt", "subprocess.Popen");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path in = fixture(dir, c.getKey());
            Path out = dir.resolve(c.getKey() + ".safetensors");
            Result r = run("convert", in.toString(), out.toString());
            assertNotEquals(0, r.code(), c.getKey() + ": " + r.err());
            assertTrue(r.err().contains(c.getValue()), c.getKey() + " names " + c.getValue() + ": " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            assertFalse(Files.exists(out), "no OUT left for " + c.getKey());
        }
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files left next to OUT");
        }
    }

    @Test
    void aHandMadePickleCallingOsSystemIsRefused(@TempDir Path dir) throws Exception {
        // protocol 2: GLOBAL 'os system', BINUNICODE 'touch <marker>', TUPLE1, REDUCE, STOP
        Path marker = dir.resolve("pwned");
        ByteArrayOutputStream pkl = new ByteArrayOutputStream();
        pkl.write(new byte[] {(byte) 0x80, 2});
        pkl.write("cos\nsystem\n".getBytes(StandardCharsets.US_ASCII));
        byte[] arg = ("touch " + marker).getBytes(StandardCharsets.UTF_8);
        pkl.write('X');
        pkl.write(new byte[] {(byte) arg.length, 0, 0, 0});
        pkl.write(arg);
        pkl.write(new byte[] {(byte) 0x85, 'R', '.'});
        Path in = dir.resolve("evil.ckpt");
        try (OutputStream os = Files.newOutputStream(in); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("evil/data.pkl"));
            zip.write(pkl.toByteArray());
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("evil/version"));
            zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        Path out = dir.resolve("evil.safetensors");
        Result r = run("convert", in.toString(), out.toString());
        assertNotEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("os.system"), r.err());
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(marker), "nothing ran");
    }
}
