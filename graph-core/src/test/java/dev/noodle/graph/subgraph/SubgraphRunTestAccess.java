package dev.noodle.graph.subgraph;

import dev.noodle.graph.model.Workflow;

/** Lets tests in other packages build {@link SubgraphRunTest}'s "Upscale pass" workflows. */
public final class SubgraphRunTestAccess {
    /** The id of the "Upscale pass" definition. */
    public static final String PASS = SubgraphRunTest.PASS;

    private SubgraphRunTestAccess() {}

    /** Source → "Upscale pass" host 83 (strength promoted) → Save. */
    public static Workflow withPass(double strength) {
        return SubgraphRunTest.withPass(strength);
    }
}
