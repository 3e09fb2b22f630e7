package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * ComfyUI's "control after generate" for seed-like inputs: after a run is queued, randomize, keep, or step the seed.
 *
 * <p>The mode is stored per node in {@code extra["control_after_generate"]} as a map from input name to mode.
 */
public final class SeedControl {
    /** The extra key holding the modes. */
    public static final String KEY = "control_after_generate";
    /** The mode used when none is stored (ComfyUI's default). */
    public static final String DEFAULT_MODE = "randomize";

    private SeedControl() {}

    /** The after-run mode of a seed input. */
    public static String mode(NodeInstance node, String input) {
        if (node.extra().get(KEY) instanceof Map<?, ?> m && m.get(input) instanceof String s) {
            return s;
        }
        return DEFAULT_MODE;
    }

    /** A command storing the after-run mode of a seed input. */
    public static EditCommand setMode(String nodeId, String input, String mode) {
        return new EditCommand() {
            private Map<String, Object> before;

            @Override
            public Workflow apply(Workflow wf) {
                NodeInstance n = wf.node(nodeId);
                before = n.extra();
                Map<String, Object> modes = new LinkedHashMap<>();
                if (n.extra().get(KEY) instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> modes.put(String.valueOf(k), v));
                }
                modes.put(input, mode);
                Map<String, Object> extra = new LinkedHashMap<>(n.extra());
                extra.put(KEY, modes);
                return wf.withNode(new NodeInstance(n.id(), n.type(), n.inputs(), n.mode(), extra));
            }

            @Override
            public Workflow revert(Workflow wf) {
                NodeInstance n = wf.node(nodeId);
                return wf.withNode(new NodeInstance(n.id(), n.type(), n.inputs(), n.mode(), before));
            }

            @Override
            public String description() {
                return "Seed mode " + mode;
            }
        };
    }

    /**
     * The new seed values to apply after a run is queued: node id → (input → value).
     *
     * @return only the inputs whose mode changes them
     */
    public static Map<String, Map<String, Long>> nextSeeds(Workflow wf, NodeRegistry registry, Random random) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (NodeInstance n : wf.nodes().values()) {
            NodeDefinition def = registry.find(n.type()).orElse(null);
            if (def == null) {
                continue;
            }
            for (InputSpec spec : def.schema().inputs()) {
                if (spec instanceof IntInput i && i.controlAfterGenerate()) {
                    InputValue v = n.inputs().get(i.name());
                    long current = v instanceof Literal lit && lit.value() instanceof Number num
                            ? num.longValue() : i.defaultValue();
                    long next = switch (mode(n, i.name())) {
                        case "randomize" -> i.min() + Math.floorMod(random.nextLong(),
                                Math.max(1, Math.min(i.max(), 1L << 50) - i.min() + 1));
                        case "increment" -> Math.min(i.max(), current + 1);
                        case "decrement" -> Math.max(i.min(), current - 1);
                        default -> current;
                    };
                    if (next != current && !(v instanceof dev.noodle.graph.model.Link)) {
                        out.computeIfAbsent(n.id(), k -> new LinkedHashMap<>()).put(i.name(), next);
                    }
                }
            }
        }
        return out;
    }
}
