package dev.noodle.app.ui.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.library.FewStepDetector.Detection;
import dev.noodle.nodes.sampling.FewStepPlan;
import dev.noodle.nodes.sampling.FewStepPresets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which sampler gets which offer: the nearest detected loader on its model chain; none once the values are set. */
class FewStepOffersTest {
    private static Workflow graph() {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        n.put("4", NodeInstance.of("4", "CheckpointLoaderSimple", Map.of("ckpt_name",
                Literal.of("sd_xl_turbo_1.0_fp16.safetensors"))));
        n.put("10", NodeInstance.of("10", "LoraLoader", Map.of("model", Link.of("4", 0), "clip", Link.of("4", 1),
                "lora_name", Literal.of("style.safetensors"))));
        n.put("11", NodeInstance.of("11", "LoraLoader", Map.of("model", Link.of("10", 0), "clip", Link.of("10", 1),
                "lora_name", Literal.of("Hyper-SDXL-8steps-lora.safetensors"))));
        for (String[] s : new String[][] {{"3", "11"}, {"13", "4"}, {"14", "4"}}) {
            Map<String, InputValue> ks = new LinkedHashMap<>();
            ks.put("model", Link.of(s[1], 0));
            ks.put("steps", Literal.of(20L));
            ks.put("cfg", Literal.of(8.0));
            ks.put("sampler_name", Literal.of("euler"));
            ks.put("scheduler", Literal.of("normal"));
            n.put(s[0], NodeInstance.of(s[0], s[0].equals("14") ? "KSamplerAdvanced" : "KSampler", ks));
        }
        return Workflow.empty("t").withNodes(n);
    }

    @Test
    void eachSamplerGetsItsNearestDetectedLoadersPresetUntilItHasItsValues() {
        List<String> asked = new ArrayList<>();
        FewStepOffers.Lookup lookup = (kind, name) -> {
            asked.add(kind + " " + name);
            if (name.startsWith("Hyper")) {
                return Optional.of(new Detection(FewStepPresets.require("hyper-8"), "file name " + name, true));
            }
            if (name.contains("turbo")) {
                return Optional.of(new Detection(FewStepPresets.require("turbo"), "modelspec.title SDXL Turbo",
                        false));
            }
            return name.equals("style.safetensors") ? null : Optional.empty(); // null: still being read
        };
        Map<String, FewStepOffers.Offer> offers = FewStepOffers.find(graph(), lookup);
        assertEquals(List.of("3", "13", "14"), List.copyOf(offers.keySet()));
        assertEquals("hyper-8", offers.get("3").detection().preset().id());
        assertEquals("11", offers.get("3").loaderId());
        assertTrue(offers.get("3").text().endsWith("(Hyper-SDXL-8steps-lora.safetensors, guessed from its file name)"),
                offers.get("3").text());
        assertEquals("turbo", offers.get("13").detection().preset().id());
        assertTrue(offers.get("13").text().contains("told by its modelspec.title SDXL Turbo"), offers.get("13").text());
        assertEquals(ModelKind.LORAS + " Hyper-SDXL-8steps-lora.safetensors", asked.get(0), "nearest first");

        // once applied, no offer on that sampler
        Workflow applied = FewStepPlan.apply(graph(), FewStepPresets.require("hyper-8"), List.of("3"));
        assertEquals(List.of("13", "14"), List.copyOf(FewStepOffers.find(applied, lookup).keySet()));
        // a chain that loops or ends in a missing node offers nothing and ends
        Workflow loop = graph().withNode(graph().node("10").withInput("model", Link.of("11", 0)));
        Map<String, FewStepOffers.Offer> l = FewStepOffers.find(loop, (k, name) -> Optional.empty());
        assertTrue(l.isEmpty());
    }
}
