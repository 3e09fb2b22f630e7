package dev.noodle.engine.io.pickle;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.io.ModelFormatException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad-inputs P5 cases not in the torch-made fixtures: two data.pkl in two folders, a data.pkl nested deeper. */
class CheckpointArchiveBadInputsTest {
    private static final byte[] EMPTY_DICT = {(byte) 0x80, 2, '}', '.'};

    private static Path zip(Path dir, String... names) throws Exception {
        Path p = dir.resolve("bad.ckpt");
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(out)) {
            for (String n : names) {
                z.putNextEntry(new ZipEntry(n));
                z.write(EMPTY_DICT);
                z.closeEntry();
            }
        }
        return p;
    }

    @Test
    void aWellFormedMinimalArchiveOpens(@TempDir Path dir) throws Exception {
        try (PickleCheckpoint c = PickleCheckpoint.open(zip(dir, "archive/data.pkl"))) {
            assertTrue(c.keys().isEmpty());
        }
    }

    @Test
    void twoPicklesOrNestedPicklesAreRefused(@TempDir Path dir) throws Exception {
        String[][] cases = {{"a/data.pkl", "b/data.pkl"}, {"a/b/data.pkl"}, {"data.pkl"}, {"a/version"}};
        for (String[] names : cases) {
            Path p = zip(dir, names);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> PickleCheckpoint.open(p),
                    String.join(",", names));
            assertTrue(e.getMessage().contains("bad.ckpt"), e.getMessage());
            Files.delete(p);
        }
    }
}
