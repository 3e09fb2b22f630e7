package dev.noodle.nodes.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.Scheduler;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.Node;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.PortType;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.nodes.values.ModelValue;
import dev.noodle.nodes.values.SigmasValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler and sigma nodes: ComfyUI's shapes, and their σ against the independent python reference. */
class SigmaNodesTest {
    private static final JsonNode REF = load();
    private static final ModelSampling MS = ModelSampling.sd15();
    private static final ModelValue MODEL =
            new ModelValue(null, null, MS, 0.18215f, ModelFamily.SD1, List.of(), 0, null);

    private static JsonNode load() {
        try (InputStream in = SigmaNodesTest.class.getResourceAsStream("/dev/noodle/engine/sampling/schedules2.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] ref(String key) {
        JsonNode a = REF.get(key);
        assertTrue(a != null && a.isArray(), "fixture has " + key);
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) a.get(i).asDouble();
        }
        return out;
    }

    private static void close(float[] expected, float[] got, double rel, String what) {
        assertEquals(expected.length, got.length, what + " length");
        for (int i = 0; i < got.length; i++) {
            double tol = rel * Math.abs(expected[i]) + 1e-7;
            assertTrue(Math.abs(expected[i] - got[i]) <= tol, what + "[" + i + "]: expected " + expected[i]
                    + " got " + got[i]);
        }
    }

    /** Runs a node on these literal or linked inputs (by name) and returns its outputs as σ arrays. */
    private static float[][] run(Node node, Map<String, Object> inputs) {
        NodeInputs in = new NodeInputs() {
            @Override
            public Object value(InputSpec spec) {
                return inputs.containsKey(spec.name()) ? inputs.get(spec.name()) : defaultOf(spec);
            }

            @Override
            public boolean has(InputSpec spec) {
                return inputs.containsKey(spec.name());
            }
        };
        List<Object> values;
        try {
            values = node.execute(new Ctx(node.schema().type(), in)).values();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        float[][] out = new float[values.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((SigmasValue) values.get(i)).sigmas();
        }
        return out;
    }

    private static Object defaultOf(InputSpec spec) {
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case ComboInput c -> c.defaultValue() != null ? c.defaultValue() : c.options().get().get(0);
            default -> null;
        };
    }

    private record Ctx(String nodeType, NodeInputs inputs) implements NodeContext {
        @Override
        public String nodeId() {
            return "1";
        }

        @Override
        public void progress(long value, long max) {}

        @Override
        public void progress(long value, long max, Object preview) {}

        @Override
        public void message(MessageLevel level, String text) {}

        @Override
        public CancellationToken cancellation() {
            return new CancellationToken();
        }

        @Override
        public <T> T service(Class<T> type) {
            return null;
        }

        @Override
        public String runId() {
            return "test";
        }

        @Override
        public Workflow workflow() {
            return null;
        }

        @Override
        public Map<String, String> extraPngInfo() {
            return Map.of();
        }
    }

    // ------------------------------------------------------------------ numbers

    @Test
    void basicSchedulerKeepsTheTailOfALongerSchedule() {
        for (String d : new String[] {"4_d0.6", "10_d0.5", "3_d0.35"}) {
            int steps = Integer.parseInt(d.substring(0, d.indexOf('_')));
            double denoise = Double.parseDouble(d.substring(d.indexOf('d') + 1));
            for (Scheduler s : List.of(Scheduler.BETA, Scheduler.KL_OPTIMAL, Scheduler.LINEAR_QUADRATIC)) {
                float[] got = run(new SigmaNodes.BasicScheduler(), Map.of("model", MODEL, "scheduler",
                        s.comfyName(), "steps", (long) steps, "denoise", denoise))[0];
                close(ref("basic_" + s.comfyName() + "_" + d), got, 2e-6, s.comfyName() + " " + d);
            }
        }
        float[] full = run(new SigmaNodes.BasicScheduler(), Map.of("model", MODEL, "scheduler", "beta",
                "steps", 7L))[0];
        close(ref("beta_7"), full, 1e-6, "beta 7 at denoise 1");
        assertEquals(0, run(new SigmaNodes.BasicScheduler(), Map.of("model", MODEL, "denoise", 0.0))[0].length);
    }

