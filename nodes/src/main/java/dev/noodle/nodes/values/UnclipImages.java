package dev.noodle.nodes.values;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.UnclipAdm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The CLIP image embeddings an unCLIPConditioning node puts on a conditioning entry (ComfyUI's
 * {@code unclip_conditioning} list of {clip_vision_output, strength, noise_augmentation}), carried in the entry's
 * extras: per image i, {@code unclip_conditioning.i.image_embeds} [B, D] and {@code unclip_conditioning.i.settings}
 * [strength, noise level]. Every node that keeps an entry's extras keeps them. Stateless.
 */
public final class UnclipImages {
    static final String PREFIX = "unclip_conditioning.";
    private static final String EMBEDS = ".image_embeds";
    private static final String SETTINGS = ".settings";

    private UnclipImages() {}

    /**
     * One applied image.
     *
     * @param embeds [B, D] the CLIP vision output's image embeddings
     * @param strength factor on its vector
     * @param noiseLevel augmentation step 0..999 ({@link UnclipAdm#noiseLevel})
     */
    public record Image(HeapTensor embeds, float strength, int noiseLevel) {}

    /** The entry's images, in the order they were applied (empty when none). */
    public static List<Image> of(ConditioningValue.Entry e) {
        List<Image> out = new ArrayList<>();
        for (int i = 0; e.extras().containsKey(PREFIX + i + EMBEDS); i++) {
            float[] s = e.extras().get(PREFIX + i + SETTINGS).data();
            out.add(new Image(e.extras().get(PREFIX + i + EMBEDS), s[0], Math.round(s[1])));
        }
        return out;
    }

    /** The entry with one more image after those it has. */
    public static ConditioningValue.Entry with(ConditioningValue.Entry e, Image image) {
        int i = of(e).size();
        Map<String, HeapTensor> extras = new HashMap<>(e.extras());
        extras.put(PREFIX + i + EMBEDS, image.embeds());
        extras.put(PREFIX + i + SETTINGS, new HeapTensor(new long[] {2},
                new float[] {image.strength(), image.noiseLevel()}));
        return e.withExtras(extras);
    }

    /** The entry's images as the engine takes them, on {@code m}. */
    public static List<UnclipAdm.Image> toEngine(ConditioningValue.Entry e, NDManager m) {
        List<UnclipAdm.Image> out = new ArrayList<>();
        for (Image img : of(e)) {
            out.add(new UnclipAdm.Image(img.embeds().toNd(m), img.strength(), img.noiseLevel()));
        }
        return out;
    }
}
