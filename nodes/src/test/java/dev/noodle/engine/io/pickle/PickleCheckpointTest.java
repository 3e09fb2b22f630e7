package dev.noodle.engine.io.pickle;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.io.CheckpointConverter;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fixtures from src/test/python/make_pickle_fixtures.py (torch 1.13 {@code torch.save}); values are compared with
 * what torch wrote to the *.expected.json files.
 */
class PickleCheckpointTest {
    @TempDir Path dir;

    static Path fixture(String name) throws Exception {
        return Path.of(PickleCheckpointTest.class.getResource("/dev/noodle/engine/io/pickle/" + name).toURI());
    }

    static JsonNode expected(String name) throws Exception {
        return new ObjectMapper().readTree(fixture(name).toFile());
    }

    static float[] values(JsonNode n) {
        float[] f = new float[n.get("values").size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) n.get("values").get(i).asDouble();
        }
        return f;
    }

    static long[] shape(JsonNode n) {
        long[] s = new long[n.get("shape").size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = n.get("shape").get(i).asLong();
        }
        return s;
    }

    @Test
    void stateDictValuesEqualWhatTorchSaved() throws Exception {
        JsonNode exp = expected("small.expected.json");
        try (PickleCheckpoint ck = PickleCheckpoint.open(fixture("small.ckpt"))) {
            assertEquals(exp.size(), ck.keys().size());
            for (Iterator<String> it = exp.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                assertArrayEquals(shape(exp.get(k)), ck.info(k).shape(), k);
                assertArrayEquals(values(exp.get(k)), ck.loadFloats(k), 0f, k);
            }
            assertEquals(DType.F16, ck.info("model.diffusion_model.w16").dtype());
            assertEquals(DType.BF16, ck.info("model.diffusion_model.wbf16").dtype());
            assertEquals(DType.I64, ck.info("cond_stage_model.transformer.text_model.embeddings.position_ids").dtype());
            assertFalse(ck.tensors().get("transposed").contiguous());
            assertTrue(ck.tensors().get("param").requiresGrad());
            assertEquals(7L, PickleTree.get(ck.root(), "global_step"));
        }
    }

    @Test
    void loadsIntoDjl() throws Exception {
        JsonNode exp = expected("small.expected.json");
        try (PickleCheckpoint ck = PickleCheckpoint.open(fixture("small.ckpt"));
                NDManager m = NDManager.newBaseManager()) {
            NDArray t = ck.load("transposed", m, DataType.FLOAT32);
            assertArrayEquals(new long[] {4, 3}, t.getShape().getShape());
            assertArrayEquals(values(exp.get("transposed")), t.toFloatArray(), 0f);
            NDArray h = ck.load("model.diffusion_model.w16", m, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, h.getDataType());
            assertArrayEquals(values(exp.get("model.diffusion_model.w16")),
                    h.toType(DataType.FLOAT32, false).toFloatArray(), 0f);
            assertArrayEquals(new long[] {0, 1, 2, 3, 4}, ck.load(
                    "cond_stage_model.transformer.text_model.embeddings.position_ids", m, DataType.INT64).toLongArray());
        }
    }

    @Test
    void embeddingAndHypernetworkTreesAreReadable() throws Exception {
        try (PickleCheckpoint emb = PickleCheckpoint.open(fixture("embedding.pt"))) {
            Object param = PickleTree.get(PickleTree.get(emb.root(), "string_to_param"), "*");
            PickleTensor t = assertInstanceOf(PickleTensor.class, param);
            assertArrayEquals(new long[] {2, 8}, t.shape());
            assertEquals(265L, PickleTree.get(PickleTree.get(emb.root(), "string_to_token"), "*"));
            assertEquals("tiny-emb", PickleTree.get(emb.root(), "name"));
            assertTrue(emb.keys().isEmpty());
        }
        try (PickleCheckpoint old = PickleCheckpoint.open(fixture("embedding_pd.pt"))) {
            Py.Instance pd = assertInstanceOf(Py.Instance.class, PickleTree.get(old.root(), "string_to_param"));
            assertEquals("torch.nn.modules.container.ParameterDict", pd.type().toString());
            Object params = PickleTree.get(pd.state(), "_parameters");
            assertEquals(List.of(2L, 8L), java.util.Arrays.stream(
                    ((PickleTensor) PickleTree.get(params, "*")).shape()).boxed().toList());
        }
        JsonNode exp = expected("hypernetwork.expected.json");
        try (PickleCheckpoint hn = PickleCheckpoint.open(fixture("hypernetwork.pt"))) {
            for (long width : new long[] {768, 1024}) {
                List<?> layers = PickleTree.list(PickleTree.get(hn.root(), width));
                assertEquals(2, layers.size());
                for (int i = 0; i < 2; i++) {
                    Map<?, ?> sd = (Map<?, ?>) layers.get(i);
                    JsonNode e = exp.get(Long.toString(width)).get(i);
                    for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
                        String k = it.next();
                        assertArrayEquals(values(e.get(k)), hn.loadFloats((PickleTensor) sd.get(k)), 0f, k);
                    }
                }
            }
            assertEquals(List.of(1L, 2L, 1L), PickleTree.get(hn.root(), "layer_structure"));
            assertEquals("relu", PickleTree.get(hn.root(), "activation_func"));
        }
    }

    @Test
    void evilPicklesAreRefusedNamingTheGlobal() throws Exception {
        Map<String, String> cases = Map.of("evil_os_system.ckpt", "posix.system", "evil_eval.ckpt",
                "builtins.eval", "evil_subprocess.ckpt", "subprocess.Popen");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ForbiddenGlobalException e = assertThrows(ForbiddenGlobalException.class,
                    () -> PickleCheckpoint.open(fixture(c.getKey())), c.getKey());
            assertEquals(c.getValue(), e.global());
            assertTrue(e.getMessage().contains("forbidden global " + c.getValue())
                    && e.getMessage().contains(c.getKey()), e.getMessage());
        }
    }

    @Test
    void damagedArchivesAreRefused() throws Exception {
        assertRefused("truncated.ckpt", "zip");
        assertRefused("short_storage.ckpt", "storage 0 declares");
        assertRefused("extra_entry.ckpt", "unexpected file inside the archive: small/evil.py");
        assertRefused("dotdot_entry.ckpt", "../data.pkl");
        assertRefused("missing_storage.ckpt", "storage 1 is missing");
    }

    private static void assertRefused(String name, String fragment) throws Exception {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> PickleCheckpoint.open(fixture(name)));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void formatIsChosenByMagicBytesNotExtension() throws Exception {
        Path disguised = dir.resolve("model.safetensors");
        Files.copy(fixture("small.ckpt"), disguised);
        try (ModelFile f = ModelFiles.open(disguised)) {
            assertInstanceOf(PickleCheckpoint.class, f);
        }
        Path out = dir.resolve("converted.ckpt");
        assertEquals(10, CheckpointConverter.toSafetensors(fixture("small.ckpt"), out));
        assertEquals(ModelFiles.Format.SAFETENSORS, ModelFiles.detect(out));
        try (ModelFile f = ModelFiles.open(out); PickleCheckpoint ck = PickleCheckpoint.open(fixture("small.ckpt"))) {
            assertInstanceOf(SafetensorsFile.class, f);
            assertEquals("small.ckpt", f.metadata().get("noodle_converted_from"));
            for (String k : ck.keys()) {
                assertEquals(ck.info(k), f.info(k));
                assertArrayEquals(ck.loadFloats(k), f.loadFloats(k), 0f, k);
            }
        }
        ModelFormatException legacy = assertThrows(ModelFormatException.class,
                () -> ModelFiles.open(fixture("legacy.pt")));
        assertTrue(legacy.getMessage().contains("legacy"), legacy.getMessage());
        Path junk = dir.resolve("junk.ckpt");
        Files.writeString(junk, "hello, this is not a model at all");
        assertThrows(ModelFormatException.class, () -> ModelFiles.open(junk));
    }
}
