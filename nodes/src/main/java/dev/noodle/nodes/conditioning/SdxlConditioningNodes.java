package dev.noodle.nodes.conditioning;

import dev.noodle.nodes.host.EmbeddingLookupFactory;
import dev.noodle.nodes.host.NodeSupport;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.Emphasis;
import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.engine.text.PromptTokens;
import dev.noodle.engine.text.SdxlTextEncoder;
import dev.noodle.engine.text.SdxlTextOutput;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SDXL text encoding: plain CLIP Text Encode on SDXL's pair of encoders, and ComfyUI's {@code CLIPTextEncodeSDXL}
 * and {@code CLIPTextEncodeSDXLRefiner} ({@code comfy_extras/nodes_clip_sdxl.py}) with the same inputs. The size
 * parameters travel in the entry's extras under ComfyUI's names ({@link AdmConditioning}); the sampler builds the
 * UNet's {@code y} vector from them and the latent's size.
 */
public final class SdxlConditioningNodes {
    private SdxlConditioningNodes() {}

    /**
     * Encodes {@code textL} with CLIP-L and {@code textG} with bigG at {@code stopAtLayer} (context = CLIP-L ‖ bigG
     * along features, pooled = bigG's projection). When the two prompts tokenize to a different number of 77-token
     * chunks, the shorter is padded with empty chunks, as ComfyUI's CLIPTextEncodeSDXL does.
     *
     * @param params size parameters to store in the entry (may be empty: the sampler uses the latent's size)
     */
    static ConditioningValue encodeSdxl(NodeContext ctx, ClipValue clip, String textL, String textG,
            int stopAtLayer, Map<String, Double> params, boolean a1111) {
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
        PromptTokens l = ConditioningNodes.tokenize(ctx, clip, textL, encL, embL, a1111);
        PromptTokens g = ConditioningNodes.tokenize(ctx, clip, textG, encG, embG, a1111);
        l = padChunks(l, g.chunks().size());
        g = padChunks(g, l.chunks().size());
        // a view over the value's encoders; it does not own them, so it is not closed
        SdxlTextEncoder pair = new SdxlTextEncoder(clip.clip(), clip.clip2());
        try (NDManager m = NodeSupport.scope(ctx)) {
            SdxlTextOutput out = pair.encode(m, l, g, stopAtLayer, a1111 ? Emphasis.A1111 : Emphasis.COMFY);
            Map<String, HeapTensor> extras = new LinkedHashMap<>();
            params.forEach((k, v) -> extras.put(k, new HeapTensor(new long[] {1}, new float[] {v.floatValue()})));
            ConditioningValue.Entry e = new ConditioningValue.Entry(HeapTensor.of(out.context()),
                    HeapTensor.of(out.pooled()), 1f, null, extras);
            return new ConditioningValue(List.of(e));
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

    /** The size parameters stored in an entry's extras, by ComfyUI name. */
    public static Map<String, Double> params(ConditioningValue.Entry e) {
        Map<String, Double> p = new LinkedHashMap<>();
        for (String k : List.of(AdmConditioning.WIDTH, AdmConditioning.HEIGHT, AdmConditioning.CROP_W,
                AdmConditioning.CROP_H, AdmConditioning.TARGET_WIDTH, AdmConditioning.TARGET_HEIGHT,
                AdmConditioning.AESTHETIC_SCORE)) {
            HeapTensor t = e.extras().get(k);
            if (t != null) {
                p.put(k, (double) t.data()[0]);
            }
        }
        return p;
    }

    /** CLIPTextEncodeSDXL: separate prompts for bigG and CLIP-L, with explicit size and crop conditioning. */
    public static final class ClipTextEncodeSdxl implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("CLIPTextEncodeSDXL", "CLIP Text Encode (SDXL)",
                        "advanced/conditioning", "SDXL prompt encoding with the size conditioning spelled out:"
                                + " text_g goes to OpenCLIP bigG, text_l to CLIP-L; width/height are the 'original'"
                                + " size, crop_w/crop_h the crop offset, target_width/target_height the output size.")
                .input(SocketInput.of("clip", PortType.CLIP))
                .input(IntInput.of("width", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("height", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("crop_w", 0, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("crop_h", 0, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("target_width", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("target_height", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(StringInput.multiline("text_g", ""))
                .input(StringInput.multiline("text_l", ""))
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get("clip", ClipValue.class);
            Map<String, Double> p = new LinkedHashMap<>();
            for (String k : List.of(AdmConditioning.WIDTH, AdmConditioning.HEIGHT, AdmConditioning.CROP_W,
                    AdmConditioning.CROP_H, AdmConditioning.TARGET_WIDTH, AdmConditioning.TARGET_HEIGHT)) {
                p.put(k, (double) in.getInt(k));
            }
            return NodeOutputs.of(encodeSdxl(ctx, clip, in.getString("text_l"), in.getString("text_g"),
                    clip.encoding().stopAtLayer(), p, ConditioningNodes.a1111Style(ctx)));
        }
    }

    /**
     * CLIPTextEncodeSDXLRefiner: a prompt with the refiner's aesthetic score and size. On a base SDXL model the
     * score is not used (its {@code y} has no slot for it), as in ComfyUI.
     */
    public static final class ClipTextEncodeSdxlRefiner implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("CLIPTextEncodeSDXLRefiner",
                        "CLIP Text Encode (SDXL Refiner)", "advanced/conditioning", "Prompt encoding for the SDXL"
                                + " refiner: ascore is the aesthetic score to aim for (6 by default; negative"
                                + " prompts usually 2.5), width/height the image size.")
                .input(FloatInput.of("ascore", 6.0, 0.0, 1000.0, 0.01))
                .input(IntInput.of("width", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(IntInput.of("height", 1024, 0, ConditioningNodes.MAX_RESOLUTION))
                .input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP))
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get("clip", ClipValue.class);
            Map<String, Double> p = new LinkedHashMap<>();
            p.put(AdmConditioning.AESTHETIC_SCORE, in.getFloat("ascore"));
            p.put(AdmConditioning.WIDTH, (double) in.getInt("width"));
            p.put(AdmConditioning.HEIGHT, (double) in.getInt("height"));
            String text = in.getString("text");
            return NodeOutputs.of(encodeSdxl(ctx, clip, text, text, clip.encoding().stopAtLayer(), p,
                    ConditioningNodes.a1111Style(ctx)));
        }
    }
}
