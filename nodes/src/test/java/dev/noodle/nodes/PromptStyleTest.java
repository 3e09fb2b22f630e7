package dev.noodle.nodes;

import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.nodes.values.ConditioningValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIP Text Encode's prompt_style: ComfyUI's reading by default, AUTOMATIC1111's with {@code a1111} — embeddings
 * triggered by their file name, {@code [word]} and mean-restoring emphasis — on the demo model and embedding.
 */
class PromptStyleTest {
    @TempDir
    static Path dir;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        DemoAddons.ensure(dir.resolve("models"));
        nodes = NoodleNodes.create(NodeEnvironment.of(dir.resolve("models"), dir.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(dev.noodle.nodes.host.MemoryBudget.resultCacheBytes()), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    /** The conditioning of one prompt, and the warnings the encode node gave. */
    private static float[] encode(String text, String style, List<String> warnings) {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        n.put("4", new NodeInstance("4", "CheckpointLoaderSimple",
                new LinkedHashMap<>(Map.of("ckpt_name", new Literal(DemoCheckpoint.FILE_NAME))), NodeMode.NORMAL,
                Map.of()));
        Map<String, InputValue> in = new LinkedHashMap<>(Map.of("text", new Literal(text), "clip", new Link("4", 1)));
        if (style != null) {
            in.put("prompt_style", new Literal(style));
        }
        n.put("6", new NodeInstance("6", "CLIPTextEncode", in, NodeMode.NORMAL, Map.of()));
        List<RunEvent> events = new ArrayList<>();
        RunResult r = executor.run(new Workflow(1, "t", n, null, Map.of()),
                new RunOptions(Set.of("6"), "t" + System.nanoTime()), events::add, new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message());
        for (RunEvent e : events) {
            if (e instanceof RunEvent.NodeMessage m && m.nodeId().equals("6") && m.level() == MessageLevel.WARNING) {
                warnings.add(m.text());
            }
        }
        ConditioningValue c = (ConditioningValue) r.outputs().get("6").value(0);
        return c.entries().get(0).context().data();
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void a1111FindsEmbeddingsByFileNameWhereComfyNeedsThePrefix() {
        List<String> w = new ArrayList<>();
        float[] byName = encode("a castle noodle-demo-embedding", "a1111", w);
        float[] prefixed = encode("a castle embedding:noodle-demo-embedding", "comfy", w);
        float[] plain = encode("a castle", "a1111", w);
        assertEquals(List.of(), w, "no warnings");
        assertTrue(maxDiff(byName, prefixed) < 1e-4, "the same vectors at the same place: " + maxDiff(byName, prefixed));
        assertTrue(maxDiff(byName, plain) > 1e-3, "the embedding changes the conditioning");
    }

    @Test
    void emphasisFollowsTheChosenTool() {
        List<String> w = new ArrayList<>();
        float[] comfy = encode("a (castle:1.4) on a hill", "comfy", w);
        float[] a1111 = encode("a (castle:1.4) on a hill", "a1111", w);
        float[] byDefault = encode("a (castle:1.4) on a hill", null, w);
        assertEquals(0.0, maxDiff(comfy, byDefault), "ComfyUI's reading is the default");
        assertTrue(maxDiff(comfy, a1111) > 1e-4, "A1111 weights z·w with mean restore, ComfyUI relative to empty");
        float[] square = encode("a [castle] on a hill", "a1111", w);
        float[] squareComfy = encode("a [castle] on a hill", "comfy", w);
        assertFalse(maxDiff(square, squareComfy) < 1e-6, "[castle] is ÷1.1 in A1111, plain text in ComfyUI");
    }
}
