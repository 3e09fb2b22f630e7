package dev.noodle.graph.exec;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.validate.EffectiveGraph;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Orders the nodes that the requested outputs need: Kahn's algorithm with workflow order as tie-break.
 *
 * <p>Muted nodes (and what requires them) are left out; bypassed nodes are rewired (see {@link EffectiveGraph}).
 * Iterative, deterministic, stateless and thread-safe.
 */
public final class Planner {

    /** Plans the nodes {@code targets} need (all output nodes when empty); throws on a cycle. */
    public ExecutionPlan plan(Workflow wf, NodeRegistry registry, Set<String> targets) {
        return plan(EffectiveGraph.build(wf, registry), targets);
    }

    /** Plans over an already built effective graph. */
    public ExecutionPlan plan(EffectiveGraph graph, Set<String> targets) {
        Collection<String> roots;
        if (targets == null || targets.isEmpty()) {
            roots = graph.outputNodes();
        } else {
            List<String> list = new ArrayList<>();
            for (String t : targets) {
                if (!graph.nodes().containsKey(t)) {
                    throw new IllegalArgumentException("Node " + t + " is not in the workflow or is muted");
                }
                list.add(t);
            }
            roots = list;
        }
        EffectiveGraph.TopoResult result = graph.topologicalOrder(graph.closure(roots));
        if (!result.cycles().isEmpty()) {
            throw new GraphCycleException(result.cycles().get(0));
        }
        return new ExecutionPlan(result.order());
    }
}
