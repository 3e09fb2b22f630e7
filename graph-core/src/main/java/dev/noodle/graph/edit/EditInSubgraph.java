package dev.noodle.graph.edit;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies any edit to the body of a subgraph definition, so every editor command works inside a subgraph and undo
 * stays one history.
 *
 * <p>The wrapped command sees the body as a workflow that also holds the root's definitions (so hosts inside are
 * recognised and new definitions land in the root) and a pseudo node {@link Subgraph#OUTPUT_NODE} whose inputs,
 * named after the interface's outputs, are those outputs: removing a node disconnects the outputs it fed, connecting to
 * that node sets an output's source. Inner inputs fed by the interface are links from {@link Subgraph#INPUT_NODE}.
 * Not thread-safe.
 */
public final class EditInSubgraph implements EditCommand {
    private final String definitionId;
    private final EditCommand inner;

    /** Applies {@code inner} inside definition {@code definitionId}. */
    public EditInSubgraph(String definitionId, EditCommand inner) {
        this.definitionId = definitionId;
        this.inner = inner;
    }

    /** The wrapped command. */
    public EditCommand inner() {
        return inner;
    }

    /** The definition edited. */
    public String definitionId() {
        return definitionId;
    }

    @Override
    public Workflow apply(Workflow wf) {
        return back(wf, inner.apply(view(wf, definitionId)));
    }

    @Override
    public Workflow revert(Workflow wf) {
        return back(wf, inner.revert(view(wf, definitionId)));
    }

    /** The body of a definition as the wrapped command sees it (the root's definitions, an outputs pseudo node). */
    public static Workflow view(Workflow root, String definitionId) {
        Subgraph def = SubgraphLevels.require(root, definitionId);
        Map<String, InputValue> outs = new LinkedHashMap<>();
        for (int k = 0; k < def.outputs().size(); k++) {
            Link source = def.outputs().get(k).source();
            if (source != null) {
                outs.put(def.outputs().get(k).name(), source);
            }
        }
        // the edited definition's own copy is left empty, so its old body is not counted twice (e.g. as hosts)
        Map<String, Subgraph> defs = new LinkedHashMap<>(root.subgraphs());
        defs.put(definitionId, def.withBody(Workflow.empty(def.name())));
        return def.body().withSubgraphs(defs)
                .withNode(NodeInstance.of(Subgraph.OUTPUT_NODE, Subgraph.OUTPUT_NODE, outs));
    }

    private Workflow back(Workflow root, Workflow edited) {
        NodeInstance outs = edited.node(Subgraph.OUTPUT_NODE);
        Map<String, Subgraph> defs = new LinkedHashMap<>(edited.subgraphs());
        Subgraph def = defs.get(definitionId);
        if (def == null) {
            throw new IllegalArgumentException("the edit removed subgraph " + definitionId + " it works in");
        }
        List<SubgraphOutput> outputs = new ArrayList<>();
        for (int k = 0; k < def.outputs().size(); k++) {
            InputValue v = outs == null ? null : outs.input(def.outputs().get(k).name());
            outputs.add(def.outputs().get(k).withSource(v instanceof Link l ? l : null));
        }
        Map<String, NodeInstance> nodes = new LinkedHashMap<>(edited.nodes());
        nodes.remove(Subgraph.OUTPUT_NODE);
        Workflow body = new Workflow(edited.format(), edited.name(), nodes,
                edited.layout().withNode(Subgraph.OUTPUT_NODE, null), edited.extra());
        defs.put(definitionId, def.withBody(body).withInterface(def.inputs(), outputs));
        return root.withSubgraphs(defs);
    }

    @Override
    public String description() {
        return inner.description();
    }
}
