package dev.noodle.engine.text;

/**
 * How one text encoder's hidden states are taken, per model family, as ComfyUI defines it: the pad token after the
 * end token, the layer whose output is used, and whether the final layer norm is applied to it. Immutable.
 *
 * <p>{@link #withStopAtLayer} is ComfyUI's {@code CLIPSetLastLayer}: it replaces the layer of every encoder of a
 * model (both of SDXL's) and keeps each encoder's final-norm rule; a layer beyond the encoder's depth falls back to
 * the last layer with the final norm, as ComfyUI's {@code set_clip_options} does.
 *
 * @param padId id that fills positions after the end token (SD1/CLIP-L: the end id 49407; OpenCLIP: 0)
 * @param stopAtLayer -1 = last layer, -2 = penultimate, …
 * @param finalNorm whether the final layer norm is applied to the chosen layer's output
 */
public record ClipEncoding(int padId, int stopAtLayer, boolean finalNorm) {
    /** CLIP's end-of-text id, SD1's padding. */
    public static final int END_ID = 49407;

    public ClipEncoding {
        if (stopAtLayer >= 0) {
            throw new IllegalArgumentException("stopAtLayer must be negative (-1 = last layer), was " + stopAtLayer);
        }
    }

    /** SD 1.x: pad with the end id, last layer, final norm. */
    public static ClipEncoding sd1() {
        return new ClipEncoding(END_ID, -1, true);
    }

    /** SD 2.x OpenCLIP ViT-H: pad 0, penultimate layer, final norm ({@code sd2_clip.py}, layer "penultimate"). */
    public static ClipEncoding sd2() {
        return new ClipEncoding(0, -2, true);
    }

    /** SDXL CLIP-L: pad with the end id, penultimate layer, no final norm. */
    public static ClipEncoding sdxlClipL() {
        return new ClipEncoding(END_ID, -2, false);
    }

    /** SDXL OpenCLIP bigG: pad 0 after the end token, penultimate layer, no final norm. */
    public static ClipEncoding sdxlClipG() {
        return new ClipEncoding(0, -2, false);
    }

    /** ComfyUI {@code CLIPSetLastLayer}: the same encoding taking {@code layer}'s output (-1 = last). */
    public ClipEncoding withStopAtLayer(int layer) {
        return new ClipEncoding(padId, layer, finalNorm);
    }

    /** The (layer, final norm) pair for an encoder of {@code layers} blocks, with ComfyUI's fallback. */
    ClipEncoding resolvedFor(int layers) {
        return -stopAtLayer > layers ? new ClipEncoding(padId, -1, true) : this;
    }
}
