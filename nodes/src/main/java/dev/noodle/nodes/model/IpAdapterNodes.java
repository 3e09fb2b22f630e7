package dev.noodle.nodes.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.ipadapter.IpAdapterModel;
import dev.noodle.engine.ipadapter.IpAdapterPatch;
import dev.noodle.engine.ipadapter.IpAdapterWeighting;
import dev.noodle.engine.vision.ClipVisionEncoder;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipVisionValue;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.IpAdapterValue;
import dev.noodle.nodes.values.MaskValue;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SharedRef;
import java.util.List;

/**
 * The apply nodes of ComfyUI_IPAdapter_plus ({@code IPAdapter}, {@code IPAdapterAdvanced}): they encode the
 * reference image with the CLIP vision model, project it to image tokens, and return a MODEL whose every sampling
 * call adds the adapter's decoupled cross-attention ({@link IpAdapterPatch}), as the pack patches ComfyUI's attn2.
 * The negative rows see the negative image's tokens: the optional image_negative, else (plus, plus-face, full-face)
 * a black 224² image or (plain) zero embeds, as the pack. Stateless.
 */
public final class IpAdapterNodes {
    private IpAdapterNodes() {}

    static final String CATEGORY = "ipadapter";
    static final SocketInput<ModelValue> MODEL = SocketInput.of("model", PortType.MODEL, ModelValue.class);
    static final SocketInput<IpAdapterValue> IPADAPTER =
            SocketInput.of("ipadapter", PortType.IPADAPTER, IpAdapterValue.class);
    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final FloatInput START = FloatInput.of("start_at", 0.0, 0.0, 1.0, 0.001);
    static final FloatInput END = FloatInput.of("end_at", 1.0, 0.0, 1.0, 0.001);
    static final SocketInput<MaskValue> ATTN_MASK =
            SocketInput.of("attn_mask", PortType.MASK, MaskValue.class).asOptional();

    /** The pack's combine_embeds options. */
    public static final List<String> COMBINE = List.of("concat", "add", "subtract", "average", "norm average");
    /** The pack's embeds_scaling options. */
    public static final List<String> SCALING =
            List.of("V only", "K+V", "K+V w/ C penalty", "K+mean(V) w/ C penalty");
    /** CLIP vision input size the pack encodes at (SD 1.5 and SDXL adapters). */
    static final int CLIP_SIZE = 224;

    /** One application's settings, as the pack's {@code ipadapter_execute} takes them. */
    record Settings(float weight, String weightType, String combine, float startAt, float endAt,
            IpAdapterPatch.Scaling scaling) {}

