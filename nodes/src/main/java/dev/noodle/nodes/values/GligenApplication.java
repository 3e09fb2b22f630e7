package dev.noodle.nodes.values;

import dev.noodle.engine.gligen.GligenModel;
import dev.noodle.engine.gligen.GligenSource;
import dev.noodle.engine.gligen.GroundedPhrase;
import dev.noodle.engine.unet.TransformerSlot;
import dev.noodle.engine.unet.UNetPatchSource;
import java.util.ArrayList;
import java.util.List;

/**
 * GLIGEN boxes on a conditioning entry (GLIGENTextBoxApply): the model and every phrase with its box, as ComfyUI's
 * {@code ("position", gligen, params)} entry. A later GLIGENTextBoxApply on the same entry replaces this with one
 * holding the earlier phrases and its own. Immutable.
 *
 * @param gligen the loaded GLIGEN model
 * @param phrases the boxes in the order added, at most {@value GligenModel#MAX_OBJECTS}
 */
public record GligenApplication(GligenValue gligen, List<GroundedPhrase> phrases) implements CondPatch {
    public GligenApplication {
        java.util.Objects.requireNonNull(gligen, "gligen");
        phrases = List.copyOf(phrases);
        if (phrases.size() > GligenModel.MAX_OBJECTS) {
            throw new IllegalArgumentException("GLIGEN takes at most " + GligenModel.MAX_OBJECTS
                    + " boxes per conditioning; this one would have " + phrases.size());
        }
    }

    /**
     * The engine source for {@code model}.
     *
     * @throws IllegalArgumentException when the GLIGEN's fusers do not match the model's transformers
     */
    @Override
    public UNetPatchSource source(ModelValue model) {
        return GligenSource.of(gligen.model(), phrases, TransformerSlot.of(model.unet().config()),
                model.family().displayName());
    }

    @Override
    public String describe() {
        return "GLIGEN " + gligen.source() + " with " + phrases.size() + (phrases.size() == 1 ? " box" : " boxes");
    }

    /** The GLIGEN boxes on an entry, or null. */
    public static GligenApplication of(ConditioningValue.Entry e) {
        GligenApplication found = null;
        for (CondPatch p : e.patches()) {
            if (p instanceof GligenApplication g) {
                found = g;
            }
        }
        return found;
    }

    /** The entry with {@code gligen} in place of any GLIGEN boxes it had (other patches kept, in order). */
    public static ConditioningValue.Entry withGligen(ConditioningValue.Entry e, GligenApplication gligen) {
        List<CondPatch> patches = new ArrayList<>();
        for (CondPatch p : e.patches()) {
            if (!(p instanceof GligenApplication)) {
                patches.add(p);
            }
        }
        patches.add(gligen);
        return e.withPatches(patches);
    }

    /**
     * The negative conditioning as ComfyUI samples it (its {@code apply_empty_x_to_equal_area} for {@code gligen}):
     * when no area-less negative entry has GLIGEN boxes, the boxes of each area-less positive entry are given to the
     * area-less negative entries in turn (cycling, a later one replacing an earlier); otherwise the negative is
     * returned as it is.
     */
    public static ConditioningValue sharedWithNegative(ConditioningValue positive, ConditioningValue negative) {
        List<GligenApplication> boxes = new ArrayList<>();
        for (ConditioningValue.Entry e : positive.entries()) {
            GligenApplication g = of(e);
            if (!hasArea(e) && g != null) {
                boxes.add(g);
            }
        }
        if (boxes.isEmpty()) {
            return negative;
        }
        List<Integer> plain = new ArrayList<>();
        for (int i = 0; i < negative.entries().size(); i++) {
            ConditioningValue.Entry e = negative.entries().get(i);
            if (!hasArea(e)) {
                if (of(e) != null) {
                    return negative;
                }
                plain.add(i);
            }
        }
        if (plain.isEmpty()) {
            return negative;
        }
        List<ConditioningValue.Entry> out = new ArrayList<>(negative.entries());
        for (int x = 0; x < boxes.size(); x++) {
            int slot = plain.get(x % plain.size());
            out.set(slot, withGligen(out.get(slot), boxes.get(x)));
        }
        return new ConditioningValue(out);
    }

    // ComfyUI's 'area' key: a cell or fractional area, or a mask whose bounds set one
    private static boolean hasArea(ConditioningValue.Entry e) {
        ConditioningValue.Placement p = e.placement();
        return e.area() != null || p.fractions() != null || p.mask() != null && p.maskBounds();
    }
}
