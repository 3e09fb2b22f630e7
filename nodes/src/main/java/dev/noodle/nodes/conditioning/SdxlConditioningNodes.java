package dev.noodle.nodes.conditioning;

import dev.noodle.nodes.host.NodeSupport;

import dev.noodle.engine.diffusion.AdmConditioning;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.PromptStyle;
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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SDXL text encoding with explicit size conditioning: ComfyUI's {@code CLIPTextEncodeSDXL} and
 * {@code CLIPTextEncodeSDXLRefiner} ({@code comfy_extras/nodes_clip_sdxl.py}) with the same inputs (plain CLIP Text
 * Encode handles SDXL's pair of encoders too). The size parameters travel in the entry's extras under ComfyUI's names ({@link AdmConditioning});
 * the sampler builds the UNet's {@code y} vector from them and the latent's size. Like ComfyUI's, these nodes have
 * no {@code prompt_style} input: they read prompts in ComfyUI's style.
 */
public final class SdxlConditioningNodes {
    private SdxlConditioningNodes() {}

    static final SocketInput<ClipValue> CLIP = SocketInput.of("clip", PortType.CLIP, ClipValue.class);

    private static IntInput size(String name, long dflt) {
        return IntInput.of(name, dflt, 0, ConditioningNodes.MAX_RESOLUTION);
    }

    /** CLIPTextEncodeSDXL: separate prompts for bigG and CLIP-L, with explicit size and crop conditioning. */
    public static final class ClipTextEncodeSdxl extends Node {
        static final IntInput WIDTH = size(AdmConditioning.WIDTH, 1024);
        static final IntInput HEIGHT = size(AdmConditioning.HEIGHT, 1024);
        static final IntInput CROP_W = size(AdmConditioning.CROP_W, 0);
        static final IntInput CROP_H = size(AdmConditioning.CROP_H, 0);
        static final IntInput TARGET_WIDTH = size(AdmConditioning.TARGET_WIDTH, 1024);
        static final IntInput TARGET_HEIGHT = size(AdmConditioning.TARGET_HEIGHT, 1024);
        static final StringInput TEXT_G = StringInput.multiline("text_g", "");
        static final StringInput TEXT_L = StringInput.multiline("text_l", "");

        public ClipTextEncodeSdxl() {
            super(NodeSupport.schema("CLIPTextEncodeSDXL", "CLIP Text Encode (SDXL)",
                            "advanced/conditioning", "SDXL prompt encoding with the size conditioning spelled out:"
                                    + " text_g goes to OpenCLIP bigG, text_l to CLIP-L; width/height are the"
                                    + " 'original' size, crop_w/crop_h the crop offset, target_width/target_height"
                                    + " the output size.")
                    .input(CLIP)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(CROP_W)
                    .input(CROP_H)
                    .input(TARGET_WIDTH)
                    .input(TARGET_HEIGHT)
                    .input(TEXT_G)
                    .input(TEXT_L)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get(CLIP);
            Map<String, Double> p = new LinkedHashMap<>();
            for (IntInput size : new IntInput[] {WIDTH, HEIGHT, CROP_W, CROP_H, TARGET_WIDTH, TARGET_HEIGHT}) {
                p.put(size.name(), (double) in.get(size)); // the input names are ComfyUI's parameter names
            }
            return NodeOutputs.of(PromptEncoder.encodeSdxl(ctx, clip, in.get(TEXT_L), in.get(TEXT_G),
                    clip.encoding().stopAtLayer(), p, PromptStyle.COMFY));
        }
    }

    /**
     * CLIPTextEncodeSDXLRefiner: a prompt with the refiner's aesthetic score and size, encoded by the refiner's
     * OpenCLIP bigG. On a base SDXL model (both its encoders) the score is not used (its {@code y} has no slot for
     * it), as in ComfyUI.
     */
    public static final class ClipTextEncodeSdxlRefiner extends Node {
        static final FloatInput ASCORE = FloatInput.of("ascore", 6.0, 0.0, 1000.0, 0.01);
        static final IntInput WIDTH = size("width", 1024);
        static final IntInput HEIGHT = size("height", 1024);
        static final StringInput TEXT = StringInput.multiline("text", "");

        public ClipTextEncodeSdxlRefiner() {
            super(NodeSupport.schema("CLIPTextEncodeSDXLRefiner",
                            "CLIP Text Encode (SDXL Refiner)", "advanced/conditioning", "Prompt encoding for the SDXL"
                                    + " refiner: ascore is the aesthetic score to aim for (6 by default; negative"
                                    + " prompts usually 2.5), width/height the image size.")
                    .input(ASCORE)
                    .input(WIDTH)
                    .input(HEIGHT)
                    .input(TEXT)
                    .input(CLIP)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ClipValue clip = in.get(CLIP);
            Map<String, Double> p = new LinkedHashMap<>();
            p.put(AdmConditioning.AESTHETIC_SCORE, in.get(ASCORE));
            p.put(AdmConditioning.WIDTH, (double) in.get(WIDTH));
            p.put(AdmConditioning.HEIGHT, (double) in.get(HEIGHT));
            String text = in.get(TEXT);
            if (clip.family() == ModelFamily.SDXL_REFINER) {
                // the refiner's CLIP is OpenCLIP bigG alone (ComfyUI SDXLRefinerClipModel): context and pooled
                // output both come from it
                return NodeOutputs.of(PromptEncoder.encode(ctx, clip, text, clip.encoding(), PromptStyle.COMFY, p));
            }
            if (!clip.dual()) {
                throw new IllegalArgumentException("CLIP Text Encode (SDXL Refiner): input 'clip' is " + clip
                        + "; this node needs the CLIP of an SDXL refiner or SDXL base checkpoint. Use CLIP Text"
                        + " Encode for " + clip.family() + " models.");
            }
            return NodeOutputs.of(PromptEncoder.encodeSdxl(ctx, clip, text, text, clip.encoding().stopAtLayer(), p,
                    PromptStyle.COMFY));
        }
    }
}
