package dev.noodle.bench.ui;

import dev.noodle.app.ui.canvas.GraphCanvas;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.RunViewModel;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.layout.StackPane;
import javafx.stage.Stage;

/**
 * Measures the canvas with a large graph (300 nodes, 400 wires): one pan/zoom frame (transform + CSS + layout +
 * software render via snapshot) and one edit (undoable command + view sync + layout + wire update).
 *
 * <p>Not a test. Run under a display: {@code xvfb-run java -Dprism.order=sw -cp ... CanvasBenchmark}.
 */
public final class CanvasBenchmark {
    private static final int PIPELINES = 40;
    private static final int EXTRA_DECODERS = 20;

    private CanvasBenchmark() {}

    /** Prints median and p90 times in milliseconds. */
    public static void main(String[] args) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Platform.startup(started::countDown);
        started.await();
        GraphEditorViewModel vm = onFx(() -> new GraphEditorViewModel(DemoNodes.registry()));
        GraphCanvas canvas = onFx(() -> {
            GraphCanvas c = new GraphCanvas(vm, new RunViewModel());
            Stage stage = new Stage();
            stage.setScene(new Scene(new StackPane(c), 1600, 1000));
            c.getScene().getStylesheets().add(
                    GraphCanvas.class.getResource("/dev/noodle/app/ui/noodle.css").toExternalForm());
            c.getScene().getRoot().getStyleClass().add("noodle");
            stage.show();
            return c;
        });
        long t0 = System.nanoTime();
        String[] samplers = onFx(() -> build(vm));
        onFx(() -> {
            canvas.getScene().getRoot().applyCss();
            canvas.getScene().getRoot().layout();
            canvas.updateWiresNow();
            return null;
        });
        double buildMs = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "graph: %d nodes, %d wires; built and laid out in %.0f ms%n",
                vm.workflow().nodes().size(), canvas.wireCount(), buildMs);

        double[] frame = frames(61, k -> {
            if (k % 2 == 0) {
                canvas.zoomAt(k % 4 == 0 ? 1.1 : 1 / 1.1, 700, 450);
            } else {
                canvas.panBy(13, -7);
            }
        });
        report("pan/zoom frame (pulse: CSS + layout + sw render)", frame);
        double[] edit = frames(61, k -> vm.setInput(samplers[k % samplers.length], "steps", 10L + k));
        report("edit frame (set widget value: command + sync + pulse)", edit);
        double[] undo = frames(31, k -> vm.undo());
        report("undo frame", undo);
        double[] idle = frames(31, k -> { });
        report("idle frame (baseline, vsync-capped)", idle);
        Platform.exit();
    }

    private static String[] build(GraphEditorViewModel vm) {
        String[] samplers = new String[PIPELINES];
        String[] ckpts = new String[PIPELINES];
        for (int p = 0; p < PIPELINES; p++) {
            double x = (p % 5) * 1800;
            double y = (p / 5) * 900;
            String ckpt = vm.addNode("CheckpointLoaderSimple", x, y + 120);
            String pos = vm.addNode("CLIPTextEncode", x + 320, y);
            String neg = vm.addNode("CLIPTextEncode", x + 320, y + 250);
            String latent = vm.addNode("EmptyLatentImage", x + 320, y + 500);
            String sampler = vm.addNode("KSampler", x + 640, y + 60);
            String decode = vm.addNode("VAEDecode", x + 960, y + 60);
            String save = vm.addNode("SaveImage", x + 960, y + 200);
            vm.connect(ckpt, 1, pos, "clip");
            vm.connect(ckpt, 1, neg, "clip");
            vm.connect(ckpt, 0, sampler, "model");
            vm.connect(pos, 0, sampler, "positive");
            vm.connect(neg, 0, sampler, "negative");
            vm.connect(latent, 0, sampler, "latent_image");
            vm.connect(sampler, 0, decode, "samples");
            vm.connect(ckpt, 2, decode, "vae");
            vm.connect(decode, 0, save, "images");
            samplers[p] = sampler;
            ckpts[p] = ckpt;
        }
        for (int i = 0; i < EXTRA_DECODERS; i++) {
            String d = vm.addNode("VAEDecode", (i % 5) * 1800 + 1300, (i / 5) * 900 + 400);
            vm.connect(samplers[i], 0, d, "samples");
            vm.connect(ckpts[(i + 1) % PIPELINES], 2, d, "vae");
        }
        vm.markSaved();
        return samplers;
    }

    /**
     * Runs {@code change} once per pulse and returns the time between consecutive pulses: with a change every
     * pulse, that is the full frame cost (FX work plus render, which the next pulse waits for), floored by the
     * 60 Hz pulse rate.
     */
    private static double[] frames(int n, java.util.function.IntConsumer change) throws Exception {
        if (Boolean.getBoolean("bench.marks")) {
            System.out.println("phase starts at " + java.time.LocalTime.now());
        }
        long cpu0 = processCpuNanos();
        long fx0 = fxCpuNanos();
        double[] ms = framesOnly(n, change);
        lastCpuMs = (processCpuNanos() - cpu0) / 1e6 / (n - 1);
        lastFxCpuMs = (fxCpuNanos() - fx0) / 1e6 / (n - 1);
        return ms;
    }

    private static double lastCpuMs;
    private static double lastFxCpuMs;

    /** CPU time of the whole process (all threads: FX, render, GC), which a shared machine does not inflate. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time of the FX application thread. */
    private static long fxCpuNanos() throws Exception {
        long id = onFx(() -> Thread.currentThread().threadId());
        return java.lang.management.ManagementFactory.getThreadMXBean().getThreadCpuTime(id);
    }

    private static double[] framesOnly(int n, java.util.function.IntConsumer change) throws Exception {
        CompletableFuture<double[]> done = new CompletableFuture<>();
        Platform.runLater(() -> new javafx.animation.AnimationTimer() {
            private final double[] ms = new double[n - 1];
            private long last;
            private int k;

            @Override
            public void handle(long now) {
                if (k > 0) {
                    ms[k - 1] = (now - last) / 1e6;
                }
                last = now;
                if (k == n - 1) {
                    stop();
                    done.complete(ms);
                    return;
                }
                change.accept(k++);
            }
        }.start());
        return done.get();
    }

    private static void report(String what, double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT,
                "%-56s median %6.2f ms  p90 %6.2f ms  cpu/frame: process %6.2f ms, FX thread %6.2f ms (n=%d)%n",
                what, sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)], lastCpuMs, lastFxCpuMs,
                sorted.length);
    }

    private static <T> T onFx(Supplier<T> s) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        Platform.runLater(() -> {
            try {
                f.complete(s.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get();
    }
}
