package dev.noodle.nodes.image;

import dev.noodle.engine.image.ImageResize;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import java.util.Arrays;

/**
 * ComfyUI's image batch nodes: ImageBatch and EmptyImage ({@code nodes.py}), ImageFromBatch, RepeatImageBatch and
 * GetImageSize ({@code comfy_extras/nodes_images.py}), with their input names, order, defaults and semantics.
 *
 * <p>Images are [B, H, W, 3] floats in [0, 1]. Stateless and thread-safe.
 */
public final class ImageBatchNodes {
    private ImageBatchNodes() {}

    static final SocketInput<ImageValue> IMAGE = SocketInput.of("image", PortType.IMAGE, ImageValue.class);
    static final SocketInput<ImageValue> IMAGE1 = SocketInput.of("image1", PortType.IMAGE, ImageValue.class);
    static final SocketInput<ImageValue> IMAGE2 = SocketInput.of("image2", PortType.IMAGE, ImageValue.class);

    /**
     * ComfyUI's ImageBatch: image2 after image1. When their sizes differ image2 is first resized to image1's size
     * as ComfyUI does it: centre crop to image1's aspect, then bilinear (torch, align_corners false).
     *
     * @throws IllegalArgumentException naming the node and input when an image is empty or the result too large
     */
    public static ImageValue batch(ImageValue image1, ImageValue image2) {
        requirePixels("Batch Images", "image1", image1);
        requirePixels("Batch Images", "image2", image2);
        int h = image1.height();
        int w = image1.width();
        MemoryPreflight.check("Batch Images", (long) image1.batch() + image2.batch(), h, w);
        if (image2.height() != h || image2.width() != w) {
            image2 = ScaleNodes.scaleImage(image2, w, h, ImageResize.Method.BILINEAR, true);
        }
        float[] a = image1.pixels().data();
        float[] b = image2.pixels().data();
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return new ImageValue(new HeapTensor(new long[] {image1.batch() + image2.batch(), h, w, 3}, out));
    }

    /**
     * ComfyUI's ImageFromBatch: {@code length} images from {@code batchIndex}; a negative index counts from the end
     * (-1 is the last image), the index is clamped into the batch and the length to what is left, as ComfyUI does.
     */
    public static ImageValue fromBatch(ImageValue image, int batchIndex, int length) {
        requirePixels("ImageFromBatch", "image", image);
        int index = batchIndex < 0 ? batchIndex + image.batch() : batchIndex;
        int start = Math.max(0, Math.min(image.batch() - 1, index));
        int n = Math.min(image.batch() - start, length);
        int plane = image.height() * image.width() * 3;
        float[] out = Arrays.copyOfRange(image.pixels().data(), start * plane, (start + n) * plane);
        return new ImageValue(new HeapTensor(new long[] {n, image.height(), image.width(), 3}, out));
    }

    /** ComfyUI's RepeatImageBatch: the whole batch {@code amount} times over (torch {@code repeat}). */
    public static ImageValue repeat(ImageValue image, int amount) {
        requirePixels("RepeatImageBatch", "image", image);
        MemoryPreflight.check("RepeatImageBatch", (long) image.batch() * amount, image.height(), image.width());
        return new ImageValue(image.pixels().repeatBatch(amount));
    }

    /**
     * ComfyUI's EmptyImage: a batch filled with one colour given as 0xRRGGBB; each channel is its byte / 255 (a
     * float32 of the double quotient, as torch.full stores it).
     */
    public static ImageValue empty(int width, int height, int batchSize, long color) {
        MemoryPreflight.check("EmptyImage", batchSize, height, width);
        float r = (float) (((color >> 16) & 0xFF) / 255.0);
        float g = (float) (((color >> 8) & 0xFF) / 255.0);
        float b = (float) ((color & 0xFF) / 255.0);
        int n = batchSize * height * width;
        float[] out = new float[n * 3];
        for (int i = 0; i < n; i++) {
            out[i * 3] = r;
            out[i * 3 + 1] = g;
            out[i * 3 + 2] = b;
        }
        return new ImageValue(new HeapTensor(new long[] {batchSize, height, width, 3}, out));
    }

