package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.SocketInput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Which reroute dots each wire passes through. A {@link Reroute} records only the first link leaving it, as
 * {@code "targetId:slot"} (ComfyUI's link target); the target may be another reroute. Following that chain to a
 * real node gives the input the wire feeds: slot {@code k} is the node's k-th socket input in schema order (how
 * ComfyUI numbers input slots for nodes whose widgets were not converted to inputs). A reroute that fans out to
 * several inputs is drawn on the first one only. Stateless.
 */
public final class RerouteRoutes {
    private RerouteRoutes() {}

    /** Key of the wire into {@code input} of {@code nodeId}, as the canvas keys its wires. */
    public static String key(String nodeId, String input) {
        return nodeId + "\u0000" + input;
    }

    /** For each wire key with reroutes, the reroutes in order from the source end to the target end. */
    public static Map<String, List<Reroute>> routes(Workflow wf, Function<String, Optional<NodeSchema>> schemas) {
        Map<String, Reroute> byId = new HashMap<>();
        for (Reroute r : wf.layout().reroutes()) {
            byId.put(r.id(), r);
        }
        Map<String, List<Reroute>> out = new LinkedHashMap<>();
        for (Reroute start : wf.layout().reroutes()) {
            List<Reroute> chain = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            Reroute r = start;
            String target = null;
            while (r != null && seen.add(r.id())) {
                chain.add(r);
                target = r.linkTarget();
                r = target == null ? null : byId.get(targetId(target));
            }
            if (r != null || target == null) {
                continue; // a loop, or a dangling reroute
            }
            String input = inputAt(wf, schemas, targetId(target), slot(target));
            if (input == null) {
                continue;
            }
            String key = key(targetId(target), input);
            List<Reroute> known = out.get(key);
            if (known == null || known.size() < chain.size()) {
                out.put(key, List.copyOf(chain));
            }
        }
        return out;
    }

    private static String targetId(String target) {
        int colon = target.lastIndexOf(':');
        return colon < 0 ? target : target.substring(0, colon);
    }

    private static int slot(String target) {
        int colon = target.lastIndexOf(':');
        try {
            return colon < 0 ? 0 : Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The slot number ComfyUI gives {@code input} of a node (its index among socket inputs), or −1 when unwired. */
    public static int slotOf(Workflow wf, Function<String, Optional<NodeSchema>> schemas, String id, String input) {
        NodeInstance n = wf.node(id);
        NodeSchema schema = n == null ? null : schemas.apply(n.type()).orElse(null);
        if (schema == null || !(n.inputs().get(input) instanceof Link)) {
            return -1;
        }
        int k = 0;
        for (InputSpec spec : schema.inputs()) {
            if (spec instanceof SocketInput) {
                if (spec.name().equals(input)) {
                    return k;
                }
                k++;
            }
        }
        return -1;
    }

    private static String inputAt(Workflow wf, Function<String, Optional<NodeSchema>> schemas, String id, int slot) {
        NodeInstance n = wf.node(id);
        if (n == null || slot < 0) {
            return null;
        }
        NodeSchema schema = schemas.apply(n.type()).orElse(null);
        if (schema == null) {
            return null;
        }
        int k = 0;
        for (InputSpec spec : schema.inputs()) {
            if (spec instanceof SocketInput) {
                if (k++ == slot) {
                    return n.inputs().get(spec.name()) instanceof Link ? spec.name() : null;
                }
            }
        }
        return null;
    }
}
