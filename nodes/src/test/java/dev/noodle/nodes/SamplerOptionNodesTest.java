package dev.noodle.nodes;

import static dev.noodle.nodes.CustomSamplerNodesTest.assertClose;
import static dev.noodle.nodes.CustomSamplerNodesTest.latent;
import static dev.noodle.nodes.CustomSamplerNodesTest.link;
import static dev.noodle.nodes.CustomSamplerNodesTest.maxDiff;
import static dev.noodle.nodes.CustomSamplerNodesTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.SamplerKind;
import dev.noodle.engine.sampling.SamplerOptions;
import dev.noodle.engine.sampling.SamplerOptions.AdaptiveStep;
import dev.noodle.engine.sampling.SamplerOptions.ErSde;
import dev.noodle.engine.sampling.SamplerOptions.ErSolverType;
import dev.noodle.engine.sampling.SamplerOptions.NoiseDevice;
import dev.noodle.engine.sampling.SamplerOptions.SeedsSolver;
import dev.noodle.engine.sampling.SamplerOptions.SolverType;
import dev.noodle.graph.exec.GraphExecutor;
import dev.noodle.graph.exec.ResultCache;
import dev.noodle.graph.exec.RunOptions;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.sampling.SamplerOptionNodes;
import dev.noodle.nodes.values.SamplerValue;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Sampler* option nodes: ComfyUI's shapes (comfy_extras/nodes_custom_sampler.py), the settings they put on the
 * SAMPLER, and on the demo model that their defaults sample as the plain sampler does while other settings change
 * the latent. The settings' numbers are checked on the toy problem in SamplersOptionsTest.
 */
class SamplerOptionNodesTest {
    @TempDir
    static Path tmp;

    static NoodleNodes nodes;
    static GraphExecutor executor;

    @BeforeAll
    static void setUp() {
        nodes = NoodleNodes.create(NodeEnvironment.of(tmp.resolve("models"), tmp.resolve("out")));
        executor = new GraphExecutor(nodes.registry(), new ResultCache(1L << 30), nodes.services());
    }

    @AfterAll
    static void tearDown() {
        nodes.close();
    }

    static RunResult attempt(String... body) {
        String json = "{\"format\": 1, \"name\": \"t\", \"nodes\": {" + CustomSamplerNodesTest.PRELUDE + ", "
                + node("13", "BasicScheduler", "model", link("4", 0), "scheduler", "normal", "steps", 3, "denoise",
                        1.0)
                + ", " + String.join(", ", body) + "}}";
        var wf = WorkflowJson.parse(json, "test", nodes.registry());
        return executor.run(wf, new RunOptions(Set.copyOf(wf.nodes().keySet()), "t"), e -> {},
                new CancellationToken());
    }

    static RunResult run(String... body) {
        RunResult r = attempt(body);
        assertEquals(RunResult.Status.SUCCESS, r.status(), r.message() + " " + r.errors());
        return r;
    }

    /** SamplerCustom {@code id} at seed 42, cfg 7 on the empty latent, sampling with the SAMPLER of node {@code s}. */
    static String custom(String id, String s) {
        return custom(id, s, "13");
    }

    /** As {@link #custom(String, String)} along the SIGMAS of node {@code sigmas}. */
    static String custom(String id, String s, String sigmas) {
        return node(id, "SamplerCustom", "model", link("4", 0), "add_noise", true, "noise_seed", 42, "cfg", 7.0,
                "positive", link("6", 0), "negative", link("7", 0), "sampler", link(s, 0), "sigmas", link(sigmas, 0),
                "latent_image", link("5", 0));
    }

    static SamplerValue sampler(RunResult r, String id) {
        return assertInstanceOf(SamplerValue.class, r.outputs().get(id).value(0));
    }

    // ------------------------------------------------------------------ numbers on the demo model

