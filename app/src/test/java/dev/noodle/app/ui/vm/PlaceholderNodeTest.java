package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.PlaceholderNode.Port;
import dev.noodle.app.ui.vm.PlaceholderNode.Value;
import dev.noodle.graph.json.ComfyUiFormat;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a placeholder card shows for an uninstalled node type, read from the instance and its original JSON. */
class PlaceholderNodeTest {
    private static final Map<String, NodeSchema> SCHEMAS = Map.of(
            "CheckpointLoaderSimple", NodeSchema.builder("CheckpointLoaderSimple")
                    .input(ComboInput.of("ckpt_name", "a")).output(PortType.MODEL, "MODEL")
                    .output(PortType.CLIP, "CLIP").output(PortType.VAE, "VAE").build(),
            "VAEDecode", NodeSchema.builder("VAEDecode").input(SocketInput.of("samples", PortType.LATENT))
                    .input(SocketInput.of("vae", PortType.VAE)).output(PortType.IMAGE, "IMAGE").build());

    private static PlaceholderNode of(Workflow wf, String id) {
        return PlaceholderNode.of(wf, wf.node(id), t -> Optional.ofNullable(SCHEMAS.get(t)));
    }

    @Test
    void apiFormatNodeTypesItsPortsFromItsNeighbours() {
        Map<String, InputValue> in = new LinkedHashMap<>();
        in.put("vae", Link.of("1", 2));
        in.put("tile_size", Literal.of(512L));
        in.put("prompt", Literal.of("a  very\nlong prompt"));
        Workflow wf = Workflow.empty("t")
                .withNode(NodeInstance.of("1", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of("a"))))
                .withNode(NodeInstance.of("2", "TiledSampler", in))
                .withNode(NodeInstance.of("3", "VAEDecode", Map.of("samples", Link.of("2", 1), "vae", Link.of("1", 2))));
        PlaceholderNode p = of(wf, "2");
        assertEquals(List.of(new Port("vae", PortType.VAE)), p.inputs());
        assertEquals(List.of(new Port("output 0", PortType.ANY), new Port("LATENT", PortType.LATENT)), p.outputs());
        assertEquals(List.of(new Value("tile_size", "512"), new Value("prompt", "\"a very long prompt\"")), p.values());
        assertNull(p.pack());
        assertTrue(p.badge().startsWith("Unknown node type TiledSampler: install the custom node pack that provides"));
        assertEquals(2, p.schema().outputs().size());
    }

    @Test
    void uiFormatWidgetsAreNamedWhenTheCountsMatchElseNumbered() {
        Map<String, Object> original = new LinkedHashMap<>();
        original.put("inputs", List.of(Map.of("name", "image", "type", "IMAGE"),
                Map.of("name", "scale", "type", "FLOAT", "widget", Map.of("name", "scale"))));
        original.put("outputs", List.of(Map.of("name", "IMAGE", "type", "IMAGE")));
        original.put("widgets_values", List.of(2.0));
        original.put("properties", Map.of("aux_id", "someone/upscalers"));
        NodeInstance n = new NodeInstance("5", "FancyUpscale", Map.of(), null,
                Map.of(ComfyUiFormat.NODE_KEY, original));
        PlaceholderNode p = of(Workflow.empty("t").withNode(n), "5");
        assertEquals(List.of(new Port("image", PortType.IMAGE)), p.inputs(), "unlinked sockets still show");
        assertEquals(List.of(new Port("IMAGE", PortType.IMAGE)), p.outputs());
        assertEquals(List.of(new Value("scale", "2.0")), p.values());
        assertEquals("someone/upscalers", p.pack());

        original.put("widgets_values", List.of(2.0, "randomize"));
        p = of(Workflow.empty("t").withNode(new NodeInstance("5", "FancyUpscale", Map.of(), null,
                Map.of(ComfyUiFormat.NODE_KEY, original))), "5");
        assertEquals(List.of(new Value("widget 1", "2.0"), new Value("widget 2", "\"randomize\"")), p.values());
    }
}
