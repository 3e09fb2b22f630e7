package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which two images a before/after view compares for a node, found from the node types in the workflow:
 * <ul>
 *   <li>an upscale or resize ({@code ImageUpscaleWithModel}, {@code ImageScale*}): the image it was given and the
 *       one it made;</li>
 *   <li>the result of an inpaint (an image node downstream of {@code VAEEncodeForInpaint},
 *       {@code InpaintModelConditioning} or {@code SetLatentNoiseMask}, e.g. its VAE Decode or Save Image): the source
 *       image the inpaint encoded and the result.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class CompareSources {
    private CompareSources() {}

    /** What a comparison shows: which kind it is, and the (node, output) of the images before and after. */
    public record Comparison(Kind kind, String beforeNode, int beforeOutput, String afterNode, int afterOutput) {}

    /** Why two images are compared. */
    public enum Kind {
        /** An upscale or resize: its input and its output (the input scaled to the output's size). */
        UPSCALE,
        /** An inpaint: the source image and the result. */
        INPAINT
    }

    /** Whether {@code type} is an upscale or resize whose input and output are compared. */
    public static boolean isUpscale(String type) {
        return type.equals("ImageUpscaleWithModel") || type.startsWith("ImageScale");
    }

    /** Whether {@code type} is one of the nodes an inpaint goes through. */
    public static boolean isInpaint(String type) {
        return type.equals("VAEEncodeForInpaint") || type.equals("InpaintModelConditioning")
                || type.equals("SetLatentNoiseMask");
    }

    /** The comparison for node {@code id} of {@code wf}; empty when it is neither an upscale nor an inpaint result. */
    public static Optional<Comparison> find(Workflow wf, String id, Function<String, Optional<NodeSchema>> schemas) {
        NodeInstance node = wf.nodes().get(id);
        if (node == null) {
            return Optional.empty();
        }
        NodeSchema schema = schemas.apply(node.type()).orElse(null);
        if (schema == null) {
            return Optional.empty();
        }
        int imageOut = imageOutput(schema);
        String afterNode = id;
        int afterOutput = imageOut;
        if (imageOut < 0) {
            // an output node (Save Image, Preview Image): the image it was given is the "after"
            Link in = firstImageLink(node, schema);
            if (in == null) {
                return Optional.empty();
            }
            afterNode = in.nodeId();
            afterOutput = in.outputIndex();
        }
        if (isUpscale(node.type())) {
            Link in = firstImageLink(node, schema);
            return in == null ? Optional.empty()
                    : Optional.of(new Comparison(Kind.UPSCALE, in.nodeId(), in.outputIndex(), id, imageOut));
        }
        Link source = inpaintSource(wf, afterNode, schemas);
        return source == null ? Optional.empty()
                : Optional.of(new Comparison(Kind.INPAINT, source.nodeId(), source.outputIndex(), afterNode,
                        afterOutput));
    }

    /**
     * Walks upstream from {@code start} to the nearest inpaint node and returns the image it encoded: its
     * {@code pixels}, or for {@code SetLatentNoiseMask} the {@code pixels} of the encoder behind its latent.
     */
    private static Link inpaintSource(Workflow wf, String start, Function<String, Optional<NodeSchema>> schemas) {
        Deque<String> queue = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            String id = queue.poll();
            if (!seen.add(id)) {
                continue;
            }
            NodeInstance n = wf.nodes().get(id);
            if (n == null) {
                continue;
            }
            if (isInpaint(n.type())) {
                Link pixels = n.inputs().get("pixels") instanceof Link l ? l : null;
                if (pixels != null) {
                    return pixels;
                }
                Link encoded = encoderPixels(wf, n.inputs().get("samples"), schemas);
                if (encoded != null) {
                    return encoded;
                }
            }
            for (InputValue v : n.inputs().values()) {
                if (v instanceof Link l) {
                    queue.add(l.nodeId());
                }
            }
        }
        return null;
    }

    /** The image a latent was encoded from: the first IMAGE input upstream of {@code latent}, through latent nodes. */
    private static Link encoderPixels(Workflow wf, InputValue latent, Function<String, Optional<NodeSchema>> schemas) {
        Set<String> seen = new HashSet<>();
        InputValue at = latent;
        while (at instanceof Link l && seen.add(l.nodeId())) {
            NodeInstance n = wf.nodes().get(l.nodeId());
            NodeSchema s = n == null ? null : schemas.apply(n.type()).orElse(null);
            if (s == null) {
                return null;
            }
            Link img = firstImageLink(n, s);
            if (img != null) {
                return img;
            }
            at = n.inputs().get("samples");
        }
        return null;
    }

    private static int imageOutput(NodeSchema schema) {
        for (int i = 0; i < schema.outputs().size(); i++) {
            if (schema.outputs().get(i).type().equals(PortType.IMAGE)) {
                return i;
            }
        }
        return -1;
    }

    private static Link firstImageLink(NodeInstance node, NodeSchema schema) {
        for (InputSpec spec : schema.inputs()) {
            if (spec instanceof SocketInput<?> s && s.type().equals(PortType.IMAGE)
                    && node.inputs().get(s.name()) instanceof Link l) {
                return l;
            }
        }
        return null;
    }
}
