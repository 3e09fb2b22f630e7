package dev.noodle.engine.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.text.EmbeddingLookup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingLibraryTest {
    static final Path DIR = LoraPatcherTest.DIR.resolve("embeddings");

    private static void assertRows(String name, int width, float[][] got) throws IOException {
        JsonNode exp = new ObjectMapper().readTree(LoraPatcherTest.DIR.resolve("embeddings_expected.json").toFile())
                .get(name).get(Integer.toString(width));
        assertEquals(exp.size(), got.length, name);
        for (int i = 0; i < got.length; i++) {
            assertEquals(width, got[i].length);
            for (int j = 0; j < width; j++) {
                assertEquals(exp.get(i).get(j).floatValue(), got[i][j], 1e-6f, name + "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void resolvesByStemCaseInsensitiveWithOrWithoutExtension() throws IOException {
        EmbeddingLookup lib = EmbeddingLibrary.scan(DIR, 8);
        assertRows("mystyle", 8, lib.find("MyStyle"));
        assertRows("mystyle", 8, lib.find("mystyle"));
        assertRows("mystyle", 8, lib.find("MYSTYLE.safetensors"));
        assertRows("oldstyle", 8, lib.find("oldstyle")); // A1111 .pt in a subfolder, via the safe pickle reader
        assertRows("oldstyle", 8, lib.find("styles/OldStyle.pt"));
        assertRows("halfemb", 8, lib.find("halfemb")); // F16 storage
        assertNull(lib.find("nothing-here"));
        assertNull(lib.find("../lora_base"));
    }

    @Test
    void sdxlFilePicksTheVectorsForEachEncoder() throws IOException {
        EmbeddingLibrary l = EmbeddingLibrary.scan(DIR, 8);
        assertRows("xl-thing", 8, l.find("xl-thing"));
        assertRows("xl-thing", 12, l.forWidth(12).find("xl-thing"));
        assertEquals("8/12", l.embedding("xl-thing").widths());
        assertEquals(2, l.embedding("xl-thing").tokens());
    }

    @Test
    void widthMismatchNamesEmbeddingAndBothWidths() {
        EmbeddingLibrary lib = EmbeddingLibrary.scan(DIR, 768);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> lib.find("sd2only"));
        assertTrue(e.getMessage().contains("'sd2only'") && e.getMessage().contains("width 12")
                && e.getMessage().contains("width 768"), e.getMessage());
        assertTrue(e.getMessage().contains("this text encoder is SD 1.x or SDXL CLIP-L"), e.getMessage());
    }

    @Test
    void anEmbeddingForAnotherFamilyNamesBothFamilies(@TempDir Path tmp) throws IOException {
        new dev.noodle.engine.io.SafetensorsWriter().addF32("emb_params", new long[] {2, 1024}, new float[2048])
                .write(tmp.resolve("sd2style.safetensors"));
        ModelFormatException sd2 = assertThrows(ModelFormatException.class,
                () -> EmbeddingLibrary.scan(tmp, 768).find("sd2style"));
        assertTrue(sd2.getMessage().contains("made for SD 2.x (width 1024)")
                && sd2.getMessage().contains("is SD 1.x or SDXL CLIP-L (width 768)"), sd2.getMessage());
        new dev.noodle.engine.io.SafetensorsWriter().addF32("clip_l", new long[] {1, 768}, new float[768])
                .addF32("clip_g", new long[] {1, 1280}, new float[1280]).write(tmp.resolve("xlstyle.safetensors"));
        ModelFormatException xl = assertThrows(ModelFormatException.class,
                () -> EmbeddingLibrary.scan(tmp, 1024).find("xlstyle"));
        assertTrue(xl.getMessage().contains("made for SDXL (width 768/1280)")
                && xl.getMessage().contains("is SD 2.x (width 1024)"), xl.getMessage());
    }

    @Test
    void returnedVectorsAreCopies() {
        EmbeddingLibrary lib = EmbeddingLibrary.scan(DIR, 8);
        float[][] a = lib.find("mystyle");
        float keep = a[0][0];
        a[0][0] = 1234f;
        assertEquals(keep, lib.find("mystyle")[0][0]);
    }

    @Test
    void missingFolderIsEmptyAndNonEmbeddingIsRefused(@TempDir Path tmp) throws IOException {
        assertNull(EmbeddingLibrary.scan(tmp.resolve("absent"), 768).find("x"));
        Files.copy(LoraPatcherTest.DIR.resolve("lora_peft.safetensors"), tmp.resolve("notemb.safetensors"));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> EmbeddingLibrary.scan(tmp, 768).find("notemb"));
        assertTrue(e.getMessage().contains("not a textual-inversion embedding"), e.getMessage());
    }

    @Test
    void benchEmbeddingLoads() {
        Path p = BenchModels.file("embeddings/rndemb.safetensors");
        EmbeddingLibrary lib = EmbeddingLibrary.scan(p.getParent(), 768);
        float[][] v = lib.find("RNDEMB");
        assertEquals(2, v.length);
        assertEquals(768, v[0].length);
        Embedding e = Embedding.load(p);
        assertArrayEquals(e.vectors(768)[1], v[1]);
    }
}
