package dev.noodle.workflows;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunListener;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.validate.Validator;
import dev.noodle.nodes.host.DemoAddons;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.MaskValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The teaching workflow {@code mask-inpaint.json}: its mask, built from Solid Mask, Feather Mask and Mask Composite,
 * has the values worked out by hand below, and the whole inpaint runs (2 steps) and saves its picture.
 */
class MaskInpaintWorkflowTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() throws Exception {
        Path models = tmp.resolve("models");
        DemoAddons.ensure(models);
        nodes = NoodleNodes.create(NodeEnvironment.of(models, tmp.resolve("output")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        if (nodes != null) {
            nodes.close();
        }
    }

    @Test
    void theMaskIsTheFeatheredRegionAndTheInpaintRuns() throws Exception {
        Workflow wf = WorkflowJson.read(Path.of("mask-inpaint.json"), nodes.registry());
        assertEquals(List.of(), new Validator(nodes.registry()).validate(wf));
        RunResult r = executor.run(ExampleWorkflowsTest.small(wf), new RunOptions(Set.of("33", "34", "35", "9"), "mask-inpaint"),
                RunListener.none(), new CancellationToken());
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());

        MaskValue mask = (MaskValue) r.outputs().get("33").value(0);
        assertArrayEquals(new long[] {1, 512, 512}, mask.mask().shape());
        float[] m = mask.mask().data();
        // the 192×160 region sits at x 160, y 200; feathered 24 px per side, as ComfyUI's FeatherMask: column k of
        // the left ramp × (k+1)/24; the right ramp multiplies column "-k" by (k+1)/24, and -0 is column 0, so
        // column 0 takes 1/24 twice and the last column 2/24
        float step = (float) (1.0 / 24);
        assertEquals(0f, at(m, 159, 280), "left of the region");
        assertEquals(0f, at(m, 352, 280), "right of the region");
        assertEquals(0f, at(m, 250, 199), "above the region");
        assertEquals(0f, at(m, 250, 360), "below the region");
        assertEquals(1f, at(m, 160 + 100, 200 + 80), "inside");
        assertEquals(step * step, at(m, 160, 280), "first column");
        assertEquals(0.5f, at(m, 160 + 11, 280), "half-way up the left ramp");
        assertEquals((float) (2.0 / 24), at(m, 160 + 191, 280), "last column");
        assertEquals(0.5f, at(m, 160 + 192 - 11, 280), "half-way up the right ramp: column 192 − k takes (k+1)/24");
        assertEquals(step * step, at(m, 250, 200), "first row");
        assertEquals((float) (2.0 / 24), at(m, 250, 200 + 159), "last row");
        assertEquals(step * step * step * step, at(m, 160, 200), "top-left corner: both ramps twice");
        int masked = 0;
        for (float v : m) {
            masked += v > 0 ? 1 : 0;
        }
        assertEquals(192 * 160, masked, "exactly the region is masked");

        ImageValue shown = (ImageValue) r.outputs().get("34").value(0);
        assertEquals(at(m, 171, 280), shown.pixels().data()[(280 * 512 + 171) * 3 + 1], "the preview shows the mask");
        assertTrue(r.outputs().get("9").ui().get("images") instanceof List<?> saved && saved.size() == 1);
    }

    private static float at(float[] m, int x, int y) {
        return m[y * 512 + x];
    }
}
