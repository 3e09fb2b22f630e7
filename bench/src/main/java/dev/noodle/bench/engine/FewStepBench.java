package dev.noodle.bench.engine;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.graph.exec.RunEvent;
import dev.noodle.graph.exec.RunResult;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import dev.noodle.nodes.host.NoodleRunner;
import dev.noodle.nodes.library.FewStepDetector;
import dev.noodle.nodes.sampling.FewStepPlan;
import dev.noodle.nodes.sampling.FewStepPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Seconds per image of the few-step presets beside a 20-step baseline, all in one run on the full-size checkpoints,
 * through the real nodes (text encoding cached after the first run, the sampler, the VAE decode and the PNG save in
 * every row): SD 1.5 at euler/normal, cfg 8 (the baseline); SD 1.5 with an LCM-LoRA of the published layout and rank
 * (lcm-lora-sdv1-5: rank 64 on every attention projection, feed-forward, ResBlock convolution, time projection and
 * resampler, kohya spelling; random values) under the {@code lcm} preset, at its cfg 1.5 and at cfg 1 (the card's
 * "guidance disabled", one UNet pass a step); SDXL under the {@code turbo} preset (1 step, 512²). Each checkpoint is
 * loaded by a 1-step 64² warm-up that is not counted; the LoRA patch is timed on its own. The models folder is a
 * temporary one of symbolic links to the given files (nothing is copied); the LoRA is written there and removed.
 * Not thread-safe.
 */
public final class FewStepBench {
    private static final String POSITIVE = "beautiful scenery nature glass bottle landscape, purple galaxy bottle,";
    private static final String NEGATIVE = "text, watermark";

