package dev.noodle.engine.text;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.TensorSource;

/**
 * SDXL's pair of text encoders (Podell et al. 2023, "SDXL"): OpenAI CLIP ViT-L and OpenCLIP ViT-bigG, combined
 * as ComfyUI's {@code SDXLClipModel} does. Each encoder tokenizes and weights the prompt on its own (CLIP-L pads
 * with the end id, bigG with 0), takes the penultimate layer without the final norm by default, and the two hidden
 * states are joined along the feature axis; the pooled vector is bigG's projected pooled output of the first
 * chunk. Owns both models; {@link #close()} releases them. Encoding is thread-safe.
 */
public final class SdxlTextEncoder implements AutoCloseable {
    /** ComfyUI's default layer for both encoders (penultimate). */
    public static final int DEFAULT_STOP_AT_LAYER = -2;

    private final ClipTextModel clipL;
    private final ClipTextModel clipG;

    /** Takes ownership of two loaded models. */
    public SdxlTextEncoder(ClipTextModel clipL, ClipTextModel clipG) {
        this.clipL = clipL;
        this.clipG = clipG;
    }

    /** Loads both encoders from an SDXL base checkpoint (configs inferred from shapes), fp32 on the CPU. */
    public static SdxlTextEncoder load(TensorSource checkpoint) {
        return load(checkpoint, Device.cpu(), DataType.FLOAT32);
    }

    /**
     * Loads CLIP-L from {@link ClipTextModel#SDXL_CLIP_L_PREFIX} (Hugging Face names, quick GELU) and bigG from
     * {@link ClipTextModel#SDXL_CLIP_G_PREFIX} (open_clip names, GELU, text projection).
     */
    public static SdxlTextEncoder load(TensorSource checkpoint, Device device, DataType dtype) {
        TensorSource l = checkpoint.withPrefix(ClipTextModel.SDXL_CLIP_L_PREFIX);
        OpenClipKeys g = new OpenClipKeys(checkpoint.withPrefix(ClipTextModel.SDXL_CLIP_G_PREFIX));
        ClipTextModel clipL = ClipTextModel.load(l, ClipConfig.fromWeights(l), device, dtype);
        try {
            ClipTextModel clipG = ClipTextModel.load(g, g.config(), device, dtype);
            return new SdxlTextEncoder(clipL, clipG);
        } catch (RuntimeException e) {
            clipL.close();
            throw e;
        }
    }

    /** The CLIP ViT-L encoder. */
    public ClipTextModel clipL() {
        return clipL;
    }

    /** The OpenCLIP ViT-bigG encoder. */
    public ClipTextModel clipG() {
        return clipG;
    }

    /**
     * Tokenizes and encodes one prompt for both encoders ({@code text_l}, {@code text_g} of ComfyUI's
     * {@code CLIPTextEncodeSDXL}; plain {@code CLIPTextEncode} passes the same text twice).
     *
     * @param embeddingsL textual inversions for CLIP-L (768 wide, {@code clip_l})
     * @param embeddingsG textual inversions for bigG (1280 wide, {@code clip_g})
     * @param stopAtLayer {@link #DEFAULT_STOP_AT_LAYER}, or ComfyUI's {@code CLIPSetLastLayer} value for both
     * @param style whose reading of the prompts to follow (tokenization and emphasis)
     */
    public SdxlTextOutput encode(NDManager out, String textL, String textG, ClipTokenizer tokenizer,
            EmbeddingLookup embeddingsL, EmbeddingLookup embeddingsG, int stopAtLayer, PromptStyle style) {
        ClipEncoding l = ClipEncoding.sdxlClipL().withStopAtLayer(stopAtLayer);
        ClipEncoding g = ClipEncoding.sdxlClipG().withStopAtLayer(stopAtLayer);
        int padL = l.padId() == ClipEncoding.END_ID ? tokenizer.endId() : l.padId(); // the tokenizer's own end id
        PromptTokens tl = style.tokenize(textL, tokenizer, embeddingsL, padL);
        PromptTokens tg = style.tokenize(textG, tokenizer, embeddingsG, g.padId());
        return encode(out, tl, tg, stopAtLayer, style.emphasis());
    }

    /**
     * Encodes already tokenized prompts: CLIP-L with {@link ClipEncoding#sdxlClipL()}, bigG with
     * {@link ClipEncoding#sdxlClipG()}, both at {@code stopAtLayer}; the token axes are cut to the shorter one.
     *
     * @return context {@code [1, T, D_L + D_G]}, pooled {@code [1, P_G]}
     */
    public SdxlTextOutput encode(NDManager out, PromptTokens l, PromptTokens g, int stopAtLayer,
            Emphasis emphasis) {
        try (NDManager scope = out.newSubManager()) {
            ClipOutput ol = clipL.encodeWeighted(scope, l, ClipEncoding.sdxlClipL().withStopAtLayer(stopAtLayer),
                    emphasis);
            ClipOutput og = clipG.encodeWeighted(scope, g, ClipEncoding.sdxlClipG().withStopAtLayer(stopAtLayer),
                    emphasis);
            long cut = Math.min(ol.hidden().getShape().get(1), og.hidden().getShape().get(1));
            NDArray context = ol.hidden().get(":, 0:" + cut).concat(og.hidden().get(":, 0:" + cut), -1); // [1,T,C]
            NDArray pooled = og.pooled();
            context.attach(out);
            pooled.attach(out);
            return new SdxlTextOutput(context, pooled);
        }
    }

    /** Releases both models. */
    @Override
    public void close() {
        try {
            clipL.close();
        } finally {
            clipG.close();
        }
    }
}
