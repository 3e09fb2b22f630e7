package dev.noodle.nodes.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PredictionType;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.engine.sampling.Schedules;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.sampling.FewStepPresets.Preset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each preset's values as its model card / ComfyUI example gives them, and how a preset lands in a workflow. */
class FewStepPresetsTest {
    /** id → sampler, scheduler, steps, cfg, model sampling, size: restated from the sources named in the catalogue. */
    private static final Object[][] EXPECTED = {
        {"lcm", "lcm", "sgm_uniform", 4, 1.5, "lcm", 0},
        {"lcm-8", "lcm", "sgm_uniform", 8, 1.5, "lcm", 0},
        {"turbo", "euler_ancestral", "sgm_uniform", 1, 1.0, "", 512},
        {"lightning-1", "euler", "sgm_uniform", 1, 1.0, "x0", 0},
        {"lightning-2", "euler", "sgm_uniform", 2, 1.0, "", 0},
        {"lightning-4", "euler", "sgm_uniform", 4, 1.0, "", 0},
        {"lightning-8", "euler", "sgm_uniform", 8, 1.0, "", 0},
        {"hyper-1", "lcm", "sgm_uniform", 1, 1.0, "", 0},
        {"hyper-2", "ddim", "sgm_uniform", 2, 1.0, "", 0},
        {"hyper-4", "ddim", "sgm_uniform", 4, 1.0, "", 0},
        {"hyper-8", "ddim", "sgm_uniform", 8, 1.0, "", 0},
        {"hyper-8-cfg", "ddim", "sgm_uniform", 8, 5.0, "", 0},
        {"hyper-12-cfg", "ddim", "sgm_uniform", 12, 5.0, "", 0},
        {"tcd", "lcm", "sgm_uniform", 4, 1.0, "", 0},
    };

    @Test
    void everyPresetHasItsSourcesValues() {
        assertEquals(EXPECTED.length, FewStepPresets.all().size());
        for (Object[] e : EXPECTED) {
            Preset p = FewStepPresets.require((String) e[0]);
            assertEquals(e[1], p.sampler(), p.id());
            assertEquals(e[2], p.scheduler(), p.id());
            assertEquals(e[3], p.steps(), p.id());
            assertEquals((double) e[4], p.cfg(), 0, p.id());
            assertEquals(e[5], p.modelSampling(), p.id());
            assertEquals(e[6], p.size(), p.id());
            assertFalse(p.source().isBlank(), p.id());
            assertTrue(p.offer().startsWith("Few-step preset: " + p.label() + " — " + p.sampler() + "/"), p.offer());
        }
    }

    @Test
    void everyValueIsOneTheSamplerNodesAccept() {
        Set<String> ids = new HashSet<>();
        for (Preset p : FewStepPresets.all()) {
            assertTrue(ids.add(p.id()), "unique id " + p.id());
            assertEquals(p.sampler(), SamplerKind.fromComfyName(p.sampler()).comfyName());
            assertEquals(p.scheduler(), Scheduler.fromComfyName(p.scheduler()).comfyName());
            if (!p.modelSampling().isEmpty()) {
                PredictionType.valueOf(p.modelSampling().toUpperCase(Locale.ROOT));
            }
            // guidance-free presets run one UNet pass a step; only the CFG-preserved ones guide
            assertEquals(p.id().endsWith("-cfg"), p.cfg() > 2, p.id());
        }
        assertThrows(IllegalArgumentException.class, () -> FewStepPresets.require("lightning-3"));
        assertEquals("turbo", FewStepPresets.require(" TURBO ").id());
    }

    @Test
    void turboOnAKSamplerRunsSdTurboSchedulersSigma() {
        // the ComfyUI example runs SDTurboScheduler(steps 1); the KSampler preset's sgm_uniform at 1 step is the same
        for (ModelSampling ms : List.of(ModelSampling.sd15(), ModelSampling.sd15().withPrediction(
                PredictionType.V_PREDICTION))) {
            assertArrayEquals(Schedules.sdTurbo(ms, 1, 1.0), Scheduler.SGM_UNIFORM.sigmas(ms, 1));
        }
    }

