package dev.noodle.nodes.conditioning;

import dev.noodle.nodes.host.EmbeddingLookupFactory;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.sampling.SamplerNodes;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipOutput;
import dev.noodle.engine.text.Emphasis;
import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.engine.text.PromptTokens;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
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
import java.util.List;
import java.util.Map;

/** Text encoding and conditioning nodes. */
public final class ConditioningNodes {
    /** ComfyUI's MAX_RESOLUTION. */
    public static final long MAX_RESOLUTION = 16384;

    private ConditioningNodes() {}

    /** The optional input choosing ComfyUI's or AUTOMATIC1111's prompt conventions. */
    static final String PROMPT_STYLE = "prompt_style";

    /** Whether a node encodes its prompt as AUTOMATIC1111 does (its prompt_style input, else the run's mode). */
    static boolean a1111Style(NodeContext ctx) {
        return "a1111".equals(SamplerNodes.compatMode(ctx.inputs(), PROMPT_STYLE));
    }

    private static ComboInput promptStyle() {
        return ComboInput.of(PROMPT_STYLE, "comfy", "a1111").asOptional();
    }

    /**
     * Encodes a prompt with a CLIP value (weights, embeddings, chunking, clip skip). ComfyUI style: {@code (w:1.2)},
     * {@code embedding:name}, weights relative to the empty prompt. AUTOMATIC1111 style: {@code (w)}, {@code [w]},
     * {@code BREAK}, embeddings by file name, z·w rescaled to the chunk's mean.
     */
    static ConditioningValue encode(NodeContext ctx, ClipValue clip, String text, ClipEncoding encoding) {
        boolean a1111 = a1111Style(ctx);
        if (clip.dual()) {
            return SdxlConditioningNodes.encodeSdxl(ctx, clip, text, text, encoding.stopAtLayer(), Map.of(), a1111);
        }
        EmbeddingLookup embeddings = ctx.service(EmbeddingLookupFactory.class).forClip(clip, ctx);
        PromptTokens tokens = tokenize(ctx, clip, text, encoding, embeddings, a1111);
        try (NDManager m = NodeSupport.scope(ctx)) {
            ClipOutput out = clip.clip().encodeWeighted(m, tokens, encoding, a1111 ? Emphasis.A1111 : Emphasis.COMFY);
            ConditioningValue.Entry e = new ConditioningValue.Entry(HeapTensor.of(out.hidden()),
                    HeapTensor.of(out.pooled()), 1f, null, Map.of());
            return new ConditioningValue(List.of(e));
        }
    }

    /** Tokenizes for one encoder with its pad token, reporting warnings (unknown embeddings, …) on the node. */
    static PromptTokens tokenize(NodeContext ctx, ClipValue clip, String text, ClipEncoding encoding,
            EmbeddingLookup embeddings, boolean a1111) {
        int pad = encoding.padId() == ClipEncoding.END_ID ? clip.tokenizer().endId() : encoding.padId();
        PromptTokens tokens = a1111 ? PromptTokens.tokenizeA1111(text, clip.tokenizer(), embeddings, pad)
                : PromptTokens.tokenize(text, clip.tokenizer(), embeddings, pad);
        for (String w : tokens.warnings()) {
            ctx.message(MessageLevel.WARNING, w);
        }
        return tokens;
    }

