package dev.noodle.graph.edit;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.Workflow;

/**
 * Moves one port of a subgraph's interface to another position; inner links to the interface's inputs and every
 * host's consumers follow, so nothing is rewired. Undo restores the workflow exactly. Not thread-safe.
 */
public final class MoveSubgraphPort extends SnapshotEdit {
    private final String definitionId;
    private final PortSide side;
    private final int from;
    private final int to;

    /** Moves port {@code from} on {@code side} of definition {@code definitionId} to position {@code to}. */
    public MoveSubgraphPort(String definitionId, PortSide side, int from, int to) {
        this.definitionId = definitionId;
        this.side = side;
        this.from = from;
        this.to = to;
    }

    @Override
    protected Workflow edit(Workflow wf) {
        Subgraph def = SubgraphLevels.require(wf, definitionId);
        int size = side == PortSide.INPUT ? def.inputs().size() : def.outputs().size();
        if (from < 0 || from >= size || to < 0 || to >= size) {
            throw new IllegalArgumentException("cannot move " + side.name().toLowerCase() + " " + from + " to " + to
                    + " in subgraph \"" + def.name() + "\" (" + size + " ports)");
        }
        if (from == to) {
            return wf;
        }
        if (side == PortSide.INPUT) {
            Subgraph moved = def.withInterface(SubgraphLevels.moved(def.inputs(), from, to), def.outputs());
            moved = SubgraphLevels.mapBodyLinks(moved, (nodes, l) -> Subgraph.INPUT_NODE.equals(l.nodeId())
                    ? new Link(l.nodeId(), SubgraphLevels.movedIndex(l.outputIndex(), from, to)) : l);
            return wf.withSubgraph(moved);
        }
        Workflow result = wf.withSubgraph(def.withInterface(def.inputs(), SubgraphLevels.moved(def.outputs(), from,
                to)));
        return SubgraphLevels.mapLinks(result, (nodes, l) -> SubgraphLevels.fromHostOf(nodes, l, definitionId)
                ? new Link(l.nodeId(), SubgraphLevels.movedIndex(l.outputIndex(), from, to)) : l);
    }

    @Override
    public String description() {
        return "Move subgraph " + side.name().toLowerCase() + " " + from + " to " + to;
    }
}