    /**
     * One row.
     *
     * @param what the row's label
     * @param seconds wall seconds of the image (sampling, VAE decode, PNG)
     * @param sampler seconds in the sampler node
     * @param vae seconds in the VAE decode
     */
    public record Row(String what, double seconds, double sampler, double vae) {
        /** The row as a Markdown table line, with its speed-up over {@code baseline} ("—" when null: another model). */
        public String markdown(Row baseline) {
            return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s |", what, seconds, sampler, vae,
                    baseline == null ? "—" : baseline == this ? "1×" : String.format(Locale.ROOT, "%.1f×",
                            baseline.seconds / seconds));
        }
    }

    /** The Markdown header of {@link Row#markdown}. */
    public static final String HEADER = "| image | s/image | sampler s | VAE decode s | vs baseline |\n"
            + "| --- | --- | --- | --- | --- |";

    private FewStepBench() {}

    /**
     * Runs the rows.
     *
     * @param sd15 the full SD 1.5 checkpoint
     * @param sdxl the full SDXL checkpoint (its row is skipped when null)
     * @param vocabulary the CLIP vocabulary file ({@code bpe_simple_vocab_16e6.txt.gz})
     * @param size image width and height
     * @param baselineSteps the baseline's steps (20 in the figures)
     * @param out receives the lines as they are measured
     */
    public static void run(Path sd15, Path sdxl, Path vocabulary, int size, int baselineSteps, Consumer<String> out)
            throws IOException {
        Path home = Files.createTempDirectory("noodle-fewstep-bench");
        try {
            Path models = home.resolve("models");
            link(models.resolve("checkpoints").resolve(sd15.getFileName()), sd15);
            link(models.resolve("tokenizers").resolve(vocabulary.getFileName()), vocabulary);
            if (sdxl != null) {
                link(models.resolve("checkpoints").resolve(sdxl.getFileName()), sdxl);
            }
            Path lora = models.resolve("loras/lcm-lora-sdv1-5.safetensors");
            TinyLoras.write(lora, UNetConfig.sd15(), TinyLoras.Layout.KOHYA_DIFFUSERS, 64, 64f,
                    Map.of("ss_output_name", "lcm-lora-sdv1-5", "ss_network_dim", "64", "ss_network_alpha", "64"));
            long params = TinyLoras.modules(UNetConfig.sd15()).values().stream().mapToLong(s -> {
                long in = 1;
                for (int i = 1; i < s.length; i++) {
                    in *= s[i];
                }
                return 64 * in + s[0] * 64;
            }).sum();
            out.accept(String.format(Locale.ROOT, "LCM-LoRA of the lcm-lora-sdv1-5 layout: %d modules, rank 64, %.1f M"
                    + " parameters (the card: 67.5 M), %.0f MB fp32; detected as: %s",
                    TinyLoras.modules(UNetConfig.sd15()).size(), params / 1e6, Files.size(lora) / 1e6,
                    FewStepDetector.detect(lora).map(FewStepDetector.Detection::describe).orElse("nothing")));
            NodeEnvironment env = NodeEnvironment.of(models, home.resolve("output"));
            out.accept(String.format(Locale.ROOT, "images at %d×%d, batch 1, one run each after a 1-step 64² warm-up"
                    + " per checkpoint:", size, size));
            out.accept(HEADER);
            try (NoodleNodes nodes = NoodleNodes.create(env)) {
                NoodleRunner runner = new NoodleRunner(nodes);
                String ck = sd15.getFileName().toString();
                Workflow base = txt2img(ck, size, baselineSteps, 8.0, "euler", "normal", 1);
                time(runner, txt2img(ck, 64, 1, 8.0, "euler", "normal", 0), "warm-up");
                Row baseline = time(runner, base, String.format(Locale.ROOT,
                        "SD 1.5, %d steps euler/normal, cfg 8 (baseline)", baselineSteps));
                out.accept(baseline.markdown(baseline));
                FewStepPresets.Preset lcm = FewStepPresets.require("lcm");
                // the same sampler settings without the LoRA: what the patched weights themselves cost per image
                Workflow plain = FewStepPlan.apply(base, lcm);
                Workflow plain1 = plain.withNode(plain.node("3").withInput("cfg", Literal.of(1.0)));
                Row noLora = time(runner, seed(plain1, 2), "SD 1.5 without a LoRA, lcm settings at cfg 1");
                out.accept(noLora.markdown(baseline));
                Workflow withLora = FewStepPlan.apply(withLora(base, "lcm-lora-sdv1-5.safetensors"), lcm);
                Row first = time(runner, seed(withLora, 2), "first LCM image");
                Row lcmRow = time(runner, seed(withLora, 3), "SD 1.5 + LCM-LoRA, preset lcm: " + lcm.settings());
                out.accept(lcmRow.markdown(baseline));
                Workflow cfg1 = withLora.withNode(withLora.node("3").withInput("cfg", Literal.of(1.0)));
                Row one = time(runner, seed(cfg1, 4), "SD 1.5 + LCM-LoRA, preset lcm at cfg 1 (one UNet pass a step)");
                out.accept(one.markdown(baseline));
                out.accept(String.format(Locale.ROOT, "(the first LCM image took %.1f s: the LoRA patch of the full UNet"
                        + " adds %.1f s once)", first.seconds(), first.seconds() - lcmRow.seconds()));
            }
            if (sdxl != null) {
                try (NoodleNodes nodes = NoodleNodes.create(env)) {
                    NoodleRunner runner = new NoodleRunner(nodes);
                    String ck = sdxl.getFileName().toString();
                    FewStepPresets.Preset turbo = FewStepPresets.require("turbo");
                    time(runner, txt2img(ck, 64, 1, 1.0, "euler", "normal", 0), "SDXL warm-up");
                    Workflow t = FewStepPlan.apply(txt2img(ck, size, baselineSteps, 8.0, "euler", "normal", 5), turbo);
                    Row row = time(runner, t, "SDXL, preset turbo: " + turbo.settings());
                    out.accept(row.markdown(null));
                }
            }
        } finally {
            try (Stream<Path> all = Files.walk(home)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void link(Path at, Path target) throws IOException {
        Files.createDirectories(at.getParent());
        Files.createSymbolicLink(at, target.toAbsolutePath());
    }

    /** The txt2img graph of {@code workflows/txt2img.json} with these settings. */
    static Workflow txt2img(String ckpt, int size, int steps, double cfg, String sampler, String scheduler, long seed) {
        Map<String, NodeInstance> n = new LinkedHashMap<>();
        n.put("4", NodeInstance.of("4", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of(ckpt))));
        n.put("6", NodeInstance.of("6", "CLIPTextEncode", Map.of("text", Literal.of(POSITIVE),
                "clip", Link.of("4", 1))));
        n.put("7", NodeInstance.of("7", "CLIPTextEncode", Map.of("text", Literal.of(NEGATIVE),
                "clip", Link.of("4", 1))));
        n.put("5", NodeInstance.of("5", "EmptyLatentImage", Map.of("width", Literal.of((long) size),
                "height", Literal.of((long) size), "batch_size", Literal.of(1L))));
        Map<String, InputValue> ks = new LinkedHashMap<>();
        ks.put("seed", Literal.of(seed));
        ks.put("steps", Literal.of((long) steps));
        ks.put("cfg", Literal.of(cfg));
        ks.put("sampler_name", Literal.of(sampler));
        ks.put("scheduler", Literal.of(scheduler));
        ks.put("positive", Link.of("6", 0));
        ks.put("negative", Link.of("7", 0));
        ks.put("latent_image", Link.of("5", 0));
        ks.put("denoise", Literal.of(1.0));
        ks.put("model", Link.of("4", 0));
        n.put("3", NodeInstance.of("3", "KSampler", ks));
        n.put("8", NodeInstance.of("8", "VAEDecode", Map.of("samples", Link.of("3", 0), "vae", Link.of("4", 2))));
        n.put("9", NodeInstance.of("9", "SaveImage", Map.of("filename_prefix", Literal.of("fewstep"),
                "images", Link.of("8", 0))));
        return Workflow.empty("few-step bench").withNodes(n);
    }

    private static Workflow withLora(Workflow wf, String lora) {
        NodeInstance l = NodeInstance.of("10", "LoraLoader", Map.of("model", Link.of("4", 0), "clip", Link.of("4", 1),
                "lora_name", Literal.of(lora), "strength_model", Literal.of(1.0), "strength_clip", Literal.of(1.0)));
        return wf.withNode(l).withNode(wf.node("3").withInput("model", Link.of("10", 0)));
    }

    private static Workflow seed(Workflow wf, long seed) {
        return wf.withNode(wf.node("3").withInput("seed", Literal.of(seed)));
    }

    private static Row time(NoodleRunner runner, Workflow wf, String what) {
        Map<String, Long> nanos = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        RunResult r = runner.run(wf, "bench-" + System.nanoTime(), e -> {
            if (e instanceof RunEvent.NodeFinished f) {
                String type = wf.node(f.nodeId()) == null ? "" : wf.node(f.nodeId()).type();
                nanos.merge(type, f.nanos(), Long::sum);
            }
        }, new CancellationToken());
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (r.status() != RunResult.Status.SUCCESS) {
            throw new IllegalStateException(what + ": the run ended " + r.status() + ": " + r.message()
                    + (r.errors().isEmpty() ? "" : " " + r.errors()));
        }
        return new Row(what, seconds, nanos.getOrDefault("KSampler", 0L) / 1e9,
                nanos.getOrDefault("VAEDecode", 0L) / 1e9);
    }
}
