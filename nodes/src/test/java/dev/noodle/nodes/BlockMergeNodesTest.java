package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.model.TinyCheckpoints;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ModelValue;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks ComfyUI's block merges per weight key against model_merge_blocks_reference.py and its CLIP add/subtract
 * merges against the formula on the text encoders' weights.
 *
 * <p>The fixture holds, per case and UNet key, the ratio ComfyUI's longest-prefix rule picks and the sum and
 * absolute sum of model1·ratio + model2·(1 − ratio), with model1 a tiny random-weight checkpoint and model2 twice
 * it (ModelMergeAdd of it with itself), so every non-zero weight shows the ratio it got.
 */
class BlockMergeNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;
    static JsonNode fixture;
    static final Map<String, String> CHECKPOINTS = Map.of("sd1", "noodle-demo-tiny-sd15.safetensors",
            "sdxl", "tiny-sdxl.safetensors");

    @BeforeAll
    static void setUp() throws Exception {
        DemoAddons.ensure(tmp.resolve("models"));
        TinyCheckpoints.write(tmp.resolve("models/checkpoints/tiny-sdxl.safetensors"), TinyCheckpoints.Kind.SDXL);
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
        try (InputStream in = BlockMergeNodesTest.class.getResourceAsStream("model_merge_blocks_expected.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult run(String ckpt, String body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {\"4\": {\"type\": \"CheckpointLoaderSimple\","
                + " \"inputs\": {\"ckpt_name\": \"" + ckpt + "\"}}, " + body + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        RunResult r = executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> { },
                new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    @ParameterizedTest
    @ValueSource(strings = {"blocks_sd1", "sd1", "sd2", "blocks_sdxl", "sdxl"})
    void blockMergeMatchesTheReferencePerKey(String name) {
        JsonNode c = fixture.get(name);
        StringBuilder inputs = new StringBuilder("\"model1\": [\"4\", 0], \"model2\": [\"5\", 0]");
        for (Iterator<Map.Entry<String, JsonNode>> it = c.get("ratios").fields(); it.hasNext(); ) {
            var e = it.next();
            inputs.append(", \"").append(e.getKey()).append("\": ").append(e.getValue().asDouble());
        }
        RunResult r = run(CHECKPOINTS.get(c.get("checkpoint").asText()), "\"5\": {\"type\": \"ModelMergeAdd\","
                + " \"inputs\": {\"model1\": [\"4\", 0], \"model2\": [\"4\", 0]}}, \"6\": {\"type\": \""
                + c.get("node").asText() + "\", \"inputs\": {" + inputs + "}}");
        var merged = ((ModelValue) r.outputs().get("6").value(0)).unet().weights();
        List<String> wrong = new ArrayList<>();
        int shown = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = c.get("keys").fields(); it.hasNext(); ) {
            var e = it.next();
            assertTrue(merged.keys().contains(e.getKey()), "merged model lacks " + e.getKey());
            float[] v = merged.get(e.getKey()).toFloatArray();
            double sum = 0;
            double abs = 0;
            for (float x : v) {
                sum += x;
                abs += Math.abs(x);
            }
            double wantSum = e.getValue().get("sum").asDouble();
            double wantAbs = e.getValue().get("abs_sum").asDouble();
            double tol = 1e-5 * wantAbs + 1e-6;
            if (Math.abs(sum - wantSum) > tol || Math.abs(abs - wantAbs) > tol) {
                wrong.add(e.getKey() + " (ratio " + e.getValue().get("ratio").asDouble() + "): sum " + sum
                        + " vs " + wantSum + ", |sum| " + abs + " vs " + wantAbs);
            }
            if (wantAbs > 0) {
                shown++;
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(shown > c.get("keys").size() / 3, "too few non-zero weights to show the ratios: " + shown);
    }

    static final String CLIP_KEY = "encoder.layers.0.self_attn.q_proj.weight";

    static float[] clipWeight(Object clip, String key) {
        return ((ClipValue) clip).clip().parameter(key).toFloatArray();
    }

    /** "10": the checkpoint with the demo LoRA at 1 on its CLIP, "14" at −0.6, so the two encoders differ. */
    static final String CLIPS = "\"10\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"4\", 0], \"clip\":"
            + " [\"4\", 1], \"lora_name\": \"" + DemoAddons.LORA + "\", \"strength_model\": 1.0, \"strength_clip\":"
            + " 1.0}}, \"14\": {\"type\": \"LoraLoader\", \"inputs\": {\"model\": [\"4\", 0], \"clip\": [\"4\", 1],"
            + " \"lora_name\": \"" + DemoAddons.LORA + "\", \"strength_model\": -0.6, \"strength_clip\": -0.6}}";

    @Test
    void clipMergeSubtractAndAddAsComfyUi() {
        // ComfyUI: Subtract patches clip1 with clip2's weights at −m, clip1 scaled by m → (clip1 − clip2)·m;
        // Add patches at 1 with clip1 at 1 → clip1 + clip2
        RunResult r = run(CHECKPOINTS.get("sd1"), CLIPS + ", \"20\": {\"type\": \"CLIPMergeSubtract\", \"inputs\":"
                + " {\"clip1\": [\"10\", 1], \"clip2\": [\"14\", 1], \"multiplier\": 0.7}}, \"21\": {\"type\":"
                + " \"CLIPMergeAdd\", \"inputs\": {\"clip1\": [\"4\", 1], \"clip2\": [\"20\", 0]}}");
        float[] a = clipWeight(r.outputs().get("10").value(1), CLIP_KEY);
        float[] b = clipWeight(r.outputs().get("14").value(1), CLIP_KEY);
        float[] base = clipWeight(r.outputs().get("4").value(1), CLIP_KEY);
        float[] diff = clipWeight(r.outputs().get("20").value(0), CLIP_KEY);
        float[] sum = clipWeight(r.outputs().get("21").value(0), CLIP_KEY);
        double spread = 0;
        for (int i = 0; i < a.length; i++) {
            spread = Math.max(spread, Math.abs(a[i] - b[i]));
            assertEquals((a[i] - (double) b[i]) * 0.7, diff[i], 1e-5, "subtract at " + i);
            assertEquals(base[i] + (double) diff[i], sum[i], 1e-5, "add at " + i);
        }
        assertTrue(spread > 1e-3, "the inputs must differ: " + spread);
        // every weight is merged (ComfyUI's skipped position ids and logit scale are not among this CLIP-L's
        // parameters): with equal inputs the difference is zero throughout
        RunResult same = run(CHECKPOINTS.get("sd1"), "\"20\": {\"type\": \"CLIPMergeSubtract\", \"inputs\":"
                + " {\"clip1\": [\"4\", 1], \"clip2\": [\"4\", 1], \"multiplier\": 1.0}}");
        ClipValue zero = (ClipValue) same.outputs().get("20").value(0);
        for (String k : zero.clip().parameterKeys()) {
            NDArray p = zero.clip().parameter(k);
            if (p.getDataType().isFloating()) {
                assertEquals(0.0, p.abs().max().toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                        .getDouble(), 0.0, k);
            }
        }
    }
}
