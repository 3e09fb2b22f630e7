package dev.noodle.nodes.conditioning;

import dev.noodle.nodes.host.EmbeddingLookupFactory;
import dev.noodle.nodes.host.NodeSupport;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipOutput;
import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.engine.text.PromptStyle;
import dev.noodle.engine.text.PromptTokens;
import dev.noodle.engine.text.SdxlTextEncoder;
import dev.noodle.engine.text.SdxlTextOutput;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.spec.EnumInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Prompt encoding shared by the text-encode nodes: tokenizing in the chosen {@link PromptStyle} with the
 * textual-inversion embeddings the CLIP can use, reporting on the node what was applied and what was not, and
 * encoding with one text encoder (SD 1.x/2.x) or SDXL's pair. Stateless.
 */
final class PromptEncoder {
    private PromptEncoder() {}

    /** The optional input choosing ComfyUI's (default) or AUTOMATIC1111's reading of the prompt. */
    static final EnumInput<PromptStyle> PROMPT_STYLE =
            EnumInput.of("prompt_style", PromptStyle.class, PromptStyle::jsonName).asOptional();

    /**
     * Encodes a prompt with a CLIP value (weights, embeddings, chunking, clip skip); on SDXL's pair the same text
     * goes to both encoders with no size parameters (the sampler uses the latent's size).
     */
    static ConditioningValue encode(NodeContext ctx, ClipValue clip, String text, ClipEncoding encoding,
            PromptStyle style) {
        return encode(ctx, clip, text, encoding, style, Map.of());
    }

    /**
     * Encodes a prompt as {@link #encode(NodeContext, ClipValue, String, ClipEncoding, PromptStyle)} does and stores
     * {@code sizeParams} (ComfyUI's width, height, aesthetic_score, …) in the entry for the sampler's {@code y}.
     */
    static ConditioningValue encode(NodeContext ctx, ClipValue clip, String text, ClipEncoding encoding,
            PromptStyle style, Map<String, Double> sizeParams) {
        if (clip.dual()) {
            return encodeSdxl(ctx, clip, text, text, encoding.stopAtLayer(), sizeParams, style);
        }
        EmbeddingLookup embeddings = ctx.service(EmbeddingLookupFactory.class).forClip(clip, ctx);
        PromptTokens tokens = tokenize(ctx, clip, text, encoding, embeddings, style);
        reportEmbeddings(ctx, List.of(tokens), List.of(embeddings));
        try (NDManager m = NodeSupport.scope(ctx)) {
            ClipOutput out = clip.clip().encodeWeighted(m, tokens, encoding, style.emphasis());
            return new ConditioningValue(List.of(ConditioningValue.Entry.ofText(HeapTensor.of(out.hidden()),
                    HeapTensor.of(out.pooled()), sizeParams)));
        }
    }

    /**
     * Encodes {@code textL} with CLIP-L and {@code textG} with bigG at {@code stopAtLayer} (context = CLIP-L ‖ bigG
     * along features, pooled = bigG's projection). When the two prompts tokenize to a different number of 77-token
     * chunks, the shorter is padded with empty chunks, as ComfyUI's CLIPTextEncodeSDXL does.
     *
     * @param sizeParams size parameters to store in the entry (may be empty: the sampler uses the latent's size)
     */
    static ConditioningValue encodeSdxl(NodeContext ctx, ClipValue clip, String textL, String textG,
            int stopAtLayer, Map<String, Double> sizeParams, PromptStyle style) {
        if (!clip.dual()) {
            throw new IllegalArgumentException("this node needs SDXL's CLIP (CLIP-L + bigG) but got " + clip
                    + "; use CLIP Text Encode for " + clip.family() + " models");
        }
        EmbeddingLookupFactory factory = ctx.service(EmbeddingLookupFactory.class);
        EmbeddingLookup embL = factory.forClip(clip, ctx);
        // the lookup for bigG: the same value seen through its second encoder (1280-wide clip_g vectors)
        ClipValue gView = new ClipValue(clip.hold(), clip.clip2(), clip.tokenizer(), clip.encoding2(), clip.family(),
                clip.patches(), null);
        EmbeddingLookup embG = factory.forClip(gView, ctx);
        ClipEncoding encL = ClipEncoding.sdxlClipL().withStopAtLayer(stopAtLayer);
        ClipEncoding encG = ClipEncoding.sdxlClipG().withStopAtLayer(stopAtLayer);
        PromptTokens l = tokenize(ctx, clip, textL, encL, embL, style);
        PromptTokens g = tokenize(ctx, clip, textG, encG, embG, style);
        reportEmbeddings(ctx, List.of(l, g), List.of(embL, embG));
        l = padChunks(l, g.chunks().size());
        g = padChunks(g, l.chunks().size());
        // a view over the value's encoders; it does not own them, so it is not closed
        SdxlTextEncoder pair = new SdxlTextEncoder(clip.clip(), clip.clip2());
        try (NDManager m = NodeSupport.scope(ctx)) {
            SdxlTextOutput out = pair.encode(m, l, g, stopAtLayer, style.emphasis());
            return new ConditioningValue(List.of(ConditioningValue.Entry.ofText(HeapTensor.of(out.context()),
                    HeapTensor.of(out.pooled()), sizeParams)));
        }
    }

    /** Tokenizes for one encoder with its pad token, reporting warnings (unknown embeddings, …) on the node. */
    private static PromptTokens tokenize(NodeContext ctx, ClipValue clip, String text, ClipEncoding encoding,
            EmbeddingLookup embeddings, PromptStyle style) {
        int pad = encoding.padId() == ClipEncoding.END_ID ? clip.tokenizer().endId() : encoding.padId();
        PromptTokens tokens = style.tokenize(text, clip.tokenizer(), embeddings, pad);
        for (String w : tokens.warnings()) {
            ctx.message(MessageLevel.WARNING, w);
        }
        return tokens;
    }

    /**
     * Tells on the node which embeddings the prompt applied, each with its vectors and the prompt tokens they fill,
     * as LoRA Loader tells what it patched; says nothing when there were none. {@code tokens.get(i)} was tokenized
     * with {@code lookups.get(i)}; an embedding seen by several encoders (SDXL's clip_l and clip_g) is named once.
     */
    private static void reportEmbeddings(NodeContext ctx, List<PromptTokens> tokens, List<EmbeddingLookup> lookups) {
        Map<String, String> applied = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            EmbeddingLookup lookup = lookups.get(i);
            tokens.get(i).embeddingPositions().forEach((name, positions) -> applied.computeIfAbsent(name, n -> {
                float[][] vectors = lookup.find(n);
                int count = vectors == null ? positions : vectors.length;
                return n + " (" + count + (count == 1 ? " vector, " : " vectors, ") + positions
                        + (positions == 1 ? " token)" : " tokens)");
            }));
        }
        if (!applied.isEmpty()) {
            StringJoiner text = new StringJoiner(", ", (applied.size() == 1 ? "embedding" : "embeddings")
                    + " applied: ", "");
            applied.values().forEach(text::add);
            ctx.message(MessageLevel.INFO, text.toString());
        }
    }

    // Appends empty chunks (BOS, EOS, padding) until the prompt has n chunks.
    private static PromptTokens padChunks(PromptTokens t, int n) {
        if (t.chunks().size() >= n) {
            return t;
        }
        List<PromptTokens.Chunk> chunks = new ArrayList<>(t.chunks());
        while (chunks.size() < n) {
            chunks.add(t.empty());
        }
        return new PromptTokens(chunks, t.empty(), t.warnings());
    }
}
