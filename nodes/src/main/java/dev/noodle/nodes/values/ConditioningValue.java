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
     * @param placement the fractional area, mask and timestep range, if any ({@link Placement#NONE})
     * @param patches what the entry adds inside the UNet (ControlNets, T2I adapters, GLIGEN), in the order applied
     */
    public record Entry(HeapTensor context, HeapTensor pooled, float strength, LatentArea area,
            java.util.Map<String, HeapTensor> extras, Placement placement, List<CondPatch> patches) {
        /** SDXL's size parameters, by the ComfyUI names under which they travel in the extras. */
        private static final List<String> SIZE_PARAMS = List.of(AdmConditioning.WIDTH, AdmConditioning.HEIGHT,
                AdmConditioning.CROP_W, AdmConditioning.CROP_H, AdmConditioning.TARGET_WIDTH,
                AdmConditioning.TARGET_HEIGHT, AdmConditioning.AESTHETIC_SCORE);

        public Entry {
            extras = java.util.Map.copyOf(extras);
            java.util.Objects.requireNonNull(placement, "placement");
            patches = List.copyOf(patches);
        }

        /** An entry without UNet patches. */
        public Entry(HeapTensor context, HeapTensor pooled, float strength, LatentArea area,
                Map<String, HeapTensor> extras, Placement placement) {
            this(context, pooled, strength, area, extras, placement, List.of());
        }

        /** An entry without fractional area, mask or timestep range. */
        public Entry(HeapTensor context, HeapTensor pooled, float strength, LatentArea area,
                Map<String, HeapTensor> extras) {
            this(context, pooled, strength, area, extras, Placement.NONE);
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

        /**
         * This entry restricted to a latent-cell rectangle at a strength (ConditioningSetArea; as ComfyUI, it also
         * replaces a fractional area and turns off a mask's "mask bounds").
         */
        public Entry withArea(LatentArea rect, float weight) {
            return new Entry(context, pooled, weight, rect, extras,
                    placement.with(null, placement.mask(), placement.maskStrength(), false), patches);
        }

        /** This entry restricted to a rectangle given as fractions of the latent (ConditioningSetAreaPercentage). */
        public Entry withAreaFractions(AreaFractions fractions, float weight) {
            return new Entry(context, pooled, weight, null, extras,
                    placement.with(fractions, placement.mask(), placement.maskStrength(), false), patches);
        }

        /** This entry at another strength (ConditioningSetAreaStrength). */
        public Entry withStrength(float weight) {
            return new Entry(context, pooled, weight, area, extras, placement, patches);
        }

        /**
         * This entry weighted per pixel by a mask (ConditioningSetMask).
         *
         * @param mask [B, H, W] or [H, W], any size (resized to the latent when sampling)
         * @param maskStrength factor on the mask
         * @param bounds restrict the entry to the mask's bounding box ("mask bounds")
         */
        public Entry withMask(HeapTensor mask, float maskStrength, boolean bounds) {
            return new Entry(context, pooled, strength, area, extras,
                    placement.with(placement.fractions(), mask, maskStrength, bounds), patches);
        }

        /** This entry applied only from {@code start} to {@code end} of the schedule (ConditioningSetTimestepRange). */
        public Entry withTimestepRange(double start, double end) {
            return new Entry(context, pooled, strength, area, extras,
                    new Placement(placement.fractions(), placement.mask(), placement.maskStrength(),
                            placement.maskBounds(), start, end), patches);
        }

        /** This entry with other text-encoder states and pooled output, everything else kept. */
        public Entry withContext(HeapTensor newContext, HeapTensor newPooled) {
            return new Entry(newContext, newPooled, strength, area, extras, placement, patches);
        }

        /** This entry with other extras, everything else kept. */
        public Entry withExtras(Map<String, HeapTensor> newExtras) {
            return new Entry(context, pooled, strength, area, newExtras, placement, patches);
        }

        /** This entry with one more UNet patch, after those it has (a chained ControlNet adds to the previous). */
        public Entry withPatch(CondPatch patch) {
            List<CondPatch> all = new ArrayList<>(patches);
            all.add(patch);
            return new Entry(context, pooled, strength, area, extras, placement, all);
        }

        /** This entry with these UNet patches instead of its own. */
        public Entry withPatches(List<CondPatch> newPatches) {
            return new Entry(context, pooled, strength, area, extras, placement, newPatches);
        }
    }

    /**
     * A rectangle as fractions of the latent's size, resolved when sampling (ComfyUI's "percentage" area).
     *
     * @param x left
     * @param y top
     * @param width width
     * @param height height
     */
    public record AreaFractions(double x, double y, double width, double height) {}

    /**
     * Where and when an entry applies beyond its cell rectangle: ComfyUI's percentage {@code area}, {@code mask},
     * {@code mask_strength}, {@code set_area_to_bounds} and {@code start_percent}/{@code end_percent}.
     *
     * @param fractions the fractional area, or null
     * @param mask [B, H, W] per-pixel weight, or null
     * @param maskStrength factor on the mask
     * @param maskBounds restrict the entry to the mask's bounding box
     * @param start fraction of the schedule from which the entry applies (0 = first step)
     * @param end fraction of the schedule up to which it applies (1 = last step)
     */
    public record Placement(AreaFractions fractions, HeapTensor mask, float maskStrength, boolean maskBounds,
            double start, double end) {
        /** No fractional area, no mask, the whole schedule. */
        public static final Placement NONE = new Placement(null, null, 1f, false, 0.0, 1.0);

        Placement with(AreaFractions f, HeapTensor m, float ms, boolean bounds) {
            return new Placement(f, m, ms, bounds, start, end);
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