    @Test
    void parametricSchedulerNodesMatchReference() {
        for (int n : new int[] {1, 2, 4, 7, 20}) {
            long steps = n;
            close(ref("karras_node_" + n), run(new SigmaNodes.KarrasScheduler(), Map.of("steps", steps))[0], 2e-6,
                    "karras " + n);
            close(ref("karras_rho3_" + n), run(new SigmaNodes.KarrasScheduler(), Map.of("steps", steps,
                    "sigma_max", 10.0, "sigma_min", 0.1, "rho", 3.0))[0], 2e-6, "karras rho 3 " + n);
            close(ref("exponential_node_" + n), run(new SigmaNodes.ExponentialScheduler(),
                    Map.of("steps", steps))[0], 2e-6, "exponential " + n);
            close(ref("polyexponential_" + n), run(new SigmaNodes.PolyexponentialScheduler(),
                    Map.of("steps", steps))[0], 2e-6, "polyexponential " + n);
            close(ref("polyexponential_rho2.5_" + n), run(new SigmaNodes.PolyexponentialScheduler(),
                    Map.of("steps", steps, "sigma_max", 20.0, "sigma_min", 0.05, "rho", 2.5))[0], 2e-6,
                    "polyexponential rho 2.5 " + n);
            close(ref("vp_" + n), run(new SigmaNodes.VPScheduler(), Map.of("steps", steps))[0], 1e-5, "vp " + n);
            close(ref("laplace_" + n), run(new SigmaNodes.LaplaceScheduler(), Map.of("steps", steps))[0], 2e-6,
                    "laplace " + n);
            close(ref("laplace_mu1_b2_" + n), run(new SigmaNodes.LaplaceScheduler(), Map.of("steps", steps,
                    "mu", 1.0, "beta", 2.0))[0], 2e-6, "laplace mu 1 " + n);
            close(ref("beta_a2_b0.5_" + n), run(new SigmaNodes.BetaSamplingScheduler(), Map.of("model", MODEL,
                    "steps", steps, "alpha", 2.0, "beta", 0.5))[0], 1e-6, "beta sampling " + n);
            for (String kind : new String[] {"SD1", "SDXL", "SVD"}) {
                close(ref("ays_" + kind + "_" + n), run(new SigmaNodes.AlignYourStepsScheduler(),
                        Map.of("model_type", kind, "steps", steps))[0], 1e-6, "ays " + kind + " " + n);
                close(ref("ays_" + kind + "_" + n + "_d0.6"), run(new SigmaNodes.AlignYourStepsScheduler(),
                        Map.of("model_type", kind, "steps", steps, "denoise", 0.6))[0], 1e-6,
                        "ays " + kind + " " + n + " denoise 0.6");
            }
        }
        for (int n = 1; n <= 10; n++) {
            for (double d : new double[] {1.0, 0.5, 0.3}) {
                close(ref("sd_turbo_" + n + "_d" + d), run(new SigmaNodes.SDTurboScheduler(), Map.of("model", MODEL,
                        "steps", (long) n, "denoise", d))[0], 2e-6, "sd turbo " + n + " " + d);
            }
        }
    }

    @Test
    void sigmaListNodesFollowPythonSlicing() {
        SigmasValue src = new SigmasValue(ref("list_src"));
        for (long step : new long[] {0, 3, 7, 20}) {
            float[][] parts = run(new SigmaNodes.SplitSigmas(), Map.of("sigmas", src, "step", step));
            assertArrayEquals(ref("split_" + step + "_high"), parts[0], "split high " + step);
            assertArrayEquals(ref("split_" + step + "_low"), parts[1], "split low " + step);
        }
        for (double d : new double[] {0.0, 0.5, 0.7, 1.0}) {
            float[][] parts = run(new SigmaNodes.SplitSigmasDenoise(), Map.of("sigmas", src, "denoise", d));
            assertArrayEquals(ref("split_denoise_" + d + "_high"), parts[0], "split denoise high " + d);
            assertArrayEquals(ref("split_denoise_" + d + "_low"), parts[1], "split denoise low " + d);
        }
        assertArrayEquals(ref("flip"), run(new SigmaNodes.FlipSigmas(), Map.of("sigmas", src))[0]);
        float[] set = run(new SigmaNodes.SetFirstSigma(), Map.of("sigmas", src))[0];
        assertEquals(136f, set[0]);
        assertEquals(src.get(1), set[1]);
        assertEquals(src.get(0), ref("list_src")[0], "the input value is untouched");
    }

