package dev.noodle.nodes.conditioning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.vision.ClipVisionEncoder;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipVisionOutputValue;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.StyleModelValue;
import java.util.ArrayList;
import java.util.List;

/**
 * ComfyUI's CLIPVisionEncode and StyleModelApply (nodes.py): images through a CLIP image tower, and a style
 * adapter's tokens from that output appended to the conditioning. Stateless.
 */
public final class ClipVisionNodes {
    private ClipVisionNodes() {}

    static final SocketInput<ClipVisionOutputValue> CLIP_VISION_OUTPUT =
            SocketInput.of("clip_vision_output", PortType.CLIP_VISION_OUTPUT, ClipVisionOutputValue.class);

    /** CLIPVisionEncode: the hidden states and image embedding of a batch of images. */
    public static final class ClipVisionEncode extends Node {
        static final SocketInput<ClipVisionValue> CLIP_VISION =
                SocketInput.of("clip_vision", PortType.CLIP_VISION, ClipVisionValue.class);
        static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
        static final ComboInput CROP = ComboInput.of("crop", "center", "none");

        public ClipVisionEncode() {
            super(NodeSupport.schema("CLIPVisionEncode", "CLIP Vision Encode", "conditioning",
                            "Encodes images with a CLIP vision model: the image is scaled to the model's input size"
                                    + " (224 px; \"center\" keeps the middle square, \"none\" squeezes the whole"
                                    + " image) and turned into an embedding for style models, unCLIP and IP-Adapters.")
                    .input(CLIP_VISION)
                    .input(IMAGE)
                    .input(CROP)
                    .output(PortType.CLIP_VISION_OUTPUT, "CLIP_VISION_OUTPUT"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipVisionValue cv = in.get(CLIP_VISION);
            ImageValue image = in.get(IMAGE);
            HeapTensor px = image.pixels();
            if (px.rank() != 4 || px.dim(3) < 3) {
                throw new IllegalArgumentException("CLIPVisionEncode: the image must be an RGB image batch"
                        + " [B, H, W, 3], got " + java.util.Arrays.toString(px.shape()));
            }
            try (NDManager m = NodeSupport.scope(ctx)) {
                ClipVisionEncoder.Output o = cv.encoder().encode(px.toNd(m), in.get(CROP), m);
                return NodeOutputs.of(new ClipVisionOutputValue(HeapTensor.of(o.lastHiddenState()),
                        HeapTensor.of(o.imageEmbeds()), HeapTensor.of(o.penultimateHiddenStates()), cv.source()));
            }
        }
    }

    /**
     * StyleModelApply: the style adapter's tokens for every image of the CLIP vision output, as one row
     * [1, images·tokens, context], appended after each conditioning entry's text tokens. "multiply" scales the
     * tokens by the strength. "attn_bias" appends them unscaled: ComfyUI then records an attention bias of
     * log(strength) on them that only Flux-type models read — SD 1.x/2.x/SDXL UNets do not, so the result is the
     * same as in ComfyUI.
     */
    public static final class StyleModelApply extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING =
                SocketInput.of("conditioning", PortType.CONDITIONING, ConditioningValue.class);
        static final SocketInput<StyleModelValue> STYLE_MODEL =
                SocketInput.of("style_model", PortType.STYLE_MODEL, StyleModelValue.class);
        static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, 0.0, 10.0, 0.001);
        static final ComboInput STRENGTH_TYPE = ComboInput.of("strength_type", "multiply", "attn_bias");

        public StyleModelApply() {
            super(NodeSupport.schema("StyleModelApply", "Apply Style Model", "conditioning/style_model",
                            "Adds an image's style to the prompt: the style model turns the CLIP vision output into"
                                    + " extra tokens appended to the conditioning. Strength scales them (multiply).")
                    .input(CONDITIONING)
                    .input(STYLE_MODEL)
                    .input(CLIP_VISION_OUTPUT)
                    .input(STRENGTH)
                    .input(STRENGTH_TYPE)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ConditioningValue c = in.get(CONDITIONING);
            StyleModelValue style = in.get(STYLE_MODEL);
            ClipVisionOutputValue vision = in.get(CLIP_VISION_OUTPUT);
            float strength = in.getFloat(STRENGTH);
            boolean multiply = in.get(STRENGTH_TYPE).equals("multiply");
            try (NDManager m = NodeSupport.scope(ctx)) {
                HeapTensor hidden = vision.lastHiddenState();
                if (hidden.rank() != 3 || hidden.dim(2) != style.adapter().config().width()) {
                    throw new IllegalArgumentException("StyleModelApply: the style model " + style.source()
                            + " takes CLIP vision outputs of width " + style.adapter().config().width()
                            + " (CLIP ViT-L/14), but " + vision.source() + " gives width " + hidden.dim(2)
                            + "; encode the image with the CLIP vision model the style model was made for");
                }
                NDArray tokens = style.adapter().tokens(hidden.toNd(m), m); // [B, n, ctx]
                long ctxWidth = tokens.getShape().get(2);
                NDArray row = tokens.reshape(1, -1, ctxWidth); // [1, B·n, ctx]
                if (multiply) {
                    row = row.mul(strength);
                }
                List<ConditioningValue.Entry> out = new ArrayList<>();
                for (ConditioningValue.Entry e : c.entries()) {
                    HeapTensor text = e.context();
                    if (text.dim(text.rank() - 1) != ctxWidth) {
                        throw new IllegalArgumentException("StyleModelApply: the style model " + style.source()
                                + " makes tokens of width " + ctxWidth + " (SD 1.x), but the conditioning's tokens"
                                + " have width " + text.dim(text.rank() - 1) + "; use it with an SD 1.x checkpoint");
                    }
                    NDArray t = text.toNd(m);
                    NDArray onDevice = row.toDevice(t.getDevice(), false); // the adapter may run elsewhere
                    NDArray add = t.getShape().get(0) == 1 ? onDevice
                            : onDevice.repeat(0, t.getShape().get(0)); // one copy per text batch row
                    out.add(e.withContext(HeapTensor.of(NDArrays.concat(new NDList(t, add), 1)), e.pooled()));
                }
                return NodeOutputs.of(new ConditioningValue(out));
            }
        }
    }
}
