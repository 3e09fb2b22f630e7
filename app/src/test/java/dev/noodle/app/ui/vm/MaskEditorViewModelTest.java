package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The mask editor's brush (exact values for hard and soft dabs, strokes, erase, undo) and its clipspace file. */
class MaskEditorViewModelTest {
    @TempDir Path dir;

    private static MaskEditorViewModel brush(int w, int h, double size, double hardness, double opacity) {
        MaskEditorViewModel vm = new MaskEditorViewModel(w, h);
        vm.sizeProperty().set(size);
        vm.hardnessProperty().set(hardness);
        vm.opacityProperty().set(opacity);
        return vm;
    }

    private static String picture(MaskEditorViewModel vm) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < vm.height(); y++) {
            for (int x = 0; x < vm.width(); x++) {
                float m = vm.maskAt(x, y);
                sb.append(m == 1f ? '#' : m == 0f ? '.' : '?');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void aHardDabCoversThePixelsWhoseCentresLieWithinItsRadius() {
        MaskEditorViewModel vm = brush(10, 8, 4, 1, 1);
        vm.beginStroke(5, 5);
        vm.endStroke();
        // radius 2 around (5, 5): centres (x + .5, y + .5) at distance ≤ 2 — 12 pixels, the corners of the 4×4 out
        assertEquals("""
                ..........
                ..........
                ..........
                ....##....
                ...####...
                ...####...
                ....##....
                ..........
                """, picture(vm));
        // the view redraws the dab's square only, once
        assertArrayEquals(new int[] {2, 2, 6, 6}, vm.takeDirty());
        assertEquals(null, vm.takeDirty());
        int[] region = vm.overlay(0xFF0000, 1, new int[] {2, 2, 6, 6});
        assertEquals(0x00FF0000, region[0], "(2, 2): unmasked, transparent");
        assertEquals(0xFFFF0000, region[6 + 2], "(4, 3): masked, opaque");
        vm.clear();
        assertArrayEquals(new int[] {0, 0, 10, 8}, vm.takeDirty());
    }

    @Test
    void aSoftDabFallsOffLinearlyAndAStrokeNeverBuildsUpPastItsOpacity() {
        MaskEditorViewModel vm = brush(9, 1, 8, 0.5, 0.5);
        vm.beginStroke(4.5, 0.5);
        // r = 4: full strength within 2 of the centre, linear to 0 at 4; opacity 0.5
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.25f, 0}, vm.mask());
        // on to 6.5 and back (dabs 2 px apart: at 6.5, then 4.5 again): each pixel keeps its best dab, never more
        vm.strokeTo(6.5, 0.5);
        vm.strokeTo(4.5, 0.5);
        vm.endStroke();
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, vm.mask());
        // a second stroke blends over the first: m + c·(1 − m)
        vm.beginStroke(4.5, 0.5);
        vm.endStroke();
        assertArrayEquals(new float[] {0, 0.4375f, 0.75f, 0.75f, 0.75f, 0.75f, 0.75f, 0.625f, 0.5f}, vm.mask());
    }

    @Test
    void eraseScalesTheMaskDownAndUndoRestoresEachStepExactly() {
        MaskEditorViewModel vm = brush(5, 1, 1, 1, 1);
        vm.beginStroke(0.5, 0.5);
        vm.strokeTo(4.5, 0.5); // dabs 0.5 apart along the row: every pixel
        vm.endStroke();
        assertArrayEquals(new float[] {1, 1, 1, 1, 1}, vm.mask());
        float[] painted = vm.mask();

        vm.modeProperty().set(MaskEditorViewModel.Mode.ERASE);
        vm.opacityProperty().set(0.25);
        vm.beginStroke(2.5, 0.5);
        vm.endStroke();
        assertArrayEquals(new float[] {1, 1, 0.75f, 1, 1}, vm.mask());
        vm.beginStroke(2.5, 0.5);
        vm.endStroke();
        assertArrayEquals(new float[] {1, 1, 0.5625f, 1, 1}, vm.mask());

        vm.invert();
        assertArrayEquals(new float[] {0, 0, 0.4375f, 0, 0}, vm.mask());
        vm.clear();
        assertArrayEquals(new float[5], vm.mask());

        vm.undo();
        assertArrayEquals(new float[] {0, 0, 0.4375f, 0, 0}, vm.mask());
        vm.undo();
        assertArrayEquals(new float[] {1, 1, 0.5625f, 1, 1}, vm.mask());
        vm.undo();
        vm.undo();
        assertArrayEquals(painted, vm.mask());
        assertTrue(vm.canUndoProperty().get());
        vm.undo();
        assertArrayEquals(new float[5], vm.mask());
        assertFalse(vm.canUndoProperty().get());
        vm.undo(); // nothing left: no change
        assertArrayEquals(new float[5], vm.mask());
    }

    @Test
    void theMaskStartsFromTheImagesAlphaAndTheOverlayShowsIt() {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(0, 0, 0xFF102030);
        img.setRGB(1, 0, 0x33102030); // alpha 51: mask 1 − 51/255 = 0.8
        MaskEditorViewModel vm = MaskEditorViewModel.of(img);
        assertEquals(0f, vm.maskAt(0, 0));
        assertEquals(0.8f, vm.maskAt(1, 0), 1e-6f);
        assertArrayEquals(new int[] {0x00FF0000, Math.round(255 * 0.5f * 0.8f) << 24 | 0xFF0000},
                vm.overlay(0xFF0000, 0.5));
        BufferedImage opaque = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        assertArrayEquals(new float[2], MaskEditorViewModel.of(opaque).mask());
    }

    @Test
    void theClipspaceFileKeepsThePixelsAndHoldsOneMinusTheMaskInItsAlpha() throws Exception {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        int[] rgb = {0x102030, 0xFF0000, 0x00FF7F, 0x808080, 0x010203, 0xFFFFFF};
        for (int i = 0; i < 6; i++) {
            img.setRGB(i % 3, i / 3, rgb[i]);
        }
        float[] mask = {0, 1, 0.5f, 0.2f, 0, 1};
        MaskClipspace.Saved saved = MaskClipspace.save(dir, img, mask, 77);
        assertEquals(dir.resolve("clipspace/clipspace-mask-77.png"), saved.file());
        assertEquals("clipspace/clipspace-mask-77.png [input]", saved.widgetValue());
        BufferedImage back = ImageIO.read(saved.file().toFile());
        assertTrue(back.getColorModel().hasAlpha());
        int[] alpha = {255, 0, 128, 204, 255, 0};
        for (int i = 0; i < 6; i++) {
            int px = back.getRGB(i % 3, i / 3);
            assertEquals(rgb[i], px & 0xFFFFFF, "pixel " + i + " keeps its colour, transparent or not");
            assertEquals(alpha[i], px >>> 24, "pixel " + i);
        }
        // the same stamp again: the next free number, never an overwrite
        assertEquals("clipspace/clipspace-mask-78.png [input]", MaskClipspace.save(dir, img, mask, 77).widgetValue());
        try (var files = Files.list(dir.resolve("clipspace"))) {
            assertEquals(2, files.count(), "no temporary file is left behind");
        }
        // reopened in the editor, the mask is back (to 1/255)
        MaskEditorViewModel vm = MaskEditorViewModel.of(back);
        for (int i = 0; i < 6; i++) {
            assertEquals(mask[i], vm.maskAt(i % 3, i / 3), 0.51f / 255);
        }
        assertThrows(IllegalArgumentException.class, () -> MaskClipspace.withMask(img, new float[5]));
    }
}