    @Test
    void badInputsNameTheNodeAndInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(new SigmaNodes.KarrasScheduler(), Map.of("sigma_min", 0.0)));
        assertTrue(e.getMessage().contains("KarrasScheduler") && e.getMessage().contains("sigma_min"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(new SigmaNodes.SetFirstSigma(), Map.of("sigmas", new SigmasValue(new float[0]))));
        assertTrue(e.getMessage().contains("SetFirstSigma") && e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> run(new SigmaNodes.BetaSamplingScheduler(), Map.of("model", MODEL, "alpha", 0.0)));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }

    @Test
    void sigmasValueIsImmutableAndReadable() {
        float[] raw = {14.614642f, 2.918307f, 0.932358f, 0.029168f, 0f};
        SigmasValue v = new SigmasValue(raw);
        raw[0] = 1f;
        v.sigmas()[1] = 1f;
        assertEquals(14.614642f, v.get(0));
        assertEquals(2.918307f, v.get(1));
        assertEquals("SIGMAS (4 steps) [14.6146, 2.9183, 0.9324, 0.0292, 0]", v.toString());
        assertEquals(new SigmasValue(new float[] {1f, 0f}), new SigmasValue(new float[] {1f, 0f}));
        String longOne = new SigmasValue(new float[21]).toString();
        assertTrue(longOne.startsWith("SIGMAS (20 steps) [0, 0, 0, 0, 0, 0, …, 0"), longOne);
        assertEquals(12, longOne.split(", ").length - 1, longOne);
    }

    // ------------------------------------------------------------------ shapes

    private record In(String name, Object def, Number min, Number max, Number step) {}

    private static void shape(Node node, String category, List<In> inputs, List<String> outputs) {
        NodeSchema s = node.schema();
        assertEquals(category, s.category(), s.type());
        assertEquals(inputs.size(), s.inputs().size(), s.type() + " inputs " + s.inputs());
        for (int i = 0; i < inputs.size(); i++) {
            In want = inputs.get(i);
            InputSpec got = s.inputs().get(i);
            String at = s.type() + "." + want.name();
            assertEquals(want.name(), got.name(), s.type() + " input " + i);
            switch (got) {
                case IntInput x -> {
                    assertEquals(((Number) want.def()).longValue(), x.defaultValue(), at);
                    assertEquals(want.min().longValue(), x.min(), at);
                    assertEquals(want.max().longValue(), x.max(), at);
                }
                case FloatInput x -> {
                    assertEquals(((Number) want.def()).doubleValue(), x.defaultValue(), 0, at);
                    assertEquals(want.min().doubleValue(), x.min(), 0, at);
                    assertEquals(want.max().doubleValue(), x.max(), 0, at);
                    assertEquals(want.step().doubleValue(), x.step(), 0, at);
                    assertEquals(0, x.round(), 0, at + " is not rounded");
                }
                case ComboInput x -> assertEquals(want.def(), x.options().get(), at);
                case SocketInput<?> x -> assertEquals(want.def(), x.type().name(), at);
                default -> throw new AssertionError(at + ": unexpected " + got);
            }
        }
        assertEquals(outputs, s.outputs().stream().map(OutputSpec::name).toList(), s.type() + " outputs");
        for (OutputSpec o : s.outputs()) {
            assertEquals(PortType.SIGMAS, o.type(), s.type());
        }
    }

    private static In sock(String name, String type) {
        return new In(name, type, null, null, null);
    }

    private static In i(String name, long def, long min, long max) {
        return new In(name, def, min, max, null);
    }

    private static In f(String name, double def, double min, double max, double step) {
        return new In(name, def, min, max, step);
    }

    @Test
    void schemasAreComfyUis() {
        String sch = "sampling/schedulers";
        String sig = "sampling/sigmas";
        List<String> one = List.of("SIGMAS");
        List<String> two = List.of("high_sigmas", "low_sigmas");
        In steps = i("steps", 20, 1, 10000);
        In max = f("sigma_max", 14.614642, 0, 5000, 0.01);
        In min = f("sigma_min", 0.0291675, 0, 5000, 0.01);
        In model = sock("model", "MODEL");
        In sigmas = sock("sigmas", "SIGMAS");
        shape(new SigmaNodes.BasicScheduler(), sch, List.of(model,
                new In("scheduler", List.of("simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta",
                        "normal", "linear_quadratic", "kl_optimal"), null, null, null),
                steps, f("denoise", 1, 0, 1, 0.01)), one);
        shape(new SigmaNodes.KarrasScheduler(), sch, List.of(steps, max, min, f("rho", 7, 0, 100, 0.01)), one);
        shape(new SigmaNodes.ExponentialScheduler(), sch, List.of(steps, max, min), one);
        shape(new SigmaNodes.PolyexponentialScheduler(), sch, List.of(steps, max, min, f("rho", 1, 0, 100, 0.01)),
                one);
        shape(new SigmaNodes.LaplaceScheduler(), sch, List.of(steps, max, min, f("mu", 0, -10, 10, 0.1),
                f("beta", 0.5, 0, 10, 0.1)), one);
        shape(new SigmaNodes.SDTurboScheduler(), sch, List.of(model, i("steps", 1, 1, 10),
                f("denoise", 1, 0, 1, 0.01)), one);
        shape(new SigmaNodes.BetaSamplingScheduler(), sch, List.of(model, steps, f("alpha", 0.6, 0, 50, 0.01),
                f("beta", 0.6, 0, 50, 0.01)), one);
        shape(new SigmaNodes.VPScheduler(), sch, List.of(steps, f("beta_d", 19.9, 0, 5000, 0.01),
                f("beta_min", 0.1, 0, 5000, 0.01), f("eps_s", 0.001, 0, 1, 0.0001)), one);
        shape(new SigmaNodes.AlignYourStepsScheduler(), sch, List.of(
                new In("model_type", List.of("SD1", "SDXL", "SVD"), null, null, null), i("steps", 10, 1, 10000),
                f("denoise", 1, 0, 1, 0.01)), one);
        shape(new SigmaNodes.SplitSigmas(), sig, List.of(sigmas, i("step", 0, 0, 10000)), two);
        shape(new SigmaNodes.SplitSigmasDenoise(), sig, List.of(sigmas, f("denoise", 1, 0, 1, 0.01)), two);
        shape(new SigmaNodes.FlipSigmas(), sig, List.of(sigmas), one);
        shape(new SigmaNodes.SetFirstSigma(), sig, List.of(sigmas, f("sigma", 136, 0, 20000, 0.001)), one);
    }
}
