package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.pack.PackInfo;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;

/**
 * Writes node schemas in the shape of ComfyUI's {@code GET /object_info}: {@code input.required/optional} with
 * {@code ["INT", {default, min, max, step}]}, {@code [[options...], {...}]} for combos, {@code input_order},
 * {@code output}, {@code output_is_list}, {@code output_name}, {@code name}, {@code display_name},
 * {@code description}, {@code python_module}, {@code category}, {@code output_node}. Stateless.
 */
final class ObjectInfo {
    private final ObjectMapper mapper;

    ObjectInfo(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Every registered node type, by class name. */
    ObjectNode all(NodeRegistry registry) {
        ObjectNode out = mapper.createObjectNode();
        for (NodeDefinition def : registry.all()) {
            out.set(def.schema().type(), node(def.schema(), pythonModule(registry, def.schema().type())));
        }
        return out;
    }

    /**
     * Where ComfyUI would say the node type comes from ({@code server.py node_info}): {@code nodes} for its own,
     * {@code custom_nodes.<module>} for a custom node's; here {@code custom_nodes.<pack name>} for a custom pack's.
     */
    static String pythonModule(NodeRegistry registry, String type) {
        return registry.packOf(type).filter(PackInfo::custom).map(p -> "custom_nodes." + p.name()).orElse("nodes");
    }

    /** One node type's entry. */
    ObjectNode node(NodeSchema s, String pythonModule) {
        ObjectNode info = mapper.createObjectNode();
        ObjectNode input = info.putObject("input");
        ObjectNode required = input.putObject("required");
        ObjectNode optional = mapper.createObjectNode();
        ObjectNode order = mapper.createObjectNode();
        ArrayNode reqOrder = order.putArray("required");
        ArrayNode optOrder = mapper.createArrayNode();
        for (InputSpec in : s.inputs()) {
            (in.optional() ? optional : required).set(in.name(), spec(in));
            (in.optional() ? optOrder : reqOrder).add(in.name());
        }
        if (!optional.isEmpty()) {
            input.set("optional", optional);
            order.set("optional", optOrder);
        }
        info.set("input_order", order);
        ArrayNode output = info.putArray("output");
        ArrayNode isList = info.putArray("output_is_list");
        ArrayNode names = info.putArray("output_name");
        for (OutputSpec o : s.outputs()) {
            output.add(o.type().name());
            isList.add(false);
            names.add(o.name());
        }
        info.put("name", s.type());
        info.put("display_name", s.displayName());
        info.put("description", s.description());
        info.put("python_module", pythonModule);
        info.put("category", s.category());
        info.put("output_node", s.outputNode());
        return info;
    }

    /** One input in ComfyUI's {@code [type, options]} form. */
    ArrayNode spec(InputSpec in) {
        ArrayNode a = mapper.createArrayNode();
        ObjectNode o = mapper.createObjectNode();
        switch (in) {
            case IntInput i -> {
                a.add("INT");
                o.put("default", i.defaultValue());
                o.put("min", i.min());
                o.put("max", i.max());
                o.put("step", i.step());
                if (i.controlAfterGenerate()) {
                    o.put("control_after_generate", true);
                }
            }
            case FloatInput f -> {
                a.add("FLOAT");
                o.put("default", f.defaultValue());
                o.put("min", f.min());
                o.put("max", f.max());
                o.put("step", f.step());
                if (f.round() > 0) {
                    o.put("round", f.round());
                }
            }
            case StringInput s -> {
                a.add("STRING");
                o.put("default", s.defaultValue());
                o.put("multiline", s.multiline());
            }
            case BoolInput b -> {
                a.add("BOOLEAN");
                o.put("default", b.defaultValue());
            }
            case ComboInput c -> {
                ArrayNode options = a.addArray();
                c.currentOptions().forEach(options::add);
                String def = c.effectiveDefault();
                if (def != null) {
                    o.put("default", def);
                }
            }
            case SocketInput s -> a.add(s.type().name());
        }
        if (in.tooltip() != null && !in.tooltip().isEmpty()) {
            o.put("tooltip", in.tooltip());
        }
        if (!o.isEmpty()) {
            a.add(o);
        }
        return a;
    }
}
