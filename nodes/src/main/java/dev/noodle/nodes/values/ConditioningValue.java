package dev.noodle.nodes.values;

import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.diffusion.LatentArea;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        /** SDXL's size parameters, by the ComfyUI names under which they travel in the extras. */
        private static final List<String> SIZE_PARAMS = List.of(AdmConditioning.WIDTH, AdmConditioning.HEIGHT,
                AdmConditioning.CROP_W, AdmConditioning.CROP_H, AdmConditioning.TARGET_WIDTH,
                AdmConditioning.TARGET_HEIGHT, AdmConditioning.AESTHETIC_SCORE);

        public Entry {
            extras = java.util.Map.copyOf(extras);
        }

        /**
         * An entry of encoded text that applies everywhere at strength 1, with these SDXL size parameters (may be
         * empty).
         */
        public static Entry ofText(HeapTensor context, HeapTensor pooled, Map<String, Double> sizeParams) {
            Map<String, HeapTensor> extras = new LinkedHashMap<>();
            sizeParams.forEach((k, v) -> {
                if (!SIZE_PARAMS.contains(k)) {
                    throw new IllegalArgumentException("'" + k + "' is not a size parameter; use one of "
                            + SIZE_PARAMS);
                }
                extras.put(k, new HeapTensor(new long[] {1}, new float[] {v.floatValue()}));
            });
            return new Entry(context, pooled, 1f, null, extras);
        }

        /**
         * The SDXL size parameters stored in the extras, by ComfyUI name ({@link AdmConditioning}); empty when none,
         * and then the sampler uses the latent's size.
         */
        public Map<String, Double> sizeParams() {
            Map<String, Double> p = new LinkedHashMap<>();
            for (String k : SIZE_PARAMS) {
                HeapTensor t = extras.get(k);
                if (t != null) {
                    p.put(k, (double) t.data()[0]);
                }
            }
            return p;
        }

        /** This entry restricted to a latent-cell rectangle at a strength (ConditioningSetArea). */
        public Entry withArea(LatentArea rect, float weight) {
            return new Entry(context, pooled, weight, rect, extras);
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
