package dev.noodle.nodes.conditioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.nodes.values.ClipVisionOutputValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.UnclipImages;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** unCLIPConditioning records ComfyUI's unclip_conditioning list on every entry. */
class UnclipConditioningTest {
    private static ClipVisionOutputValue vision(float v) {
        HeapTensor hidden = new HeapTensor(new long[] {1, 2, 4}, new float[8]);
        return new ClipVisionOutputValue(hidden, new HeapTensor(new long[] {1, 3}, new float[] {v, v, v}), hidden,
                "tower.safetensors");
    }

    @Test
    void chainedNodesAppendTheirImagesToEveryEntry() throws Exception {
        UnclipNodes.UnclipConditioning node = new UnclipNodes.UnclipConditioning();
        ConditioningValue c = ControlNetApplyTest.cond(1f, 2);
        ConditioningValue one = (ConditioningValue) ControlNetApplyTest.run(node, Map.of("conditioning", c,
                "clip_vision_output", vision(1f), "strength", 0.5, "noise_augmentation", 0.30000000000000016)).get(0);
        ConditioningValue two = (ConditioningValue) ControlNetApplyTest.run(node, Map.of("conditioning", one,
                "clip_vision_output", vision(2f), "strength", -1.25, "noise_augmentation", 1.0)).get(0);
        assertEquals(2, two.entries().size());
        for (int i = 0; i < 2; i++) {
            ConditioningValue.Entry e = two.entries().get(i);
            List<UnclipImages.Image> images = UnclipImages.of(e);
            assertEquals(2, images.size());
            assertEquals(0.5f, images.get(0).strength());
            assertEquals(300, images.get(0).noiseLevel()); // round(999 · 0.3)
            assertEquals(1f, images.get(0).embeds().data()[0]);
            assertEquals(-1.25f, images.get(1).strength());
            assertEquals(999, images.get(1).noiseLevel());
            assertEquals(2f, images.get(1).embeds().data()[0]);
            assertSame(c.entries().get(i).context(), e.context(), "the prompt itself is kept");
        }
        assertTrue(UnclipImages.of(c.entries().get(0)).isEmpty(), "the input is not changed");
    }

    @Test
    void zeroStrengthLeavesTheConditioningAsItIs() throws Exception {
        ConditioningValue c = ControlNetApplyTest.cond(1f, 1);
        Object out = ControlNetApplyTest.run(new UnclipNodes.UnclipConditioning(), Map.of("conditioning", c,
                "clip_vision_output", vision(1f), "strength", 0.0, "noise_augmentation", 0.5)).get(0);
        assertSame(c, out);
    }
}
