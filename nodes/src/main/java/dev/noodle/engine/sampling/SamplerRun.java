package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.function.BooleanSupplier;

/**
 * Scope bookkeeping shared by the samplers: one sub-manager per run, one per step; the current x
 * and carried state are temporarily attached to the step so every temporary lands there, and only
 * the survivors are attached back to the run. Not thread-safe.
 */
final class SamplerRun implements AutoCloseable {
    final float[] sigmas;
    private final Denoiser denoiser;
    private final NoiseSource noise;
    private final StepCallback callback;
    private final BooleanSupplier cancelled;
    private final NDArray input;
    private final NDManager owner;
    private final NDManager run;
    private final Shape shape;
    private NDManager step;
    NDArray x;

    SamplerRun(
            Denoiser denoiser,
            NDArray x,
            float[] sigmas,
            NoiseSource noise,
            StepCallback callback,
            BooleanSupplier cancelled) {
        if (denoiser == null || x == null || sigmas == null) {
            throw new IllegalArgumentException("denoiser, x and sigmas are required");
        }
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException("x must be [B, C, H, W], got " + x.getShape());
        }
        for (int i = 0; i < sigmas.length; i++) {
            if (!(sigmas[i] >= 0) || !Float.isFinite(sigmas[i])) {
                throw new IllegalArgumentException("sigma[" + i + "] must be finite and >= 0");
            }
            if (sigmas[i] == 0 && i < sigmas.length - 1) {
                throw new IllegalArgumentException(
                        "sigma 0 may only be the last entry of a schedule, found at index " + i);
            }
        }
        this.denoiser = denoiser;
        this.sigmas = sigmas;
        this.noise = noise;
        this.callback = callback == null ? StepCallback.NONE : callback;
        this.cancelled = cancelled == null ? () -> false : cancelled;
        this.input = x;
        this.owner = x.getManager();
        this.run = owner.newSubManager();
        this.shape = x.getShape();
        this.x = x;
    }

    int total() {
        return sigmas.length - 1;
    }

    double s(int i) {
        return sigmas[i];
    }

    /** Starts step i: checks cancellation and opens the step scope. */
    void begin(int i) {
        if (cancelled.getAsBoolean()) {
            throw new SamplingCancelledException(i, total());
        }
        step = run.newSubManager();
        x.tempAttach(step);
    }

    /** Makes ops on a carried array produce their results in the current step. */
    NDArray use(NDArray carried) {
        carried.tempAttach(step);
        return carried;
    }

    NDArray denoise(NDArray at, double sigma) {
        return denoiser.denoise(at, (float) sigma, step);
    }

    /** The guided and the unconditional estimate at σ (CFG++ samplers). */
    Denoiser.Guided guided(NDArray at, double sigma) {
        return denoiser.denoiseGuided(at, (float) sigma, step);
    }

    NDArray noise(double from, double to) {
        if (noise == null) {
            throw new IllegalStateException("this sampler needs a NoiseSource, got null");
        }
        return noise.next((float) from, (float) to, shape, step);
    }

    void report(int i, NDArray denoised) {
        callback.onStep(i, total(), sigmas[i], x, denoised);
    }

    /** Reports step i of {@code steps} at σ for samplers whose steps are not the schedule's. */
    void report(int i, int steps, double sigma, NDArray denoised) {
        callback.onStep(i, steps, (float) sigma, x, denoised);
    }

    /** Keeps an array of the current step alive for later steps (owned by the run). */
    NDArray keep(NDArray a) {
        a.attach(run);
        return a;
    }

    /** Ends the step with x replaced by {@code next}. */
    void end(NDArray next) {
        next.attach(run);
        NDArray prev = x;
        step.close();
        step = null;
        if (prev != input) {
            prev.close();
        }
        x = next;
    }

    /** The final x, handed to the input's manager. */
    NDArray result() {
        if (x == input) {
            return x;
        }
        x.attach(owner);
        return x;
    }

    @Override
    public void close() {
        if (step != null) {
            step.close();
        }
        run.close();
    }
}
