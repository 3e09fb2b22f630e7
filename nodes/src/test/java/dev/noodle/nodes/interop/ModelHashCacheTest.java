package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hashes computed once per file version and persisted (bad-inputs row M4). Expected values are Python's hashlib:
 * {@code hashlib.sha256(b"noodle checkpoint v1\n").hexdigest()} and so on (see each constant).
 */
class ModelHashCacheTest {
    /** hashlib.sha256(b"noodle checkpoint v1\n").hexdigest() */
    static final String V1 = "939f8bbd6855e8cb9cf07b0d75235eea85928dde2eb5893ff0da8428e62d1c28";
    /** hashlib.sha256(b"noodle checkpoint v2\n").hexdigest() (same length as v1) */
    static final String V2 = "4bd37dae401f169abeb0416c07dcafad5409e3226f889154e03b1408560703ae";
    /** hashlib.sha256(struct.pack('<ff', 1.5, -2.0)).hexdigest(): the tensor bytes of {@link #tinySafetensors} */
    static final String ADDNET = "252b3318179cc24998f3670913d52d39085cf65b0dfa98fa523ffeab4b6683fe";
    /** hashlib.sha256(whole file).hexdigest() of {@link #tinySafetensors} */
    static final String TINY_FULL = "e474f6bfcb33db85f35a247600feeecb5ab3172d6b09d36384ba8191fb1014a2";

    @TempDir
    Path dir;

    /** A valid safetensors file: 8-byte length, 54-byte JSON header, one F32[2] tensor (1.5, -2.0). */
    static byte[] tinySafetensors() {
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).putFloat(1.5f).putFloat(-2.0f);
        return b.array();
    }

    @Test
    void hashesMatchHashlibAndAreComputedOncePerFile() throws IOException {
        Path ckpt = Files.writeString(dir.resolve("model.safetensors"), "noodle checkpoint v1\n");
        ModelHashCache cache = new ModelHashCache();
        assertEquals(V1, cache.sha256(ckpt));
        assertEquals(V1.substring(0, 10), cache.modelHash(ckpt));
        assertEquals(V1, cache.sha256(dir.resolve("./model.safetensors")), "same real path");
        assertEquals(1, cache.computations());
    }

    @Test
    void m4ReplacedFileGetsANewHash() throws IOException {
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "noodle checkpoint v1\n");
        FileTime t0 = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(ckpt, t0);
        ModelHashCache cache = new ModelHashCache();
        assertEquals(V1, cache.sha256(ckpt));
        // same name, same size, new content and a new time (what a download or copy over it does)
        Files.writeString(ckpt, "noodle checkpoint v2\n");
        Files.setLastModifiedTime(ckpt, FileTime.fromMillis(t0.toMillis() + 2000));
        assertEquals(V2, cache.sha256(ckpt));
        assertEquals(2, cache.computations());
        // a replacement by rename (new inode, size differs) also counts
        Path other = Files.writeString(dir.resolve("other.tmp"), "another model, longer than before\n");
        Files.move(other, ckpt, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertNotEquals(V2, cache.sha256(ckpt));
    }

    @Test
    void loraHashUsesTheAddnetHashForSafetensors() throws IOException {
        Path lora = Files.write(dir.resolve("add_detail.safetensors"), tinySafetensors());
        Path pt = Files.write(dir.resolve("add_detail.pt"), tinySafetensors());
        ModelHashCache cache = new ModelHashCache();
        assertEquals(ADDNET, ModelHashes.addnetSha256(lora));
        assertEquals(TINY_FULL, ModelHashes.sha256(lora));
        assertEquals(ADDNET.substring(0, 12), cache.loraHash(lora));
        assertEquals(TINY_FULL.substring(0, 12), cache.loraHash(pt), "not safetensors: plain sha256");
    }

    @Test
    void addnetHashOfBadHeadersHashesNothingLikeA1111() throws IOException {
        String empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"; // sha256(b"")
        Path huge = Files.write(dir.resolve("huge.safetensors"),
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        Path negative = Files.write(dir.resolve("neg.safetensors"),
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array());
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 0});
        assertEquals(empty, ModelHashes.addnetSha256(huge));
        assertEquals(empty, ModelHashes.addnetSha256(negative));
        assertEquals(empty, ModelHashes.addnetSha256(tiny));
    }

    @Test
    void hashesPersistInTheLibraryDatabaseAndTheOldJsonCacheIsImportedOnce() throws IOException {
        Path home = Files.createDirectories(dir.resolve("home"));
        Path models = Files.createDirectories(home.resolve("models/checkpoints")).getParent();
        Path ckpt = Files.writeString(models.resolve("checkpoints/a.safetensors"), "noodle checkpoint v1\n");
        Path other = Files.writeString(models.resolve("checkpoints/b.safetensors"), "noodle checkpoint v2\n");
        // the JSON file of earlier versions: b's hash is taken from it, not recomputed
        String real = other.toRealPath().toString().replace("\\", "\\\\");
        Files.writeString(home.resolve(dev.noodle.nodes.library.ModelLibrary.LEGACY_HASHES), "{\"version\":1,"
                + "\"entries\":[{\"kind\":\"sha256\",\"path\":\"" + real + "\",\"size\":" + Files.size(other)
                + ",\"mtime\":" + Files.getLastModifiedTime(other).toMillis() + ",\"sha256\":\"" + V2 + "\"}]}");
        ModelHashCache first = new ModelHashCache(dev.noodle.nodes.library.ModelLibrary.hashStore(models));
        assertEquals(V1, first.sha256(ckpt));
        assertEquals(V2, first.sha256(other));
        assertEquals(1, first.computations(), "b came from the imported JSON cache");
        assertTrue(Files.isRegularFile(home.resolve(dev.noodle.nodes.library.ModelLibrary.FILE_NAME)));
        assertTrue(Files.notExists(home.resolve(dev.noodle.nodes.library.ModelLibrary.LEGACY_HASHES)),
                "the JSON cache is imported once, then renamed");
        ModelHashCache second = new ModelHashCache(dev.noodle.nodes.library.ModelLibrary.hashStore(models));
        assertEquals(V1, second.sha256(ckpt));
        assertEquals(0, second.computations(), "loaded from the database, not recomputed");
        // a damaged database costs only recomputation
        Files.writeString(home.resolve(dev.noodle.nodes.library.ModelLibrary.FILE_NAME), "not a database");
        ModelHashCache third = new ModelHashCache(dev.noodle.nodes.library.ModelLibrary.hashStore(models));
        assertEquals(V1, third.sha256(ckpt));
        assertEquals(1, third.computations());
    }

    @Test
    void missingFileIsAnErrorAndConcurrentCallersShareOneComputation() throws Exception {
        ModelHashCache cache = new ModelHashCache();
        assertThrows(NoSuchFileException.class, () -> cache.sha256(dir.resolve("gone.safetensors")));
        Path big = dir.resolve("big.bin");
        Files.write(big, new byte[8 << 20]);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> jobs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                jobs.add(() -> cache.sha256(big));
            }
            List<String> got = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(jobs)) {
                got.add(f.get());
            }
            assertEquals(1, got.stream().distinct().count());
            assertEquals(1, cache.computations());
        } finally {
            pool.shutdownNow();
        }
    }
}
