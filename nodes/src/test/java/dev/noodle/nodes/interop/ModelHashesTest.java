package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A1111 hashes against values computed with Python's hashlib (see the expected constants' comments). */
class ModelHashesTest {
    @TempDir
    Path dir;

    @Test
    void shortAndAutoV1HashesMatchHashlib() throws IOException {
        // /usr/bin/python3: data = bytes(((i*31+7)&0xFF) for i in range(0x100000+0x10000+5000))
        //   sha256(data[0x100000:0x110000]).hexdigest()[:8] == "ef463692"; sha256(data).hexdigest()[:10] == "f7021efe1b"
        byte[] data = new byte[0x100000 + 0x10000 + 5000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) ((i * 31 + 7) & 0xFF);
        }
        Path f = Files.write(dir.resolve("model.safetensors"), data);
        assertEquals("ef463692", ModelHashes.autoV1(f));
        assertEquals("f7021efe1b", ModelHashes.shortHash(f));
    }

    @Test
    void m5SmallAndEmptyFilesHashNoBytesForAutoV1() throws IOException {
        Path empty = Files.write(dir.resolve("empty.ckpt"), new byte[0]);
        Path small = Files.write(dir.resolve("small.ckpt"), new byte[1000]);
        assertEquals("e3b0c442", ModelHashes.autoV1(empty)); // sha256(b"")[:8]
        assertEquals("e3b0c442", ModelHashes.autoV1(small));
        assertEquals("e3b0c44298", ModelHashes.shortHash(empty));
    }
}