    @Test
    void defaultsSampleAsThePlainSamplerAndOtherSettingsDoNot() {
        RunResult r = run(
                node("20", "KSamplerSelect", "sampler_name", "euler"), custom("21", "20"),
                node("22", "SamplerEulerAncestral", "eta", 0.0, "s_noise", 1.0), custom("23", "22"),
                node("24", "KSamplerSelect", "sampler_name", "euler_ancestral"), custom("25", "24"),
                node("26", "SamplerEulerAncestral", "eta", 1.0, "s_noise", 1.0), custom("27", "26"),
                node("30", "KSamplerSelect", "sampler_name", "dpmpp_2m_sde"), custom("31", "30"),
                node("32", "SamplerDPMPP_2M_SDE", "solver_type", "midpoint", "eta", 1.0, "s_noise", 1.0,
                        "noise_device", "cpu"), custom("33", "32"),
                node("34", "SamplerDPMPP_2M_SDE", "solver_type", "heun", "eta", 0.5, "s_noise", 1.0,
                        "noise_device", "gpu"), custom("35", "34"),
                // dpm_adaptive picks its own steps between the first and last σ: a short range keeps them few
                node("39", "BasicScheduler", "model", link("4", 0), "scheduler", "normal", "steps", 2, "denoise",
                        0.2),
                node("40", "KSamplerSelect", "sampler_name", "dpm_adaptive"), custom("41", "40", "39"),
                node("42", "SamplerDPMAdaptative", "order", 3, "rtol", 0.05, "atol", 0.0078, "h_init", 0.05,
                        "pcoeff", 0.0, "icoeff", 1.0, "dcoeff", 0.0, "accept_safety", 0.81, "eta", 0.0, "s_noise",
                        1.0), custom("43", "42", "39"),
                node("44", "SamplerDPMAdaptative", "order", 2, "rtol", 0.2, "atol", 0.05, "h_init", 0.5,
                        "pcoeff", 0.0, "icoeff", 1.0, "dcoeff", 0.0, "accept_safety", 0.81, "eta", 0.0, "s_noise",
                        1.0), custom("45", "44", "39"),
                node("50", "KSamplerSelect", "sampler_name", "sa_solver"), custom("51", "50"),
                saSolver("52", false), custom("53", "52"),
                node("54", "KSamplerSelect", "sampler_name", "sa_solver_pece"), custom("55", "54"),
                saSolver("56", true), custom("57", "56"),
                node("36", "SamplerDPMPP_SDE", "eta", 1.0, "s_noise", 1.0, "r", 0.5, "noise_device", "gpu"),
                custom("37", "36"),
                node("38", "KSamplerSelect", "sampler_name", "dpmpp_sde"), custom("48", "38"),
                node("70", "KSamplerSelect", "sampler_name", "euler_cfg_pp"), custom("71", "70"),
                node("72", "SamplerEulerAncestralCFGPP", "eta", 0.0, "s_noise", 1.0), custom("73", "72"),
                node("74", "KSamplerSelect", "sampler_name", "exp_heun_2_x0"), custom("75", "74"),
                node("76", "SamplerSEEDS2", "solver_type", "phi_2", "eta", 0.0, "s_noise", 1.0, "r", 1.0),
                custom("77", "76"),
                node("78", "KSamplerSelect", "sampler_name", "er_sde"), custom("79", "78"),
                node("80", "SamplerER_SDE", "solver_type", "ER-SDE", "max_stage", 3, "eta", 1.0, "s_noise", 1.0),
                custom("81", "80"),
                node("82", "SamplerER_SDE", "solver_type", "ODE", "max_stage", 3, "eta", 1.0, "s_noise", 1.0),
                custom("83", "82"),
                node("60", "KSamplerSelect", "sampler_name", "lms"), custom("61", "60"),
                node("62", "SamplerLMS", "order", 4), custom("63", "62"),
                node("64", "SamplerLMS", "order", 1), custom("65", "64"));
        assertClose(latent(r, "21", 0), latent(r, "23", 0), 1e-5, "SamplerEulerAncestral eta 0 vs euler");
        assertClose(latent(r, "25", 0), latent(r, "27", 0), 0, "SamplerEulerAncestral defaults vs euler_ancestral");
        assertTrue(maxDiff(latent(r, "21", 0), latent(r, "25", 0)) > 1e-2, "eta 1 adds noise");
        assertClose(latent(r, "31", 0), latent(r, "33", 0), 0, "SamplerDPMPP_2M_SDE defaults vs dpmpp_2m_sde");
        assertTrue(maxDiff(latent(r, "31", 0), latent(r, "35", 0)) > 1e-3, "heun, eta 0.5 differs");
        assertClose(latent(r, "41", 0), latent(r, "43", 0), 0, "SamplerDPMAdaptative defaults vs dpm_adaptive");
        assertTrue(maxDiff(latent(r, "41", 0), latent(r, "45", 0)) > 1e-4, "order 2, looser tolerances differ");
        assertClose(latent(r, "51", 0), latent(r, "53", 0), 0, "SamplerSASolver defaults vs sa_solver");
        assertClose(latent(r, "55", 0), latent(r, "57", 0), 0, "SamplerSASolver use_pece vs sa_solver_pece");
        assertTrue(maxDiff(latent(r, "51", 0), latent(r, "55", 0)) > 1e-4, "PECE differs");
        assertClose(latent(r, "61", 0), latent(r, "63", 0), 0, "SamplerLMS order 4 vs lms");
        assertClose(latent(r, "48", 0), latent(r, "37", 0), 0, "SamplerDPMPP_SDE gpu defaults vs dpmpp_sde");
        assertClose(latent(r, "75", 0), latent(r, "77", 0), 0, "SamplerSEEDS2 phi_2, r 1, eta 0 vs exp_heun_2_x0");
        assertClose(latent(r, "79", 0), latent(r, "81", 0), 0, "SamplerER_SDE defaults vs er_sde");
        assertTrue(maxDiff(latent(r, "79", 0), latent(r, "83", 0)) > 1e-3, "the ODE differs");
        assertClose(latent(r, "71", 0), latent(r, "73", 0), 1e-5, "SamplerEulerAncestralCFG++ eta 0 vs CFG++ Euler");
        assertTrue(maxDiff(latent(r, "61", 0), latent(r, "65", 0)) > 1e-4, "order 1 differs");
    }