    static void requirePixels(String node, String input, ImageValue img) {
        if (img.batch() < 1 || img.height() < 1 || img.width() < 1) {
            throw new IllegalArgumentException(node + ": " + input + " is empty (" + img.batch() + " image(s) of "
                    + img.width() + "×" + img.height() + "); connect an image with pixels");
        }
    }

    /** ImageBatch: joins two image batches into one. */
    public static final class ImageBatch extends Node {
        public ImageBatch() {
            super(NodeSupport.schema("ImageBatch", "Batch Images", "image",
                            "Puts image2 after image1 in one batch; image2 is resized (centre crop, bilinear) to"
                                    + " image1's size when they differ.")
                    .input(IMAGE1)
                    .input(IMAGE2)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(batch(in.get(IMAGE1), in.get(IMAGE2)));
        }
    }

    /** ImageFromBatch: a slice of an image batch. */
    public static final class ImageFromBatch extends Node {
        static final IntInput BATCH_INDEX = IntInput.of("batch_index", 0, -ConditioningNodes.MAX_RESOLUTION,
                ConditioningNodes.MAX_RESOLUTION);
        static final IntInput LENGTH = IntInput.of("length", 1, 1, 4096);

        public ImageFromBatch() {
            super(NodeSupport.schema("ImageFromBatch", "Get Image from Batch", "image/batch",
                            "Takes length images starting at batch_index (clamped to the batch); a negative index"
                                    + " counts from the end, -1 being the last image.")
                    .input(IMAGE)
                    .input(BATCH_INDEX)
                    .input(LENGTH)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(fromBatch(in.get(IMAGE), in.getInt(BATCH_INDEX), in.getInt(LENGTH)));
        }
    }

    /** RepeatImageBatch: the batch repeated. */
    public static final class RepeatImageBatch extends Node {
        static final IntInput AMOUNT = IntInput.of("amount", 1, 1, 4096);

        public RepeatImageBatch() {
            super(NodeSupport.schema("RepeatImageBatch", "Repeat Image Batch", "image/batch",
                            "Repeats the whole batch amount times.")
                    .input(IMAGE)
                    .input(AMOUNT)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(repeat(in.get(IMAGE), in.getInt(AMOUNT)));
        }
    }

    /** EmptyImage: a batch of one solid colour. */
    public static final class EmptyImage extends Node {
        static final IntInput WIDTH = IntInput.of("width", 512, 1, ConditioningNodes.MAX_RESOLUTION);
        static final IntInput HEIGHT = IntInput.of("height", 512, 1, ConditioningNodes.MAX_RESOLUTION);
        static final IntInput BATCH_SIZE = IntInput.of("batch_size", 1, 1, 4096);
        static final IntInput COLOR = IntInput.of("color", 0, 0, 0xFFFFFF);

        public EmptyImage() {
            super(NodeSupport.schema("EmptyImage", "EmptyImage", "image",
                            "A batch of images of one colour, given as 0xRRGGBB.")
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(BATCH_SIZE)
                    .input(COLOR)
                    .output(PortType.IMAGE));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            return NodeOutputs.of(empty(in.getInt(WIDTH), in.getInt(HEIGHT), in.getInt(BATCH_SIZE), in.get(COLOR)));
        }
    }

    /** GetImageSize: width, height and batch size of an image. */
    public static final class GetImageSize extends Node {
        public GetImageSize() {
            super(NodeSupport.schema("GetImageSize", "Get Image Size", "image",
                            "Returns width and height of the image, and passes it through unchanged.")
                    .input(IMAGE)
                    .output(PortType.INT, "width")
                    .output(PortType.INT, "height")
                    .output(PortType.INT, "batch_size"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            ImageValue img = ctx.inputs().get(IMAGE);
            return NodeOutputs.of((long) img.width(), (long) img.height(), (long) img.batch());
        }
    }
}
