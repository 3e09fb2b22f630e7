package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/**
 * What one UNet pass adds to the plain network: control residuals (ControlNet, T2I-Adapter), extra cross-attention
 * outputs (IP-Adapter: attention of the queries to image tokens, added to attn2's output before {@code to_out}) and
 * token patches after self-attention (GLIGEN's gated self-attention over grounding tokens; ComfyUI's
 * {@code middle_patch}). Built per call by the conditioning and the model's patch sources and read only during that
 * call. Immutable.
 *
 * @param control residuals to add, or {@link ControlResiduals#NONE}
 * @param crossAttention patches adding to attn2's attention output, applied in order
 * @param afterSelfAttention patches replacing the hidden states after attn1's residual, applied in order
 */
public record UNetPatches(ControlResiduals control, List<CrossAttentionPatch> crossAttention,
        List<TokenPatch> afterSelfAttention) {
    /** No patch. */
    public static final UNetPatches NONE = new UNetPatches(ControlResiduals.NONE, List.of(), List.of());

    public UNetPatches {
        crossAttention = List.copyOf(crossAttention);
        afterSelfAttention = List.copyOf(afterSelfAttention);
    }

    /** Only control residuals. */
    public static UNetPatches ofControl(ControlResiduals control) {
        return new UNetPatches(control, List.of(), List.of());
    }

    /** Only a cross-attention patch. */
    public static UNetPatches ofCrossAttention(CrossAttentionPatch patch) {
        return new UNetPatches(ControlResiduals.NONE, List.of(patch), List.of());
    }

    /** Only a token patch after self-attention. */
    public static UNetPatches ofSelfAttention(TokenPatch patch) {
        return new UNetPatches(ControlResiduals.NONE, List.of(), List.of(patch));
    }

    /** Both: residuals summed, patch lists concatenated (this one's first). */
    public UNetPatches plus(UNetPatches o) {
        if (o == null || o == NONE) {
            return this;
        }
        if (this == NONE) {
            return o;
        }
        List<CrossAttentionPatch> c = new ArrayList<>(crossAttention);
        c.addAll(o.crossAttention);
        List<TokenPatch> t = new ArrayList<>(afterSelfAttention);
        t.addAll(o.afterSelfAttention);
        return new UNetPatches(control.plus(o.control), c, t);
    }

    /** Whether nothing is patched. */
    public boolean isEmpty() {
        return control.input().isEmpty() && control.middle() == null && control.output().isEmpty()
                && crossAttention.isEmpty() && afterSelfAttention.isEmpty();
    }

    /** Adds to attn2's attention output (IP-Adapter's decoupled cross-attention, Ye et al. 2023). */
    @FunctionalInterface
    public interface CrossAttentionPatch {
        /**
         * What to add to the attention output of one attn2 layer, before its {@code to_out} projection.
         *
         * @param site where the layer is
         * @param q the layer's projected queries [B, N, inner] (to_q of the normalized hidden states)
         * @param context the text context the layer attends to [B, T, D]
         * @return [B, N, inner] in q's manager, or null to add nothing here
         */
        NDArray extra(TransformerSite site, NDArray q, NDArray context);
    }

    /** Replaces the hidden states of a BasicTransformerBlock after self-attention (GLIGEN's fuser). */
    @FunctionalInterface
    public interface TokenPatch {
        /**
         * The new hidden states.
         *
         * @param site where the block is
         * @param x hidden states after {@code x + attn1(norm1(x))}, [B, N, C]
         * @return [B, N, C] in x's manager (x itself to change nothing)
         */
        NDArray apply(TransformerSite site, NDArray x);
    }
}
