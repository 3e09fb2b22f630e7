package dev.noodle.nodes.conditioning;

import dev.noodle.engine.diffusion.UnclipAdm;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipVisionOutputValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.UnclipImages;
import java.util.ArrayList;
import java.util.List;

/**
 * unCLIPConditioning, as ComfyUI's ({@code nodes.py}): adds a CLIP vision output's image embeddings to every entry
 * of a conditioning, with a strength and a noise augmentation. Sampling turns them into the UNet's {@code y}: on a
 * Stable unCLIP 2.1 model the image vector, on SDXL the pooled vector ("revision"); models without
 * {@code label_emb} ignore them, as in ComfyUI ({@link dev.noodle.engine.diffusion.UnclipAdm}).
 */
public final class UnclipNodes {
    private UnclipNodes() {}

    /** unCLIPConditioning. */
    public static final class UnclipConditioning extends Node {
        static final SocketInput<ConditioningValue> CONDITIONING =
                SocketInput.of("conditioning", PortType.CONDITIONING, ConditioningValue.class);
        static final SocketInput<ClipVisionOutputValue> CLIP_VISION_OUTPUT =
                SocketInput.of("clip_vision_output", PortType.CLIP_VISION_OUTPUT, ClipVisionOutputValue.class);
        static final FloatInput STRENGTH = FloatInput.of("strength", 1.0, -10.0, 10.0, 0.01)
                .withTooltip("How strongly the image steers the picture; negative values steer away from it.");
        static final FloatInput NOISE_AUGMENTATION = FloatInput.of("noise_augmentation", 0.0, 0.0, 1.0, 0.01)
                .withTooltip("Noise added to the image embedding: higher values keep less of the image and give"
                        + " the prompt more room.");

        public UnclipConditioning() {
            super(NodeSupport.schema("unCLIPConditioning", "unCLIPConditioning", "conditioning",
                            "Conditions on an image: its CLIP vision embedding steers an unCLIP model (SD 2.1"
                                    + " unCLIP) or SDXL (\"revision\") towards the image's content and style."
                                    + " Chain several to mix images.")
                    .input(CONDITIONING)
                    .input(CLIP_VISION_OUTPUT)
                    .input(STRENGTH)
                    .input(NOISE_AUGMENTATION)
                    .output(PortType.CONDITIONING, "CONDITIONING"));
        }

        @Override
        public NodeOutputs execute(NodeContext ctx) {
            NodeInputs in = ctx.inputs();
            ConditioningValue c = in.get(CONDITIONING);
            double strength = in.get(STRENGTH);
            if (strength == 0) {
                return NodeOutputs.of(c);
            }
            ClipVisionOutputValue vision = in.get(CLIP_VISION_OUTPUT);
            UnclipImages.Image image = new UnclipImages.Image(vision.imageEmbeds(), (float) strength,
                    UnclipAdm.noiseLevel(in.get(NOISE_AUGMENTATION)));
            List<ConditioningValue.Entry> out = new ArrayList<>();
            for (ConditioningValue.Entry e : c.entries()) {
                out.add(UnclipImages.with(e, image));
            }
            return NodeOutputs.of(new ConditioningValue(out));
        }
    }
}
