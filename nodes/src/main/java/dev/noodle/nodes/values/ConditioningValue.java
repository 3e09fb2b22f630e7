package dev.noodle.nodes.values;

import dev.noodle.engine.diffusion.LatentArea;
import java.util.ArrayList;
import java.util.List;

/**
 * The CONDITIONING wire value, as ComfyUI's list of [cond, {pooled_output, area, strength, …}] entries.
 *
 * @param entries one or more entries (ConditioningCombine concatenates lists)
 */
public record ConditioningValue(List<Entry> entries) {
    /**
     * One entry.
     *
     * @param context [1, T, D] text-encoder states
     * @param pooled [1, P] pooled output, or null
     * @param strength weight where it applies
     * @param area latent-cell rectangle, or null for everywhere
     * @param extras extra conditioning (e.g. inpainting "concat_latent_image", "concat_mask"), may be empty
     */
    public record Entry(HeapTensor context, HeapTensor pooled, float strength, LatentArea area,
            java.util.Map<String, HeapTensor> extras) {
        public Entry {
            extras = java.util.Map.copyOf(extras);
        }
    }

    public ConditioningValue {
        entries = List.copyOf(entries);
    }

    /** Both lists, this one first (ConditioningCombine). */
    public ConditioningValue plus(ConditioningValue other) {
        List<Entry> all = new ArrayList<>(entries);
        all.addAll(other.entries);
        return new ConditioningValue(all);
    }

    @Override
    public String toString() {
        Entry e = entries.get(0);
        return "CONDITIONING " + entries.size() + " entr" + (entries.size() == 1 ? "y" : "ies") + ", tokens "
                + e.context().dim(1) + " × " + e.context().dim(2);
    }
}