    /**
     * The MODEL with the adapter applied.
     *
     * @param node the node's name, for messages
     * @param clipVision the CLIP vision model to encode with
     * @param negative the negative image, or null
     * @param mask the attention mask, or null
     */
    static ModelValue apply(NodeContext ctx, String node, ModelValue model, IpAdapterValue ipa,
            ClipVisionValue clipVision, ImageValue image, ImageValue negative, MaskValue mask, Settings s) {
        IpAdapterModel adapter = ipa.model();
        if (image.height() != image.width()) {
            ctx.message(MessageLevel.INFO, node + ": the reference image is not square; CLIP vision resizes it and"
                    + " crops the centre, so what lies outside the middle square is not seen");
        }
        IpAdapterPatch patch;
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray cond = features(node, clipVision.encoder(), adapter, image.pixels(), scope); // [B, ...]
            long b = cond.getShape().get(0);
            NDArray uncond;
            if (negative != null) {
                uncond = features(node, clipVision.encoder(), adapter, negative.pixels(), scope);
            } else if (adapter.usesHiddenStates()) {
                HeapTensor black = new HeapTensor(new long[] {1, CLIP_SIZE, CLIP_SIZE, 3},
                        new float[CLIP_SIZE * CLIP_SIZE * 3]);
                uncond = features(node, clipVision.encoder(), adapter, black, scope);
            } else {
                uncond = cond.zerosLike();
            }
            uncond = toSize(uncond, b);
            if (!s.combine().equals("concat") && b > 1) {
                cond = combine(cond, s.combine());
                uncond = uncond.get(new NDIndex("0:1"));
            }
            NDArray condTokens = adapter.project(cond, scope);
            NDArray uncondTokens = adapter.project(uncond, scope);
            float sigmaStart = model.sampling().percentToSigma(s.startAt());
            float sigmaEnd = model.sampling().percentToSigma(s.endAt());
            patch = new IpAdapterPatch(adapter, model.unet().config(), condTokens, uncondTokens, s.weightType(),
                    s.weight(), s.weight(), sigmaStart, sigmaEnd, s.scaling(), mask(mask));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(node + ": " + e.getMessage() + " (the adapter is "
                    + adapter.layout().describe() + "; the MODEL is " + model.family() + ")", e);
        }
        ctx.message(MessageLevel.INFO, node + ": IP-Adapter '" + ipa.source() + "' acts on " + patch.activeLayers()
                + " cross-attention layers at weight " + s.weight() + " (" + s.weightType() + ", " + s.scaling()
                .label() + "), from " + s.startAt() + " to " + s.endAt() + " of the schedule");
        String note = "IP-Adapter " + ipa.source() + " at " + s.weight();
        return model.withUNet(model.unet().withPatchSource(patch), note, patch.sizeBytes(),
                SharedRef.closing(patch.sizeBytes(), patch, SharedRef.retainOwned(model.owned())));
    }

    // The CLIP features the adapter reads: penultimate hidden states (plus, full-face) or image_embeds (plain).
    private static NDArray features(String node, ClipVisionEncoder encoder, IpAdapterModel adapter, HeapTensor px,
            NDManager scope) {
        if (px.rank() != 4 || px.dim(3) != 3) {
            throw new IllegalArgumentException("the image must be an RGB batch [B, H, W, 3], got "
                    + java.util.Arrays.toString(px.shape()) + "; convert it to RGB first");
        }
        ClipVisionEncoder.Output out = encoder.encode(px.toNd(scope), "center", scope);
        NDArray f = adapter.usesHiddenStates() ? out.penultimateHiddenStates() : out.imageEmbeds();
        return f.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
    }

    // The pack's tensor_to_size: repeat the last row, or cut, to n rows.
    static NDArray toSize(NDArray a, long n) {
        long have = a.getShape().get(0);
        if (have == n) {
            return a;
        }
        if (have > n) {
            return a.get(new NDIndex("0:" + n));
        }
        NDArray last = a.get(new NDIndex((have - 1) + ":" + have));
        return a.concat(last.repeat(0, n - have), 0);
    }

    // combine_embeds over the image batch (the pack combines the CLIP features before projecting them).
    static NDArray combine(NDArray x, String mode) {
        return switch (mode) {
            case "add" -> x.sum(new int[] {0}, true);
            case "subtract" -> x.get(new NDIndex("0:1")).sub(x.get(new NDIndex("1:")).mean(new int[] {0}, true));
            case "average" -> x.mean(new int[] {0}, true);
            case "norm average" -> x.div(x.norm(new int[] {0}, true)).mean(new int[] {0}, true);
            default -> throw new IllegalArgumentException("unknown combine_embeds '" + mode + "'; one of " + COMBINE);
        };
    }

    static IpAdapterPatch.Mask mask(MaskValue m) {
        if (m == null) {
            return null;
        }
        HeapTensor t = m.mask();
        long[] s = t.shape();
        if (s.length == 2) {
            return new IpAdapterPatch.Mask(1, (int) s[0], (int) s[1], t.data());
        }
        if (s.length != 3) {
            throw new IllegalArgumentException("attn_mask must be [B, H, W], got " + java.util.Arrays.toString(s));
        }
        return new IpAdapterPatch.Mask((int) s[0], (int) s[1], (int) s[2], t.data());
    }

    /**
     * IPAdapter (the pack's simple node): weight types "standard" (linear), "prompt is more important" (ease out)
     * and "style transfer"; the CLIP vision model comes with the IPAdapterUnifiedLoader pipeline.
     */
    public static final class IPAdapter extends Node {
        static final FloatInput WEIGHT = FloatInput.of("weight", 1.0, -1.0, 3.0, 0.05);
        static final ComboInput WEIGHT_TYPE = ComboInput.of("weight_type", IpAdapterWeighting.SIMPLE_TYPES);

        public IPAdapter() {
            super(NodeSupport.schema("IPAdapter", "IPAdapter", CATEGORY,
                            "Prompts with a picture: the reference image, encoded by CLIP vision, joins the text in"
                                    + " every cross-attention layer of the MODEL. weight scales it; start_at/end_at"
                                    + " limit it to part of the schedule; an attn_mask limits where it acts.")
                    .input(MODEL)
                    .input(IPADAPTER)
                    .input(IMAGE)
                    .input(WEIGHT)
                    .input(START)
                    .input(END)
                    .input(WEIGHT_TYPE)
                    .input(ATTN_MASK)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            IpAdapterValue ipa = in.get(IPADAPTER);
            if (ipa.clipVision() == null) {
                throw new IllegalArgumentException("IPAdapter: the ipadapter input has no CLIP vision model. Load"
                        + " both with IPAdapter Unified Loader, or use IPAdapter Advanced with a clip_vision input");
            }
            Settings s = new Settings(in.getFloat(WEIGHT), IpAdapterWeighting.fromSimple(in.get(WEIGHT_TYPE)),
                    "concat", in.getFloat(START), in.getFloat(END), IpAdapterPatch.Scaling.V_ONLY);
            return NodeOutputs.of(apply(ctx, "IPAdapter", in.get(MODEL), ipa, ipa.clipVision(), in.get(IMAGE), null,
                    in.get(ATTN_MASK), s));
        }
    }

    /** IPAdapterAdvanced: every weight type, combine_embeds, embeds_scaling, a negative image, any CLIP vision. */
    public static final class IPAdapterAdvanced extends Node {
        static final FloatInput WEIGHT = FloatInput.of("weight", 1.0, -1.0, 5.0, 0.05);
        static final ComboInput WEIGHT_TYPE = ComboInput.of("weight_type", IpAdapterWeighting.TYPES);
        static final ComboInput COMBINE_EMBEDS = ComboInput.of("combine_embeds", COMBINE);
        static final ComboInput EMBEDS_SCALING = ComboInput.of("embeds_scaling", SCALING);
        static final SocketInput<ImageValue> IMAGE_NEGATIVE =
                SocketInput.of("image_negative", PortType.IMAGE, ImageValue.class).asOptional();
        static final SocketInput<ClipVisionValue> CLIP_VISION =
                SocketInput.of("clip_vision", PortType.CLIP_VISION, ClipVisionValue.class).asOptional();

        public IPAdapterAdvanced() {
            super(NodeSupport.schema("IPAdapterAdvanced", "IPAdapter Advanced", CATEGORY,
                            "Prompts with pictures: each reference image, encoded by CLIP vision, joins the text in"
                                    + " the MODEL's cross-attention. weight_type spreads the weight over the layers"
                                    + " (style transfer and composition pick the layers that carry each);"
                                    + " combine_embeds merges several images; image_negative is what the negative"
                                    + " prompt sees.")
                    .input(MODEL)
                    .input(IPADAPTER)
                    .input(IMAGE)
                    .input(WEIGHT)
                    .input(WEIGHT_TYPE)
                    .input(COMBINE_EMBEDS)
                    .input(START)
                    .input(END)
                    .input(EMBEDS_SCALING)
                    .input(IMAGE_NEGATIVE)
                    .input(ATTN_MASK)
                    .input(CLIP_VISION)
                    .output(PortType.MODEL, "MODEL"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            IpAdapterValue ipa = in.get(IPADAPTER);
            ClipVisionValue cv = in.get(CLIP_VISION);
            if (cv == null) {
                cv = ipa.clipVision();
            }
            if (cv == null) {
                throw new IllegalArgumentException("IPAdapterAdvanced: missing CLIP vision model. Connect clip_vision"
                        + " (CLIPVisionLoader with the model the adapter was trained with: "
                        + ipa.model().layout().clipHint() + "), or load both with IPAdapter Unified Loader");
            }
            Settings s = new Settings(in.getFloat(WEIGHT), in.get(WEIGHT_TYPE), in.get(COMBINE_EMBEDS),
                    in.getFloat(START), in.getFloat(END), IpAdapterPatch.Scaling.of(in.get(EMBEDS_SCALING)));
            return NodeOutputs.of(apply(ctx, "IPAdapterAdvanced", in.get(MODEL), ipa, cv, in.get(IMAGE),
                    in.get(IMAGE_NEGATIVE), in.get(ATTN_MASK), s));
        }
    }

    /**
     * PrepImageForClipVision (the pack's "Prep Image For ClipVision", ipadapter/utils): a 224 × 224 square for CLIP
     * vision, cropped at a side or the centre or padded with black, resized with one of Pillow's filters, then
     * optionally sharpened.
     */
    public static final class PrepImageForClipVision extends Node {
        static final ComboInput INTERPOLATION = ComboInput.of("interpolation",
                List.of("LANCZOS", "BICUBIC", "HAMMING", "BILINEAR", "BOX", "NEAREST"));
        static final ComboInput CROP_POSITION = ComboInput.of("crop_position",
                List.of("top", "bottom", "left", "right", "center", "pad"));
        static final FloatInput SHARPENING = FloatInput.of("sharpening", 0.0, 0.0, 1.0, 0.05);

        public PrepImageForClipVision() {
            super(NodeSupport.schema("PrepImageForClipVision", "Prep Image For ClipVision", "ipadapter/utils",
                            "Makes the 224 × 224 square CLIP vision sees: crop_position picks which square of the"
                                    + " image (or pad keeps all of it with black bars), interpolation the resize"
                                    + " filter, sharpening brings back detail the downscale softened.")
                    .input(IMAGE)
                    .input(INTERPOLATION)
                    .input(CROP_POSITION)
                    .input(SHARPENING)
                    .output(PortType.IMAGE, "IMAGE"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get(IMAGE);
            HeapTensor p = img.pixels();
            if (p.rank() != 4 || p.dim(3) != 3) {
                throw new IllegalArgumentException("PrepImageForClipVision: the image must be an RGB batch [B, H, W,"
                        + " 3], got " + java.util.Arrays.toString(p.shape()) + "; convert it to RGB first");
            }
            int b = img.batch();
            float[] out = dev.noodle.engine.image.ClipVisionPrep.prepare(p.data(), b, img.height(), img.width(),
                    dev.noodle.engine.image.ImageResize.PillowFilter.valueOf(in.get(INTERPOLATION)),
                    dev.noodle.engine.image.ClipVisionPrep.Position.valueOf(
                            in.get(CROP_POSITION).toUpperCase(java.util.Locale.ROOT)),
                    in.getFloat(SHARPENING));
            int side = dev.noodle.engine.image.ClipVisionPrep.SIZE;
            return NodeOutputs.of(new ImageValue(new HeapTensor(new long[] {b, side, side, 3}, out)));
        }
    }
}
