package dev.noodle.app.ui.vm;

import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyBooleanWrapper;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The mask editor's state: one image, a mask of the same size (0 = kept, 1 = masked, as ComfyUI's MASK), and a round
 * brush that paints or erases it.
 *
 * <p>A stroke works as a painter's brush with an opacity: its dabs cover each pixel with the strongest dab that
 * reached it ({@code c}), and the stroke blends that coverage over the mask as it was when the stroke began
 * ({@code m + c·(1 − m)} painting, {@code m·(1 − c)} erasing), so overlapping dabs of one stroke never build up past
 * the opacity while a second stroke does. A dab of diameter {@code size} covers a pixel whose centre lies at distance
 * {@code d} from the dab's centre with {@code opacity · f(d)}, where {@code f} is 1 inside {@code hardness · r} and
 * falls linearly to 0 at the radius {@code r = size / 2}.
 *
 * <p>Each stroke, clear and invert is one undo step (the last {@value #UNDO_LIMIT} are kept). Not thread-safe: use
 * from one thread (the FX thread in the app); plain JavaFX properties, so it is tested without the FX toolkit.
 */
public final class MaskEditorViewModel {
    /** Undo steps kept. */
    public static final int UNDO_LIMIT = 30;

    /** What a stroke does to the mask. */
    public enum Mode {
        /** Adds to the mask (the area to change). */
        PAINT,
        /** Removes from the mask. */
        ERASE
    }

    private final int width;
    private final int height;
    private final float[] mask;
    private float[] base;
    private float[] coverage;
    private double lastX;
    private double lastY;
    private final Deque<float[]> undo = new ArrayDeque<>();
    private int dirtyX0 = Integer.MAX_VALUE;
    private int dirtyY0 = Integer.MAX_VALUE;
    private int dirtyX1 = -1;
    private int dirtyY1 = -1;
    private final DoubleProperty size = new SimpleDoubleProperty(this, "size", 32);
    private final DoubleProperty hardness = new SimpleDoubleProperty(this, "hardness", 0.8);
    private final DoubleProperty opacity = new SimpleDoubleProperty(this, "opacity", 1.0);
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(this, "mode", Mode.PAINT);
    private final BooleanProperty dirty = new SimpleBooleanProperty(this, "dirty");
    private final ReadOnlyBooleanWrapper canUndo = new ReadOnlyBooleanWrapper(this, "canUndo");
    private final ReadOnlyLongWrapper version = new ReadOnlyLongWrapper(this, "version");

    /** An empty mask over a {@code width} × {@code height} image. */
    public MaskEditorViewModel(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("the image has no pixels (" + width + "×" + height + ")");
        }
        this.width = width;
        this.height = height;
        this.mask = new float[Math.multiplyExact(width, height)];
    }

    /**
     * The editor for {@code image}; the mask starts as the image's own, {@code 1 − alpha} (a mask saved earlier is
     * edited further, as ComfyUI's editor does), and empty for an opaque image.
     */
    public static MaskEditorViewModel of(BufferedImage image) {
        MaskEditorViewModel vm = new MaskEditorViewModel(image.getWidth(), image.getHeight());
        if (image.getColorModel().hasAlpha()) {
            for (int y = 0; y < vm.height; y++) {
                for (int x = 0; x < vm.width; x++) {
                    vm.mask[y * vm.width + x] = 1f - (image.getRGB(x, y) >>> 24) / 255f;
                }
            }
        }
        return vm;
    }

    /** Starts a stroke with a dab at image coordinates ({@code x}, {@code y}), pixel centres at {@code i + 0.5}. */
    public void beginStroke(double x, double y) {
        if (base != null) {
            endStroke();
        }
        pushUndo();
        base = mask.clone();
        coverage = new float[mask.length];
        lastX = x;
        lastY = y;
        dab(x, y);
        changed();
    }

    /** Continues the stroke to ({@code x}, {@code y}) with dabs a quarter of the brush size apart. */
    public void strokeTo(double x, double y) {
        if (base == null) {
            beginStroke(x, y);
            return;
        }
        double dx = x - lastX;
        double dy = y - lastY;
        double dist = Math.hypot(dx, dy);
        double spacing = Math.max(0.5, brushSize() / 4);
        int n = (int) Math.ceil(dist / spacing);
        for (int i = 1; i <= n; i++) {
            dab(lastX + dx * i / n, lastY + dy * i / n);
        }
        lastX = x;
        lastY = y;
        if (n > 0) {
            changed();
        }
    }

    /** Ends the stroke (it is one undo step). */
    public void endStroke() {
        base = null;
        coverage = null;
    }

    /** Whether a stroke is in progress. */
    public boolean stroking() {
        return base != null;
    }

    private void dab(double cx, double cy) {
        double r = brushSize() / 2;
        double inner = r * Math.max(0, Math.min(1, hardness.get()));
        double alpha = Math.max(0, Math.min(1, opacity.get()));
        int x0 = Math.max(0, (int) Math.floor(cx - r - 0.5));
        int x1 = Math.min(width - 1, (int) Math.ceil(cx + r - 0.5));
        int y0 = Math.max(0, (int) Math.floor(cy - r - 0.5));
        int y1 = Math.min(height - 1, (int) Math.ceil(cy + r - 0.5));
        boolean paint = mode.get() == Mode.PAINT;
        if (x0 <= x1 && y0 <= y1) {
            markDirty(x0, y0, x1, y1);
        }
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
                double f = d <= inner ? 1 : d >= r ? 0 : (r - d) / (r - inner);
                float c = (float) (alpha * f);
                int i = y * width + x;
                if (c <= coverage[i]) {
                    continue;
                }
                coverage[i] = c;
                float m = base[i];
                mask[i] = paint ? m + c * (1 - m) : m * (1 - c);
            }
        }
    }

    private double brushSize() {
        return Math.max(1, size.get());
    }

    /** Empties the mask (one undo step). */
    public void clear() {
        endStroke();
        pushUndo();
        Arrays.fill(mask, 0f);
        markDirty(0, 0, width - 1, height - 1);
        changed();
    }

    /** Swaps masked and kept: every value becomes {@code 1 − m} (one undo step). */
    public void invert() {
        endStroke();
        pushUndo();
        for (int i = 0; i < mask.length; i++) {
            mask[i] = 1f - mask[i];
        }
        markDirty(0, 0, width - 1, height - 1);
        changed();
    }

    /** Goes back one step: the mask as it was before the last stroke, clear or invert. */
    public void undo() {
        endStroke();
        float[] previous = undo.pollLast();
        if (previous != null) {
            System.arraycopy(previous, 0, mask, 0, mask.length);
            canUndo.set(!undo.isEmpty());
            markDirty(0, 0, width - 1, height - 1);
            changed();
        }
    }

    private void pushUndo() {
        undo.addLast(mask.clone());
        while (undo.size() > UNDO_LIMIT) {
            undo.removeFirst();
        }
        canUndo.set(true);
    }

    private void changed() {
        dirty.set(true);
        version.set(version.get() + 1);
    }

    private void markDirty(int x0, int y0, int x1, int y1) {
        dirtyX0 = Math.min(dirtyX0, x0);
        dirtyY0 = Math.min(dirtyY0, y0);
        dirtyX1 = Math.max(dirtyX1, x1);
        dirtyY1 = Math.max(dirtyY1, y1);
    }

    /**
     * A region holding every pixel changed since the last call, as {@code {x, y, width, height}}, or null when none;
     * the view redraws only that. Resets the region.
     */
    public int[] takeDirty() {
        if (dirtyX1 < 0) {
            return null;
        }
        int[] r = {dirtyX0, dirtyY0, dirtyX1 - dirtyX0 + 1, dirtyY1 - dirtyY0 + 1};
        dirtyX0 = Integer.MAX_VALUE;
        dirtyY0 = Integer.MAX_VALUE;
        dirtyX1 = -1;
        dirtyY1 = -1;
        return r;
    }

    /** The mask value at pixel ({@code x}, {@code y}). */
    public float maskAt(int x, int y) {
        return mask[y * width + x];
    }

    /** A copy of the mask, row-major, {@code width · height} values in [0, 1]. */
    public float[] mask() {
        return mask.clone();
    }

    /**
     * The mask as an overlay: premultiplied-free ARGB pixels of {@code rgb} whose alpha is {@code strength · m}, for
     * drawing over the image.
     */
    public int[] overlay(int rgb, double strength) {
        return overlay(rgb, strength, new int[] {0, 0, width, height});
    }

    /** As {@link #overlay(int, double)} for the region {@code {x, y, width, height}} only, row by row. */
    public int[] overlay(int rgb, double strength, int[] region) {
        int rw = region[2];
        int rh = region[3];
        int[] px = new int[rw * rh];
        for (int y = 0; y < rh; y++) {
            int row = (region[1] + y) * width + region[0];
            for (int x = 0; x < rw; x++) {
                int a = (int) Math.round(255 * strength * mask[row + x]);
                px[y * rw + x] = a << 24 | (rgb & 0xFFFFFF);
            }
        }
        return px;
    }

    /** Image width in pixels. */
    public int width() {
        return width;
    }

    /** Image height in pixels. */
    public int height() {
        return height;
    }

    /** The brush diameter in image pixels. */
    public DoubleProperty sizeProperty() {
        return size;
    }

    /** 1 for a hard edge, 0 for a brush that fades from its centre. */
    public DoubleProperty hardnessProperty() {
        return hardness;
    }

    /** The most a stroke changes the mask, 0..1. */
    public DoubleProperty opacityProperty() {
        return opacity;
    }

    /** Paint or erase. */
    public ObjectProperty<Mode> modeProperty() {
        return mode;
    }

    /** True once the mask was changed (so closing asks before losing it); the view resets it after saving. */
    public BooleanProperty dirtyProperty() {
        return dirty;
    }

    /** Whether there is a step to undo. */
    public ReadOnlyBooleanProperty canUndoProperty() {
        return canUndo.getReadOnlyProperty();
    }

    /** Counts changes to the mask; the view redraws its overlay when it moves. */
    public ReadOnlyLongProperty versionProperty() {
        return version.getReadOnlyProperty();
    }
}
