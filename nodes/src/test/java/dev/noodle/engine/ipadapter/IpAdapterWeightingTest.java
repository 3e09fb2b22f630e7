package dev.noodle.engine.ipadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pack's weight types per transformer index (IPAdapterPlus.py {@code ipadapter_execute}'s tables and
 * CrossAttentionPatch.py's formulas): which of SD 1.5's 16 and SDXL's 11 SpatialTransformers each type acts on, and
 * with what weight.
 */
class IpAdapterWeightingTest {
    // Transformer indices where the type acts (kind "input" for every index: only the weak/strong types read it).
    static List<Integer> acting(String type, int layers, boolean sdxl) {
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < layers; t++) {
            if (IpAdapterWeighting.weightAt(type, 1f, 1f, t, "input", layers, sdxl) != null) {
                out.add(t);
            }
        }
        return out;
    }

    @Test
    void styleAndCompositionLayersAreThePacks() {
        assertEquals(List.of(6), acting("style transfer", 11, true), "SDXL: up_blocks.0.attentions.1");
        assertEquals(List.of(3), acting("composition", 11, true), "SDXL: down_blocks.2.attentions.1");
        assertEquals(List.of(0, 1, 2, 3, 9, 10, 11, 12, 13, 14, 15), acting("style transfer", 16, false));
        assertEquals(List.of(4, 5), acting("composition", 16, false));
        assertEquals(0.25f, IpAdapterWeighting.weightAt("composition", 1f, 1f, 4, "input", 16, false));
        assertEquals(List.of(0, 1, 2, 4, 5, 6, 7, 8, 9, 10), acting("strong style transfer", 11, true));
        assertEquals(List.of(3, 6), acting("style and composition", 11, true));
        assertEquals(0.5f, IpAdapterWeighting.weightAt("style and composition", 2f, 0.5f, 3, "input", 11, true));
        assertEquals(0.2f, IpAdapterWeighting.weightAt("composition precise", 2f, 2f, 0, "input", 11, true), 1e-6);
        assertNull(IpAdapterWeighting.weightAt("style transfer", 1f, 1f, 7, "output", 16, false));
    }

    @Test
    void formulasAndSwapsAreThePacks() {
        assertEquals(1f, IpAdapterWeighting.weightAt("ease in", 1f, 1f, 0, "input", 16, false));
        assertEquals(0.05f + 0.95f * 0.5f, IpAdapterWeighting.weightAt("ease out", 1f, 1f, 8, "output", 16, false),
                1e-6);
        assertEquals(0.05f, IpAdapterWeighting.weightAt("ease in-out", 1f, 1f, 0, "input", 16, false), 1e-6);
        assertEquals(1f, IpAdapterWeighting.weightAt("reverse in-out", 1f, 1f, 0, "input", 16, false), 1e-6);
        assertEquals(0.2f, IpAdapterWeighting.weightAt("weak input", 1f, 1f, 0, "input", 16, false), 1e-6);
        assertEquals(1f, IpAdapterWeighting.weightAt("weak input", 1f, 1f, 9, "output", 16, false));
        assertEquals(0.2f, IpAdapterWeighting.weightAt("strong middle", 1f, 1f, 9, "output", 16, false), 1e-6);
        assertTrue(IpAdapterWeighting.swapped("style transfer precise", 3, 11));
        assertTrue(!IpAdapterWeighting.swapped("style transfer precise", 6, 11));
        assertTrue(IpAdapterWeighting.swapped("composition precise", 6, 11));
        assertTrue(IpAdapterWeighting.swapped("style transfer precise", 5, 16));
        assertTrue(!IpAdapterWeighting.swapped("linear", 5, 16));
        assertEquals("ease out", IpAdapterWeighting.fromSimple("prompt is more important"));
        assertEquals("style transfer", IpAdapterWeighting.fromSimple("style transfer"));
        assertEquals("linear", IpAdapterWeighting.fromSimple("standard"));
        assertThrows(IllegalArgumentException.class,
                () -> IpAdapterWeighting.weightAt("sideways", 1f, 1f, 0, "input", 16, false));
    }
}
