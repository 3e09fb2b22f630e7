package dev.noodle.nodes.conditioning;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.diffusion.LatentArea;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ConditioningValue;
import java.util.ArrayList;
import java.util.List;

/** Text encoding and conditioning nodes. */
public final class ConditioningNodes {
    /** ComfyUI's MAX_RESOLUTION. */
    public static final long MAX_RESOLUTION = 16384;

    private ConditioningNodes() {}

    static final StringInput TEXT = StringInput.multiline("text", "");
    static final SocketInput<ClipValue> CLIP = SocketInput.of("clip", PortType.CLIP, ClipValue.class);

    /**
     * CLIPTextEncode. ComfyUI style: {@code (w:1.2)}, {@code embedding:name}, weights relative to the empty prompt.
     * AUTOMATIC1111 style: {@code (w)}, {@code [w]}, {@code BREAK}, embeddings by file name, z·w rescaled to the
     * chunk's mean.
     */
    public static final class ClipTextEncode extends Node {
        public ClipTextEncode() {
            super(NodeSupport.schema("CLIPTextEncode", "CLIP Text Encode (Prompt)",
                            "conditioning", "Turns a prompt into conditioning with the CLIP text encoder. Weights:"
                                    + " (word:1.2), (word) = ×1.1; embeddings: embedding:name. prompt_style a1111"
                                    + " reads the prompt as AUTOMATIC1111 does: [word] = ÷1.1, BREAK, embeddings by"
                                    + " file name.")
                    .input(TEXT)
                    .input(CLIP)
                    .input(PromptEncoder.PROMPT_STYLE)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get(CLIP);
            return NodeOutputs.of(PromptEncoder.encode(ctx, clip, in.get(TEXT), clip.encoding(),
                    in.get(PromptEncoder.PROMPT_STYLE)));
        }
    }

    /**
     * Noodle's CLIP Text Encode with A1111's "clip skip" numbering (1 = last layer, 2 = penultimate…), the same
     * thing as CLIPSetLastLayer's stop_at_clip_layer = −clip_skip.
     */
    public static final class ClipTextEncodeClipSkip extends Node {
        static final IntInput CLIP_SKIP = IntInput.of("clip_skip", 1, 1, 12);

        public ClipTextEncodeClipSkip() {
            super(NodeSupport.schema("NoodleCLIPTextEncodeClipSkip", "CLIP Text Encode (clip skip)", "conditioning",
                            "CLIP Text Encode with AUTOMATIC1111's clip skip: 1 = last layer (no skip), 2 ="
                                    + " penultimate. Same as CLIP Set Last Layer with stop_at_clip_layer = −clip_skip.")
                    .input(TEXT)
                    .input(CLIP)
                    .input(CLIP_SKIP)
                    .input(PromptEncoder.PROMPT_STYLE)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get(CLIP);
            int skip = in.getInt(CLIP_SKIP);
            if (skip > clip.maxLayers()) {
                throw new IllegalArgumentException("clip_skip " + skip + " is more than the text encoder's "
                        + clip.maxLayers() + " layers; use 1.." + clip.maxLayers());
            }
            return NodeOutputs.of(PromptEncoder.encode(ctx, clip, in.get(TEXT),
                    clip.encoding().withStopAtLayer(-skip), in.get(PromptEncoder.PROMPT_STYLE)));
        }
    }

    /** CLIPSetLastLayer. */
    public static final class ClipSetLastLayer extends Node {
        static final IntInput STOP_AT_CLIP_LAYER = IntInput.of("stop_at_clip_layer", -1, -24, -1);

        public ClipSetLastLayer() {
            super(NodeSupport.schema("CLIPSetLastLayer", "CLIP Set Last Layer",
                            "conditioning", "Clip skip: −1 uses the text encoder's last layer, −2 the one before it"
                                    + " (A1111 'clip skip 2'). Many anime models expect −2.")
                    .input(CLIP)
                    .input(STOP_AT_CLIP_LAYER)
                    .output(PortType.CLIP, "CLIP"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ClipValue clip = ctx.inputs().get(CLIP);
            int layer = ctx.inputs().getInt(STOP_AT_CLIP_LAYER);
            if (-layer > clip.maxLayers()) {
                throw new IllegalArgumentException("stop_at_clip_layer " + layer + " is deeper than the text encoder's "
                        + clip.maxLayers() + " layers; use −1..−" + clip.maxLayers());
            }
            return NodeOutputs.of(clip.withStopAtLayer(layer));
        }
    }

    /** ConditioningCombine: both lists of entries, each applied where it applies, averaged by strength. */
    public static final class ConditioningCombine extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING_1 =
                SocketInput.of("conditioning_1", PortType.CONDITIONING, ConditioningValue.class);
        static final SocketInput<ConditioningValue> CONDITIONING_2 =
                SocketInput.of("conditioning_2", PortType.CONDITIONING, ConditioningValue.class);

        public ConditioningCombine() {
            super(NodeSupport.schema("ConditioningCombine", "Conditioning (Combine)",
                            "conditioning", "Uses both conditionings at once: the sampler averages their predictions.")
                    .input(CONDITIONING_1)
                    .input(CONDITIONING_2)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            return NodeOutputs.of(ctx.inputs().get(CONDITIONING_1).plus(ctx.inputs().get(CONDITIONING_2)));
        }
    }

    /** ConditioningSetArea: restricts conditioning to a rectangle (pixels, multiples of 8) with a strength. */
    public static final class ConditioningSetArea extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING =
                SocketInput.of("conditioning", PortType.CONDITIONING, ConditioningValue.class);
        static final IntInput WIDTH = pixels("width", 64, 64);
        static final IntInput HEIGHT = pixels("height", 64, 64);
        static final IntInput X = pixels("x", 0, 0);
        static final IntInput Y = pixels("y", 0, 0);
        static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 10.0, 0.01);

        public ConditioningSetArea() {
            super(NodeSupport.schema("ConditioningSetArea", "Conditioning (Set Area)",
                            "conditioning", "Applies the conditioning only inside a rectangle of the image, with a"
                                    + " strength; combine several to compose a picture region by region.")
                    .input(CONDITIONING)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(X)
                    .input(Y)
                    .input(STRENGTH)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        private static IntInput pixels(String name, long dflt, long min) {
            return new IntInput(name, dflt, min, MAX_RESOLUTION, 8, false, "", false);
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentArea area = new LatentArea(in.getInt(X) / 8, in.getInt(Y) / 8, in.getInt(WIDTH) / 8,
                    in.getInt(HEIGHT) / 8);
            float strength = in.getFloat(STRENGTH);
            List<ConditioningValue.Entry> out = new ArrayList<>();
            for (ConditioningValue.Entry e : in.get(CONDITIONING).entries()) {
                out.add(e.withArea(area, strength));
            }
            return NodeOutputs.of(new ConditioningValue(out));
        }
    }
}
