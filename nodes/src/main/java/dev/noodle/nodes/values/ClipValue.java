package dev.noodle.nodes.values;

import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.ClipTokenizer;
import dev.noodle.graph.node.ReleasableValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP wire value: a text encoder with its tokenizer, its encoding conventions (pad token, the layer to stop
 * at — ComfyUI's stop_at_clip_layer: −1 = last, −2 = penultimate = A1111 clip skip 2 — and final norm) and
 * patches. For SDXL it carries both encoders: {@code clip} is CLIP-L and {@code clip2} OpenCLIP bigG; the layer in
 * {@code encoding} applies to both, as ComfyUI's CLIPSetLastLayer does. Immutable.
 *
 * @param clip the text encoder (SDXL: CLIP-L)
 * @param encoding the conventions of {@code clip}; SDXL's bigG uses {@link #encoding2()}
 * @param clip2 SDXL's OpenCLIP bigG, null for SD 1.x / 2.x
 * @param recipe where the weights came from (the loaded file, or the merges that made them), or null when unknown
 * @param lazyClip {@code clip} when it is not in memory yet ({@code clip} is then null), made on first use; null
 *     for an encoder in memory
 * @param lazyClip2 likewise for {@code clip2}
 */
public record ClipValue(ModelValue.Hold hold, ClipTextModel clip, ClipTokenizer tokenizer, ClipEncoding encoding,
        ModelFamily family, List<String> patches, AutoCloseable owned, ClipTextModel clip2, ModelRecipe recipe,
        LazyPart<ClipTextModel> lazyClip, LazyPart<ClipTextModel> lazyClip2)
        implements ReleasableValue {
    public ClipValue {
        patches = List.copyOf(patches);
    }

    /** Encoders in memory. */
    public ClipValue(ModelValue.Hold hold, ClipTextModel clip, ClipTokenizer tokenizer, ClipEncoding encoding,
            ModelFamily family, List<String> patches, AutoCloseable owned, ClipTextModel clip2, ModelRecipe recipe) {
        this(hold, clip, tokenizer, encoding, family, patches, owned, clip2, recipe, null, null);
    }

    /** The text encoder (SDXL: CLIP-L); a lazy one is made on the first call. */
    @Override
    public ClipTextModel clip() {
        return clip != null || lazyClip == null ? clip : lazyClip.get();
    }

    /** SDXL's bigG, null for single-encoder families; a lazy one is made on the first call. */
    @Override
    public ClipTextModel clip2() {
        return clip2 != null || lazyClip2 == null ? clip2 : lazyClip2.get();
    }

    /** A value of unknown origin. */
    public ClipValue(ModelValue.Hold hold, ClipTextModel clip, ClipTokenizer tokenizer, ClipEncoding encoding,
            ModelFamily family, List<String> patches, AutoCloseable owned, ClipTextModel clip2) {
        this(hold, clip, tokenizer, encoding, family, patches, owned, clip2, null);
    }

    /** A single-encoder value (SD 1.x / 2.x). */
    public ClipValue(ModelValue.Hold hold, ClipTextModel clip, ClipTokenizer tokenizer, ClipEncoding encoding,
            ModelFamily family, List<String> patches, AutoCloseable owned) {
        this(hold, clip, tokenizer, encoding, family, patches, owned, null, null);
    }

    /** Whether this is SDXL's pair of encoders. */
    public boolean dual() {
        return clip2 != null || lazyClip2 != null;
    }

    /** SDXL bigG's conventions (pad 0, no final norm) at this value's layer. */
    public ClipEncoding encoding2() {
        return ClipEncoding.sdxlClipG().withStopAtLayer(encoding.stopAtLayer());
    }

    /** The deepest layer CLIPSetLastLayer may name (the deeper encoder's; ComfyUI falls back to the last). */
    public int maxLayers() {
        return dual() ? Math.max(clip().config().layers(), clip2().config().layers()) : clip().config().layers();
    }

    /** CLIPSetLastLayer: the same encoder(s) stopping at another layer. */
    public ClipValue withStopAtLayer(int layer) {
        return new ClipValue(hold.retain(), clip, tokenizer, encoding.withStopAtLayer(layer), family, patches,
                SharedRef.retainOwned(owned), clip2, recipe, lazyClip, lazyClip2);
    }

    /** A patched encoder (LoRA); {@code newOwned} must keep alive whatever it shares with this value. */
    public ClipValue withClip(ClipTextModel patched, String note, AutoCloseable newOwned) {
        return withClip(patched, note, newOwned, recipe);
    }

    /** As {@link #withClip(ClipTextModel, String, AutoCloseable)}, the weights now made by {@code newRecipe}. */
    public ClipValue withClip(ClipTextModel patched, String note, AutoCloseable newOwned, ModelRecipe newRecipe) {
        List<String> p = new ArrayList<>(patches);
        p.add(note);
        return new ClipValue(hold.retain(), patched, tokenizer, encoding, family, p, newOwned, clip2(), newRecipe);
    }

    /** Both SDXL encoders patched (LoRA {@code lora_te1_}/{@code lora_te2_}) sharing this one's hold. */
    public ClipValue withClips(ClipTextModel patched, ClipTextModel patched2, String note, AutoCloseable newOwned) {
        List<String> p = new ArrayList<>(patches);
        p.add(note);
        return new ClipValue(hold.retain(), patched, tokenizer, encoding, family, p, newOwned, patched2, recipe);
    }

    @Override
    public long sizeBytes() {
        return 0; // counted with the MODEL of the same checkpoint
    }

    @Override
    public void release() {
        hold.release();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public String toString() {
        return "CLIP: the " + family + " text encoder" + (dual() ? "s (CLIP-L + bigG)" : "") + ", stopping at layer " + encoding.stopAtLayer()
                + (patches.isEmpty() ? "" : " with " + String.join(", ", patches));
    }
}