    static String saSolver(String id, boolean pece) {
        return node(id, "SamplerSASolver", "model", link("4", 0), "eta", 1.0, "sde_start_percent", 0.2,
                "sde_end_percent", 0.8, "s_noise", 1.0, "predictor_order", 3, "corrector_order", 4, "use_pece", pece,
                "simple_order_2", false);
    }

    // ------------------------------------------------------------------ the settings on the SAMPLER

    @Test
    void nodesPutTheirSettingsOnTheSampler() {
        RunResult r = run(
                node("20", "SamplerEulerAncestral", "eta", 0.3, "s_noise", 0.9),
                node("21", "SamplerLMS", "order", 6),
                node("22", "SamplerDPMPP_3M_SDE", "eta", 0.4, "s_noise", 0.8, "noise_device", "gpu"),
                node("23", "SamplerDPMPP_2M_SDE", "solver_type", "heun", "eta", 0.5, "s_noise", 1.0,
                        "noise_device", "cpu"),
                node("24", "SamplerDPMPP_SDE", "eta", 0.6, "s_noise", 0.7, "r", 0.25, "noise_device", "cpu"),
                node("25", "SamplerDPMPP_2S_Ancestral", "eta", 0.2, "s_noise", 1.1),
                node("28", "SamplerEulerAncestralCFGPP", "eta", 0.35, "s_noise", 2.5),
                node("29", "SamplerSEEDS2", "solver_type", "phi_2", "eta", 0.6, "s_noise", 0.4, "r", 0.3),
                node("30", "SamplerER_SDE", "solver_type", "Reverse-time SDE", "max_stage", 2, "eta", 0.5,
                        "s_noise", 0.8),
                node("31", "SamplerER_SDE", "solver_type", "Reverse-time SDE", "max_stage", 3, "eta", 0.0,
                        "s_noise", 0.8),
                node("32", "SamplerER_SDE", "solver_type", "ODE", "max_stage", 1, "eta", 0.7, "s_noise", 0.9),
                node("26", "SamplerDPMAdaptative", "order", 2, "rtol", 0.1, "atol", 0.01, "h_init", 0.2,
                        "pcoeff", 0.3, "icoeff", 0.9, "dcoeff", 0.1, "accept_safety", 0.7, "eta", 0.25, "s_noise",
                        0.5),
                node("27", "SamplerSASolver", "model", link("4", 0), "eta", 0.75, "sde_start_percent", 0.1,
                        "sde_end_percent", 0.9, "s_noise", 0.6, "predictor_order", 2, "corrector_order", 1,
                        "use_pece", true, "simple_order_2", true));
        SamplerValue ea = sampler(r, "20");
        assertEquals(SamplerKind.EULER_ANCESTRAL, ea.kind());
        assertEquals(0.3, ea.options().eta(), 1e-12);
        assertEquals(0.9, ea.options().sNoise(), 1e-12);
        assertEquals(6, sampler(r, "21").options().order());
        SamplerValue m3 = sampler(r, "22");
        assertEquals(SamplerKind.DPMPP_3M_SDE_GPU, m3.kind());
        assertEquals(NoiseDevice.GPU, m3.options().noiseDevice());
        assertEquals("dpmpp_3m_sde_gpu", m3.comfyName());
        assertEquals(0.4, m3.options().eta(), 1e-12);
        SamplerValue m2 = sampler(r, "23");
        assertEquals(SamplerKind.DPMPP_2M_SDE, m2.kind());
        assertEquals(SolverType.HEUN, m2.options().solverType());
        assertEquals("dpmpp_2m_sde", m2.comfyName());
        SamplerValue sde = sampler(r, "24");
        assertEquals(0.25, sde.options().r(), 1e-12);
        assertEquals(0.7, sde.options().sNoise(), 1e-12);
        assertEquals(0.2, sampler(r, "25").options().eta(), 1e-12);
        SamplerValue er = sampler(r, "30");
        assertEquals(SamplerKind.ER_SDE, er.kind());
        assertEquals(new ErSde(ErSolverType.REVERSE_TIME_SDE, 2), er.options().erSde());
        assertEquals(List.of(0.5, 0.8), List.of(er.options().eta(), er.options().sNoise()));
        // as ComfyUI: a reverse-time SDE of strength 0 and the ODE neither scale nor draw noise
        assertEquals(List.of(0.0, 0.0), List.of(sampler(r, "31").options().eta(), sampler(r, "31").options().sNoise()));
        SamplerValue ode = sampler(r, "32");
        assertEquals(new ErSde(ErSolverType.ODE, 1), ode.options().erSde());
        assertEquals(List.of(0.0, 0.0), List.of(ode.options().eta(), ode.options().sNoise()));
        SamplerValue seeds = sampler(r, "29");
        assertEquals(SamplerKind.SEEDS_2, seeds.kind());
        assertEquals(SeedsSolver.PHI_2, seeds.options().seedsSolver());
        assertEquals(List.of(0.6, 0.4, 0.3), List.of(seeds.options().eta(), seeds.options().sNoise(),
                seeds.options().r()));
        SamplerValue pp = sampler(r, "28");
        assertEquals(SamplerKind.EULER_ANCESTRAL_CFG_PP, pp.kind());
        assertEquals(List.of(0.35, 2.5), List.of(pp.options().eta(), pp.options().sNoise()));
        SamplerValue ad = sampler(r, "26");
        assertEquals(SamplerKind.DPM_ADAPTIVE, ad.kind());
        assertEquals(2, ad.options().order());
        assertEquals(new AdaptiveStep(0.1, 0.01, 0.2, 0.3, 0.9, 0.1, 0.7), ad.options().adaptive());
        assertEquals(0.25, ad.options().eta(), 1e-12);
        SamplerValue sa = sampler(r, "27");
        assertEquals(SamplerKind.SA_SOLVER, sa.kind());
        assertEquals(0.75, sa.options().eta(), 1e-12);
        var s = sa.options().saSolver();
        assertEquals(List.of(2, 1, true, true), List.of(s.predictorOrder(), s.correctorOrder(), s.usePece(),
                s.simpleOrder2()));
        ModelSampling ms = ModelSampling.sd15();
        assertEquals(ms.sigma((float) (0.9 * 999.0)), s.sdeStartSigma(), 1e-6);
        assertEquals(ms.sigma((float) (0.1 * 999.0)), s.sdeEndSigma(), 1e-6);
        assertTrue(s.sdeStartSigma() > s.sdeEndSigma());
        assertNotEquals(SamplerOptions.defaults(SamplerKind.SA_SOLVER).saSolver(), s);
    }

