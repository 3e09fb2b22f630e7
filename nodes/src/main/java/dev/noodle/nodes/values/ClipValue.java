package dev.noodle.nodes.values;

import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipEncoding;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.text.ClipTokenizer;
import dev.noodle.graph.node.ReleasableValue;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLIP wire value: a text encoder with its tokenizer, its encoding conventions (pad token, the layer to stop
 * at — ComfyUI's stop_at_clip_layer: −1 = last, −2 = penultimate = A1111 clip skip 2 — and final norm) and
 * patches. Immutable.
 */
public record ClipValue(ModelValue.Hold hold, ClipTextModel clip, ClipTokenizer tokenizer, ClipEncoding encoding,
        ModelFamily family, List<String> patches, AutoCloseable owned) implements ReleasableValue {
    public ClipValue {
        patches = List.copyOf(patches);
    }

    /** CLIPSetLastLayer: the same encoder stopping at another layer. */
    public ClipValue withStopAtLayer(int layer) {
        return new ClipValue(hold.retain(), clip, tokenizer, encoding.withStopAtLayer(layer), family, patches,
                SharedRef.retainOwned(owned));
    }

    /** A patched encoder (LoRA); {@code newOwned} must keep alive whatever it shares with this value. */
    public ClipValue withClip(ClipTextModel patched, String note, AutoCloseable newOwned) {
        List<String> p = new ArrayList<>(patches);
        p.add(note);
        return new ClipValue(hold.retain(), patched, tokenizer, encoding, family, p, newOwned);
    }

    @Override
    public long sizeBytes() {
        return 0; // counted with the MODEL of the same checkpoint
    }

    @Override
    public void release() {
        hold.release();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public String toString() {
        return "CLIP: the " + family + " text encoder, stopping at layer " + encoding.stopAtLayer()
                + (patches.isEmpty() ? "" : " with " + String.join(", ", patches));
    }
}
