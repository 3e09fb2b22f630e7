package dev.noodle.engine.gligen;

/**
 * One GLIGEN grounding input: a phrase's text embedding and the box it should fill, in latent cells (pixels / 8,
 * rounded down, as ComfyUI's {@code GLIGENTextBoxApply} stores them). The box is normalised by the latent's size
 * when a UNet call runs, so it may extend past the latent (it is not clipped). Immutable; the embedding array is
 * not copied and must not be changed.
 *
 * @param embedding the phrase's pooled CLIP text output (unprojected), {@code [textDim]}
 * @param x left edge in latent cells
 * @param y top edge in latent cells
 * @param width width in latent cells
 * @param height height in latent cells
 */
public record GroundedPhrase(float[] embedding, int x, int y, int width, int height) {
    public GroundedPhrase {
        if (embedding == null || embedding.length == 0) {
            throw new IllegalArgumentException("a grounded phrase needs a text embedding");
        }
    }

    /** The box as ComfyUI's {@code set_position} gives it: (x1, y1, x2, y2) as fractions of a w×h latent. */
    public float[] box(long latentHeight, long latentWidth) {
        // Python divides in double precision; torch.tensor then rounds to float32
        return new float[] {(float) ((double) x / latentWidth), (float) ((double) y / latentHeight),
                (float) ((double) (x + width) / latentWidth), (float) ((double) (y + height) / latentHeight)};
    }
}
