package dev.noodle.nodes.conditioning;

import dev.noodle.engine.gligen.GligenModel;
import dev.noodle.engine.gligen.GroundedPhrase;
import dev.noodle.engine.text.PromptStyle;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.NodeOutputs;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.host.NodeSupport;
import dev.noodle.nodes.values.ClipValue;
import dev.noodle.nodes.values.ConditioningValue;
import dev.noodle.nodes.values.GligenApplication;
import dev.noodle.nodes.values.GligenValue;
import dev.noodle.nodes.values.HeapTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * GLIGENTextBoxApply (ComfyUI nodes.py): adds one phrase in a box to every entry of a conditioning. The phrase is
 * encoded with the CLIP's pooled output (the final-normed end-token state, without a projection: ComfyUI's
 * {@code return_pooled="unprojected"}); the box is kept in latent cells (pixels / 8, rounded down). Boxes already on
 * an entry are kept, so chained nodes add up to {@value GligenModel#MAX_OBJECTS} boxes. Stateless.
 */
public final class GligenTextBoxApply extends Node {
    static final SocketInput<ConditioningValue> CONDITIONING_TO =
            SocketInput.of("conditioning_to", PortType.CONDITIONING, ConditioningValue.class);
    static final SocketInput<GligenValue> GLIGEN =
            SocketInput.of("gligen_textbox_model", PortType.GLIGEN, GligenValue.class);
    static final StringInput TEXT = StringInput.multiline("text", "");
    static final IntInput WIDTH = size("width", 64, 8);
    static final IntInput HEIGHT = size("height", 64, 8);
    static final IntInput X = size("x", 0, 0);
    static final IntInput Y = size("y", 0, 0);

    private static IntInput size(String name, long dflt, long min) {
        return new IntInput(name, dflt, min, ConditioningNodes.MAX_RESOLUTION, 8, false, "", false);
    }

    public GligenTextBoxApply() {
        super(NodeSupport.schema("GLIGENTextBoxApply", "GLIGENTextBoxApply", "conditioning/gligen",
                        "Places what the text describes in a box (x, y, width, height in pixels) through a GLIGEN"
                                + " model; works best when the text names an object of the prompt. Chain the node"
                                + " for more boxes.")
                .input(CONDITIONING_TO)
                .input(ConditioningNodes.CLIP)
                .input(GLIGEN)
                .input(TEXT)
                .input(WIDTH)
                .input(HEIGHT)
                .input(X)
                .input(Y)
                .output(PortType.CONDITIONING, "CONDITIONING"));
    }

    @Override
    public NodeOutputs execute(NodeContext ctx) {
        NodeInputs in = ctx.inputs();
        ClipValue clip = in.get(ConditioningNodes.CLIP);
        GligenValue gligen = in.get(GLIGEN);
        GligenModel model = gligen.model();
        if (clip.dual() || clip.clip().config().projectionDim() > 0) {
            throw new IllegalArgumentException("GLIGENTextBoxApply: GLIGEN reads the text with SD 1.x's CLIP-L"
                    + " (unprojected pooled output) but this CLIP is " + clip.family().displayName()
                    + "'s; connect the CLIP of an SD 1.x checkpoint");
        }
        ConditioningValue encoded = PromptEncoder.encode(ctx, clip, in.get(TEXT), clip.encoding(),
                PromptStyle.COMFY);
        HeapTensor pooled = encoded.entries().get(0).pooled(); // [1, D]
        float[] embedding = pooled.data().clone();
        if (embedding.length != model.textDim()) {
            throw new IllegalArgumentException("GLIGENTextBoxApply: the GLIGEN model " + gligen.source() + " takes "
                    + model.textDim() + "-wide text embeddings but this CLIP gives " + embedding.length
                    + "-wide ones; use the CLIP of the checkpoint family the GLIGEN model was made for");
        }
        // ComfyUI stores (pooled, height // 8, width // 8, y // 8, x // 8)
        GroundedPhrase phrase = new GroundedPhrase(embedding, in.getInt(X) / 8, in.getInt(Y) / 8,
                in.getInt(WIDTH) / 8, in.getInt(HEIGHT) / 8);
        List<ConditioningValue.Entry> out = new ArrayList<>();
        for (ConditioningValue.Entry e : in.get(CONDITIONING_TO).entries()) {
            GligenApplication before = GligenApplication.of(e);
            List<GroundedPhrase> phrases = new ArrayList<>(before == null ? List.of() : before.phrases());
            phrases.add(phrase);
            if (phrases.size() > GligenModel.MAX_OBJECTS) {
                throw new IllegalArgumentException("GLIGENTextBoxApply: GLIGEN takes at most "
                        + GligenModel.MAX_OBJECTS + " boxes per conditioning and this one already has "
                        + before.phrases().size() + "; remove some GLIGENTextBoxApply nodes from the chain");
            }
            out.add(GligenApplication.withGligen(e, new GligenApplication(gligen, phrases)));
        }
        return NodeOutputs.of(new ConditioningValue(out));
    }
}
