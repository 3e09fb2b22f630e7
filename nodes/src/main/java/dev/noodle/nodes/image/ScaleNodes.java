package dev.noodle.nodes.image;

import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.host.MemoryPreflight;
import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.image.ImageResize;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import dev.noodle.nodes.values.LatentValue;
import dev.noodle.nodes.values.ModelValue;
import java.util.List;

/** LatentUpscale(By), ImageScale(By) and ModelSamplingDiscrete, shaped as ComfyUI's. */
public final class ScaleNodes {
    private ScaleNodes() {}

    static final List<String> LATENT_METHODS = List.of("nearest-exact", "bilinear", "area", "bicubic", "bislerp");
    static final List<String> IMAGE_METHODS = List.of("nearest-exact", "bilinear", "area", "bicubic", "lanczos");
    static final List<String> CROP = List.of("disabled", "center");

    /**
     * ComfyUI {@code common_upscale} on channels-first tensors: optional center crop to the target aspect, then
     * the method per sample.
     *
     * @param t [B, C, H, W]
     * @return [B, C, height, width]
     */
    public static HeapTensor upscaleChw(HeapTensor t, int width, int height, String method, boolean center) {
        int b = (int) t.dim(0);
        int c = (int) t.dim(1);
        int h = (int) t.dim(2);
        int w = (int) t.dim(3);
        int[] crop = center ? ImageResize.centerCrop(w, h, width, height) : new int[] {0, 0, w, h};
        float[] out = new float[b * c * height * width];
        float[] d = t.data();
        for (int i = 0; i < b; i++) {
            float[] hwc = new float[crop[3] * crop[2] * c]; // [h', w', C]
            for (int y = 0; y < crop[3]; y++) {
                for (int x = 0; x < crop[2]; x++) {
                    for (int k = 0; k < c; k++) {
                        hwc[(y * crop[2] + x) * c + k] = d[((i * c + k) * h + crop[1] + y) * w + crop[0] + x];
                    }
                }
            }
            float[] r = method.equals("bislerp") ? Bislerp.resize(hwc, crop[3], crop[2], c, height, width)
                    : ImageResize.resize(hwc, crop[3], crop[2], c, height, width, ImageResize.Method.fromComfyName(method));
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    for (int k = 0; k < c; k++) {
                        out[((i * c + k) * height + y) * width + x] = r[(y * width + x) * c + k];
                    }
                }
            }
        }
        return new HeapTensor(new long[] {b, c, height, width}, out);
    }

    /** ImageScale's resize of [B, H, W, C] images. */
    public static ImageValue scaleImage(ImageValue img, int width, int height, String method, boolean center) {
        HeapTensor p = img.pixels();
        int b = img.batch();
        int c = (int) p.dim(3);
        int[] crop = center ? ImageResize.centerCrop(img.width(), img.height(), width, height)
                : new int[] {0, 0, img.width(), img.height()};
        float[] out = new float[b * height * width * c];
        for (int i = 0; i < b; i++) {
            float[] one = new float[crop[3] * crop[2] * c];
            for (int y = 0; y < crop[3]; y++) {
                System.arraycopy(p.data(), ((i * img.height() + crop[1] + y) * img.width() + crop[0]) * c, one,
                        y * crop[2] * c, crop[2] * c);
            }
            float[] r = ImageResize.resize(one, crop[3], crop[2], c, height, width,
                    ImageResize.Method.fromComfyName(method));
            System.arraycopy(r, 0, out, i * r.length, r.length);
        }
        return new ImageValue(new HeapTensor(new long[] {b, height, width, c}, out));
    }

    public static LatentValue scaleLatent(LatentValue l, int w, int h, String method, boolean center) {
        MemoryPreflight.check("LatentUpscale", l.batch(), h * 8L, w * 8L);
        return new LatentValue(upscaleChw(l.samples(), w, h, method, center), l.noiseMask(), l.batchIndex());
    }

    private static IntInput size(String name, long dflt, long step) {
        return new IntInput(name, dflt, 0, ConditioningNodes.MAX_RESOLUTION, step, false, "", false);
    }

    /** LatentUpscale: resizes a latent to a pixel size (0 = keep the aspect from the other side). */
    public static final class LatentUpscale implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("LatentUpscale", "Upscale Latent", "latent",
                        "Resizes the latent to a new image size (pixels; 0 keeps the aspect ratio from the other side),"
                                + " e.g. for a second 'hires fix' pass.")
                .input(SocketInput.of("samples", PortType.LATENT))
                .input(ComboInput.of("upscale_method", LATENT_METHODS))
                .input(size("width", 512, 8))
                .input(size("height", 512, 8))
                .input(ComboInput.of("crop", CROP))
                .output(PortType.LATENT, "LATENT")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue l = in.get("samples", LatentValue.class);
            long width = in.getInt("width");
            long height = in.getInt("height");
            if (width == 0 && height == 0) {
                return NodeOutputs.of(l);
            }
            long lw = l.samples().dim(3);
            long lh = l.samples().dim(2);
            if (width == 0) {
                height = Math.max(64, height);
                width = Math.max(64, Math.round(Math.rint((double) lw * height / lh)));
            } else if (height == 0) {
                width = Math.max(64, width);
                height = Math.max(64, Math.round(Math.rint((double) lh * width / lw)));
            } else {
                width = Math.max(64, width);
                height = Math.max(64, height);
            }
            return NodeOutputs.of(scaleLatent(l, (int) (width / 8), (int) (height / 8), in.getString("upscale_method"),
                    in.getString("crop").equals("center")));
        }
    }

    /** LatentUpscaleBy: resizes a latent by a factor. */
    public static final class LatentUpscaleBy implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("LatentUpscaleBy", "Upscale Latent By", "latent",
                        "Resizes the latent by a factor (1.5 = 50% larger).")
                .input(SocketInput.of("samples", PortType.LATENT))
                .input(ComboInput.of("upscale_method", LATENT_METHODS))
                .input(FloatInput.of("scale_by", 1.5, 0.01, 8.0, 0.01))
                .output(PortType.LATENT, "LATENT")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            LatentValue l = in.get("samples", LatentValue.class);
            double s = in.getFloat("scale_by");
            int w = (int) Math.rint(l.samples().dim(3) * s);
            int h = (int) Math.rint(l.samples().dim(2) * s);
            if (w < 1 || h < 1) {
                throw new IllegalArgumentException("scale_by " + s + " makes the latent empty; use a larger factor");
            }
            return NodeOutputs.of(scaleLatent(l, w, h, in.getString("upscale_method"), false));
        }
    }

    /** ImageScale: resizes images to a size (0 = keep the aspect from the other side). */
    public static final class ImageScale implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ImageScale", "Upscale Image", "image/upscaling",
                        "Resizes the images (0 keeps the aspect ratio from the other side).")
                .input(SocketInput.of("image", PortType.IMAGE))
                .input(ComboInput.of("upscale_method", IMAGE_METHODS))
                .input(size("width", 512, 1))
                .input(size("height", 512, 1))
                .input(ComboInput.of("crop", CROP))
                .output(PortType.IMAGE, "IMAGE")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get("image", ImageValue.class);
            long width = in.getInt("width");
            long height = in.getInt("height");
            if (width == 0 && height == 0) {
                return NodeOutputs.of(img);
            }
            if (width == 0) {
                width = Math.max(1, Math.round(Math.rint((double) img.width() * height / img.height())));
            } else if (height == 0) {
                height = Math.max(1, Math.round(Math.rint((double) img.height() * width / img.width())));
            }
            MemoryPreflight.check("ImageScale", img.batch(), height, width);
            return NodeOutputs.of(scaleImage(img, (int) width, (int) height, in.getString("upscale_method"),
                    in.getString("crop").equals("center")));
        }
    }

    /** ImageScaleBy: resizes images by a factor. */
    public static final class ImageScaleBy implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ImageScaleBy", "Upscale Image By", "image/upscaling",
                        "Resizes the images by a factor.")
                .input(SocketInput.of("image", PortType.IMAGE))
                .input(ComboInput.of("upscale_method", IMAGE_METHODS))
                .input(FloatInput.of("scale_by", 1.0, 0.01, 8.0, 0.01))
                .output(PortType.IMAGE, "IMAGE")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ImageValue img = in.get("image", ImageValue.class);
            double s = in.getFloat("scale_by");
            int w = (int) Math.rint(img.width() * s);
            int h = (int) Math.rint(img.height() * s);
            if (w < 1 || h < 1) {
                throw new IllegalArgumentException("scale_by " + s + " makes the image empty; use a larger factor");
            }
            MemoryPreflight.check("ImageScaleBy", img.batch(), h, w);
            return NodeOutputs.of(scaleImage(img, w, h, in.getString("upscale_method"), false));
        }
    }

    /** ModelSamplingDiscrete: overrides the MODEL's prediction type (and zero-terminal-SNR schedule). */
    public static final class ModelSamplingDiscrete implements NodeDefinition {
        private final NodeSchema schema = NodeSupport.schema("ModelSamplingDiscrete", "ModelSamplingDiscrete",
                        "advanced/model", "Sets what the model predicts when the file does not say: eps, v_prediction"
                                + " (SD 2.x 768 models), lcm (LCM checkpoints and LCM-LoRA; use the lcm sampler with"
                                + " 4-8 steps and cfg 1-2) or x0; zsnr for zero-terminal-SNR models.")
                .input(SocketInput.of("model", PortType.MODEL))
                .input(ComboInput.of("sampling", "eps", "v_prediction", "lcm", "x0"))
                .input(BoolInput.of("zsnr", false))
                .output(PortType.MODEL, "MODEL")
                .build();

        @Override
        public NodeSchema schema() {
            return schema;
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ModelValue model = in.get("model", ModelValue.class);
            String sampling = in.getString("sampling");
            PredictionType p = switch (sampling) {
                case "eps" -> PredictionType.EPS;
                case "v_prediction" -> PredictionType.V_PREDICTION;
                case "lcm" -> PredictionType.LCM;
                case "x0" -> PredictionType.X0;
                default -> throw new IllegalArgumentException("sampling '" + sampling + "' is not one of eps,"
                        + " v_prediction, lcm, x0");
            };
            boolean zsnr = in.getBool("zsnr");
            ModelSampling s = ModelSampling.discrete(0.00085, 0.012, 1000, p, zsnr);
            if (p == PredictionType.LCM) {
                s = s.distilled(50); // LCM models were distilled on 50 of the 1000 training timesteps
            }
            return NodeOutputs.of(model.withSampling(s, "sampling " + sampling + (zsnr ? " zsnr" : "")));
        }
    }
}