    @Test
    void impossibleSettingsAreNamedErrors() {
        RunResult r = attempt(node("26", "SamplerDPMAdaptative", "order", 3, "rtol", 0.05, "atol", 0.0078,
                "h_init", 0.0, "pcoeff", 0.0, "icoeff", 1.0, "dcoeff", 0.0, "accept_safety", 0.81, "eta", 0.0,
                "s_noise", 1.0), custom("27", "26"));
        assertNotEquals(RunResult.Status.SUCCESS, r.status());
        String text = r.message() + " " + r.errors();
        assertTrue(text.contains("SamplerDPMAdaptative") && text.contains("h_init"), text);
        r = attempt(node("24", "SamplerDPMPP_SDE", "eta", 1.0, "s_noise", 1.0, "r", 0.0, "noise_device", "cpu"),
                custom("27", "24"));
        text = r.message() + " " + r.errors();
        assertTrue(text.contains("SamplerDPMPP_SDE") && text.contains("r must be above 0"), text);
    }

    // ------------------------------------------------------------------ shapes

    private record In(String name, Object def, Number min, Number max, Number step) {}

    private static In f(String name, double def, double min, double max, double step) {
        return new In(name, def, min, max, step);
    }

    private static In i(String name, long def, long min, long max) {
        return new In(name, def, min, max, 1);
    }