    /** CLIPTextEncode. */
    public static final class ClipTextEncode implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("CLIPTextEncode", "CLIP Text Encode (Prompt)",
                        "conditioning", "Turns a prompt into conditioning with the CLIP text encoder. Weights:"
                                + " (word:1.2), (word) = ×1.1; embeddings: embedding:name. prompt_style a1111 reads"
                                + " the prompt as AUTOMATIC1111 does: [word] = ÷1.1, BREAK, embeddings by file name.")
                .input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP))
                .input(promptStyle())
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ClipValue clip = ctx.inputs().get("clip", ClipValue.class);
            return NodeOutputs.of(encode(ctx, clip, ctx.inputs().getString("text"), clip.encoding()));
        }
    }

    /**
     * Noodle's CLIP Text Encode with A1111's "clip skip" numbering (1 = last layer, 2 = penultimate…), the same
     * thing as CLIPSetLastLayer's stop_at_clip_layer = −clip_skip.
     */
    public static final class ClipTextEncodeClipSkip implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("NoodleCLIPTextEncodeClipSkip",
                        "CLIP Text Encode (clip skip)", "conditioning",
                        "CLIP Text Encode with AUTOMATIC1111's clip skip: 1 = last layer (no skip), 2 = penultimate."
                                + " Same as CLIP Set Last Layer with stop_at_clip_layer = −clip_skip.")
                .input(StringInput.multiline("text", ""))
                .input(SocketInput.of("clip", PortType.CLIP))
                .input(IntInput.of("clip_skip", 1, 1, 12))
                .input(promptStyle())
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ClipValue clip = ctx.inputs().get("clip", ClipValue.class);
            int skip = (int) ctx.inputs().getInt("clip_skip");
            if (skip > clip.maxLayers()) {
                throw new IllegalArgumentException("clip_skip " + skip + " is more than the text encoder's "
                        + clip.maxLayers() + " layers; use 1.." + clip.maxLayers());
            }
            return NodeOutputs.of(encode(ctx, clip, ctx.inputs().getString("text"), clip.encoding().withStopAtLayer(-skip)));
        }
    }

    /** CLIPSetLastLayer. */
    public static final class ClipSetLastLayer implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("CLIPSetLastLayer", "CLIP Set Last Layer",
                        "conditioning", "Clip skip: −1 uses the text encoder's last layer, −2 the one before it"
                                + " (A1111 'clip skip 2'). Many anime models expect −2.")
                .input(SocketInput.of("clip", PortType.CLIP))
                .input(IntInput.of("stop_at_clip_layer", -1, -24, -1))
                .output(PortType.CLIP, "CLIP")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ClipValue clip = ctx.inputs().get("clip", ClipValue.class);
            int layer = (int) ctx.inputs().getInt("stop_at_clip_layer");
            if (-layer > clip.maxLayers()) {
                throw new IllegalArgumentException("stop_at_clip_layer " + layer + " is deeper than the text encoder's "
                        + clip.maxLayers() + " layers; use −1..−" + clip.maxLayers());
            }
            return NodeOutputs.of(clip.withStopAtLayer(layer));
        }
    }

    /** ConditioningCombine: both lists of entries, each applied where it applies, averaged by strength. */
    public static final class ConditioningCombine implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ConditioningCombine", "Conditioning (Combine)",
                        "conditioning", "Uses both conditionings at once: the sampler averages their predictions.")
                .input(SocketInput.of("conditioning_1", PortType.CONDITIONING))
                .input(SocketInput.of("conditioning_2", PortType.CONDITIONING))
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ConditioningValue a = ctx.inputs().get("conditioning_1", ConditioningValue.class);
            ConditioningValue b = ctx.inputs().get("conditioning_2", ConditioningValue.class);
            return NodeOutputs.of(a.plus(b));
        }
    }

    /** ConditioningSetArea: restricts conditioning to a rectangle (pixels, multiples of 8) with a strength. */
    public static final class ConditioningSetArea implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ConditioningSetArea", "Conditioning (Set Area)",
                        "conditioning", "Applies the conditioning only inside a rectangle of the image, with a"
                                + " strength; combine several to compose a picture region by region.")
                .input(SocketInput.of("conditioning", PortType.CONDITIONING))
                .input(new IntInput("width", 64, 64, MAX_RESOLUTION, 8, false, "", false))
                .input(new IntInput("height", 64, 64, MAX_RESOLUTION, 8, false, "", false))
                .input(new IntInput("x", 0, 0, MAX_RESOLUTION, 8, false, "", false))
                .input(new IntInput("y", 0, 0, MAX_RESOLUTION, 8, false, "", false))
                .input(FloatInput.of("strength", 1.0, 0.0, 10.0, 0.01))
                .output(PortType.CONDITIONING, "CONDITIONING")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ConditioningValue c = ctx.inputs().get("conditioning", ConditioningValue.class);
            LatentArea area = new LatentArea((int) ctx.inputs().getInt("x") / 8, (int) ctx.inputs().getInt("y") / 8,
                    (int) ctx.inputs().getInt("width") / 8, (int) ctx.inputs().getInt("height") / 8);
            float strength = (float) ctx.inputs().getFloat("strength");
            List<ConditioningValue.Entry> out = new ArrayList<>();
            for (ConditioningValue.Entry e : c.entries()) {
                out.add(new ConditioningValue.Entry(e.context(), e.pooled(), strength, area, e.extras()));
            }
            return NodeOutputs.of(new ConditioningValue(out));
        }
    }
}