    private static Workflow graph(boolean withModelSampling) {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        n.put("4", NodeInstance.of("4", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of("a.safetensors"))));
        n.put("10", NodeInstance.of("10", "LoraLoader", Map.of("model", Link.of("4", 0), "clip", Link.of("4", 1),
                "lora_name", Literal.of("lcm.safetensors"), "strength_model", Literal.of(1.0),
                "strength_clip", Literal.of(1.0))));
        String modelFrom = "10";
        if (withModelSampling) {
            n.put("11", NodeInstance.of("11", "ModelSamplingDiscrete", Map.of("model", Link.of("10", 0),
                    "sampling", Literal.of("eps"), "zsnr", Literal.of(false))));
            modelFrom = "11";
        }
        n.put("5", NodeInstance.of("5", "EmptyLatentImage", Map.of("width", Literal.of(1024L),
                "height", Literal.of(1024L), "batch_size", Literal.of(1L))));
        Map<String, InputValue> ks = new LinkedHashMap<>();
        ks.put("model", Link.of(modelFrom, 0));
        ks.put("latent_image", Link.of("5", 0));
        ks.put("steps", Literal.of(20L));
        ks.put("cfg", Literal.of(8.0));
        ks.put("sampler_name", Literal.of("euler"));
        ks.put("scheduler", Literal.of("normal"));
        n.put("3", NodeInstance.of("3", "KSampler", ks));
        Workflow wf = Workflow.empty("t").withNodes(n);
        return wf.withLayout(wf.layout().withNode("3", NodeLayout.at(900, 100)));
    }

    private static Object lit(Workflow wf, String id, String input) {
        return ((Literal) wf.node(id).input(input)).value();
    }

    @Test
    void lcmSetsTheSamplerAndInsertsModelSamplingOnce() {
        Preset lcm = FewStepPresets.require("lcm");
        Workflow wf = FewStepPlan.apply(graph(false), lcm);
        assertEquals(4L, lit(wf, "3", "steps"));
        assertEquals(1.5, lit(wf, "3", "cfg"));
        assertEquals("lcm", lit(wf, "3", "sampler_name"));
        assertEquals("sgm_uniform", lit(wf, "3", "scheduler"));
        assertEquals(1024L, lit(wf, "5", "width"), "LCM leaves the size");
        Link m = (Link) wf.node("3").input("model");
        NodeInstance msd = wf.node(m.nodeId());
        assertEquals("ModelSamplingDiscrete", msd.type());
        assertEquals("11", msd.id());
        assertEquals("lcm", lit(wf, msd.id(), "sampling"));
        assertEquals(Link.of("10", 0), msd.input("model"));
        assertEquals(580, wf.layout().nodes().get("11").x(), 0);
        // applying again reuses it
        Workflow again = FewStepPlan.apply(wf, lcm);
        assertEquals(wf.nodes().size(), again.nodes().size());
        assertEquals(wf.nodes(), again.nodes());
    }

    @Test
    void anExistingModelSamplingUpstreamIsSetAndTurboSetsTheSize() {
        Workflow wf = FewStepPlan.apply(graph(true), FewStepPresets.require("lightning-1"));
        assertEquals("x0", lit(wf, "11", "sampling"));
        assertEquals(Link.of("11", 0), wf.node("3").input("model"));
        assertEquals(graph(true).nodes().size(), wf.nodes().size());
        Workflow t = FewStepPlan.apply(graph(false), FewStepPresets.require("turbo"));
        assertEquals(512L, lit(t, "5", "width"));
        assertEquals(512L, lit(t, "5", "height"));
        assertEquals(1L, lit(t, "3", "steps"));
        assertEquals("euler_ancestral", lit(t, "3", "sampler_name"));
        assertEquals(graph(false).nodes().size(), t.nodes().size(), "turbo inserts nothing");
    }

    @Test
    void aWorkflowWithoutASamplerIsRefusedByName() {
        Workflow wf = graph(false).withoutNode("3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FewStepPlan.apply(wf, FewStepPresets.require("hyper-8")));
        assertTrue(e.getMessage().contains("no KSampler"), e.getMessage());
        assertTrue(FewStepPresets.matches(FewStepPresets.require("hyper-8"), 8L, 1.0, "ddim", "sgm_uniform"));
        assertFalse(FewStepPresets.matches(FewStepPresets.require("hyper-8"), 8L, 1.0, "euler", "sgm_uniform"));
    }
}