    private static In combo(String name, List<String> options) {
        return new In(name, options, null, null, null);
    }

    private static void shape(Node node, String type, List<In> inputs) {
        shape(node, type, type, inputs);
    }

    private static void shape(Node node, String type, String display, List<In> inputs) {
        NodeSchema s = node.schema();
        assertEquals(type, s.type());
        assertEquals(display, s.displayName(), type);
        assertEquals("sampling/samplers", s.category(), type);
        assertEquals(inputs.stream().map(In::name).toList(), s.inputs().stream().map(InputSpec::name).toList(), type);
        for (int k = 0; k < inputs.size(); k++) {
            In want = inputs.get(k);
            InputSpec got = s.inputs().get(k);
            String at = type + "." + want.name();
            switch (got) {
                case IntInput x -> {
                    assertEquals(((Number) want.def()).longValue(), x.defaultValue(), at);
                    assertEquals(want.min().longValue(), x.min(), at);
                    assertEquals(want.max().longValue(), x.max(), at);
                    assertEquals(1, x.step(), at);
                }
                case FloatInput x -> {
                    assertEquals(((Number) want.def()).doubleValue(), x.defaultValue(), 0, at);
                    assertEquals(want.min().doubleValue(), x.min(), 0, at);
                    assertEquals(want.max().doubleValue(), x.max(), 0, at);
                    assertEquals(want.step().doubleValue(), x.step(), 0, at);
                    assertEquals(0, x.round(), 0, at + " round");
                }
                case BoolInput x -> assertEquals(want.def(), x.defaultValue(), at);
                case ComboInput x -> assertEquals(want.def(), x.options().get(), at);
                case SocketInput<?> x -> assertEquals(want.def(), x.type().name(), at);
                default -> throw new AssertionError(at + ": unexpected " + got);
            }
            assertTrue(!got.optional(), at + " is required");
        }
        assertEquals(List.of("SAMPLER"), s.outputs().stream().map(OutputSpec::name).toList(), type);
        assertEquals(List.of("SAMPLER"), s.outputs().stream().map(o -> o.type().name()).toList(), type);
        assertTrue(nodes.registry().find(type).isPresent(), type + " is registered");
    }

