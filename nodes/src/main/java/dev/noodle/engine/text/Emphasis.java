package dev.noodle.engine.text;

/** How prompt weights act on the text encoder's hidden states. */
public enum Emphasis {
    /** ComfyUI: z' = (z − z_empty)·w + z_empty at each weighted position, z_empty from the empty prompt. */
    COMFY,
    /**
     * AUTOMATIC1111 "Original": z' = z·w per position, then each chunk is rescaled by mean(z) / mean(z·w) so its
     * mean is unchanged ({@code sd_emphasis.EmphasisOriginal}).
     */
    A1111
}
