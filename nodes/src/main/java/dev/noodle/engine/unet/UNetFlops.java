package dev.noodle.engine.unet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Floating-point operations of one UNet forward pass, counted from the {@link UNetLayout} the forward pass runs:
 * every convolution, every linear layer and the two matrix products of every attention (Q·Kᵀ and softmax·V), at
 * two operations per multiply-add. Normalisations, activations, softmax and additions are left out (they are a
 * few per cent and not matrix work). This is what "fraction of the GEMM peak" divides by. Stateless.
 */
public final class UNetFlops {
    private UNetFlops() {}

    /**
     * FLOPs of one forward pass.
     *
     * @param batch images in the batch (2 for a CFG step)
     * @param height latent height (image height / 8)
     * @param width latent width
     * @param contextTokens cross-attention context length (77 per CLIP chunk)
     */
    public static double forward(UNetConfig c, int batch, int height, int width, int contextTokens) {
        if (batch < 1 || height < 1 || width < 1 || contextTokens < 1) {
            throw new IllegalArgumentException("batch, latent size and context length must be ≥ 1, got " + batch
                    + ", " + height + "×" + width + ", " + contextTokens);
        }
        UNetLayout layout = UNetLayout.of(c);
        double macs = 0;
        int te = c.timeEmbedDim();
        macs += (double) c.modelChannels() * te + (double) te * te; // time_embed
        if (c.hasLabelEmbedding()) {
            macs += (double) c.admInChannels() * te + (double) te * te; // label_emb
        }
        macs *= batch;
        long[] hw = {height, width};
        Deque<long[]> skips = new ArrayDeque<>();
        for (List<UNetLayout.Part> block : layout.input()) {
            for (UNetLayout.Part p : block) {
                macs += batch * parts(p, hw, null, c, contextTokens);
            }
            skips.push(hw.clone());
        }
        for (UNetLayout.Part p : layout.middle()) {
            macs += batch * parts(p, hw, null, c, contextTokens);
        }
        for (List<UNetLayout.Part> block : layout.output()) {
            skips.pop();
            long[] next = skips.peek();
            for (UNetLayout.Part p : block) {
                macs += batch * parts(p, hw, next, c, contextTokens);
            }
        }
        macs += batch * conv(hw, c.modelChannels(), c.outChannels(), 3); // out.2
        return 2 * macs;
    }

    // multiply-adds of one part for one image; updates hw when the part changes the spatial size
    private static double parts(UNetLayout.Part part, long[] hw, long[] upTo, UNetConfig c, int tokens) {
        return switch (part) {
            case UNetLayout.Conv cv -> conv(hw, cv.in(), cv.out(), 3);
            case UNetLayout.Res r -> conv(hw, r.in(), r.out(), 3) + (double) c.timeEmbedDim() * r.out()
                    + conv(hw, r.out(), r.out(), 3) + (r.in() != r.out() ? conv(hw, r.in(), r.out(), 1) : 0);
            case UNetLayout.Transformer t -> transformer(t, (double) hw[0] * hw[1], c.contextDim(), tokens);
            case UNetLayout.Down d -> {
                hw[0] = (hw[0] + 1) / 2;
                hw[1] = (hw[1] + 1) / 2;
                yield conv(hw, d.channels(), d.channels(), 3);
            }
            case UNetLayout.Up u -> {
                hw[0] = upTo == null ? 2 * hw[0] : upTo[0];
                hw[1] = upTo == null ? 2 * hw[1] : upTo[1];
                yield conv(hw, u.channels(), u.channels(), 3);
            }
        };
    }

    // a convolution producing hw[0]×hw[1] outputs
    private static double conv(long[] hw, int in, int out, int k) {
        return (double) hw[0] * hw[1] * out * in * k * k;
    }

    // proj_in and proj_out (linear or 1×1 conv: the same work), then per BasicTransformerBlock: self-attention
    // (q, k, v, out projections and the two N×N products), cross-attention (q and out on N tokens, k and v on the
    // context, the two N×T products) and the GEGLU feed-forward (C→8C, 4C→C)
    private static double transformer(UNetLayout.Transformer t, double n, int contextDim, int tokens) {
        double ch = t.channels();
        double block = 4 * n * ch * ch + 2 * n * n * ch
                + 2 * n * ch * ch + 2 * (double) tokens * contextDim * ch + 2 * n * tokens * ch
                + n * ch * 8 * ch + n * 4 * ch * ch;
        return 2 * n * ch * ch + t.depth() * block;
    }
}