    @Test
    void schemasAreComfyUis() {
        In eta = f("eta", 1.0, 0.0, 100.0, 0.01);
        In sNoise = f("s_noise", 1.0, 0.0, 100.0, 0.01);
        In device = combo("noise_device", List.of("gpu", "cpu"));
        shape(new SamplerOptionNodes.SamplerEulerAncestral(), "SamplerEulerAncestral", List.of(eta, sNoise));
        shape(new SamplerOptionNodes.SamplerEulerAncestralCFGPP(), "SamplerEulerAncestralCFGPP",
                "SamplerEulerAncestralCFG++",
                List.of(f("eta", 1.0, 0.0, 1.0, 0.01), f("s_noise", 1.0, 0.0, 10.0, 0.01)));
        shape(new SamplerOptionNodes.SamplerLMS(), "SamplerLMS", List.of(i("order", 4, 1, 100)));
        shape(new SamplerOptionNodes.SamplerER_SDE(), "SamplerER_SDE", List.of(combo("solver_type",
                List.of("ER-SDE", "Reverse-time SDE", "ODE")), i("max_stage", 3, 1, 3), eta, sNoise));
        shape(new SamplerOptionNodes.SamplerSEEDS2(), "SamplerSEEDS2", List.of(combo("solver_type",
                List.of("phi_1", "phi_2")), eta, sNoise, f("r", 0.5, 0.01, 1.0, 0.01)));
        shape(new SamplerOptionNodes.SamplerDPMPP_3M_SDE(), "SamplerDPMPP_3M_SDE", List.of(eta, sNoise, device));
        shape(new SamplerOptionNodes.SamplerDPMPP_2M_SDE(), "SamplerDPMPP_2M_SDE",
                List.of(combo("solver_type", List.of("midpoint", "heun")), eta, sNoise, device));
        shape(new SamplerOptionNodes.SamplerDPMPP_SDE(), "SamplerDPMPP_SDE",
                List.of(eta, sNoise, f("r", 0.5, 0.0, 100.0, 0.01), device));
        shape(new SamplerOptionNodes.SamplerDPMPP_2S_Ancestral(), "SamplerDPMPP_2S_Ancestral", List.of(eta, sNoise));
        shape(new SamplerOptionNodes.SamplerDPMAdaptative(), "SamplerDPMAdaptative",
                List.of(i("order", 3, 2, 3), f("rtol", 0.05, 0, 100, 0.01), f("atol", 0.0078, 0, 100, 0.01),
                        f("h_init", 0.05, 0, 100, 0.01), f("pcoeff", 0, 0, 100, 0.01), f("icoeff", 1, 0, 100, 0.01),
                        f("dcoeff", 0, 0, 100, 0.01), f("accept_safety", 0.81, 0, 100, 0.01),
                        f("eta", 0, 0, 100, 0.01), sNoise));
        shape(new SamplerOptionNodes.SamplerSASolver(), "SamplerSASolver",
                List.of(new In("model", "MODEL", null, null, null), f("eta", 1.0, 0, 10, 0.01),
                        f("sde_start_percent", 0.2, 0, 1, 0.001), f("sde_end_percent", 0.8, 0, 1, 0.001), sNoise,
                        i("predictor_order", 3, 1, 6), i("corrector_order", 4, 0, 6),
                        new In("use_pece", false, null, null, null),
                        new In("simple_order_2", false, null, null, null)));
    }
}
