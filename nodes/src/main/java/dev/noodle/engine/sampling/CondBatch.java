package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Several conditionings' denoised estimates from one batched network call (ComfyUI {@code calc_cond_batch}): the
 * scaled input repeated once per conditioning that is given, the outputs split and turned into denoised latents
 * through the prediction type; a conditioning that is not given (null: skipped by a cfg-1 shortcut) gets zeros, as
 * ComfyUI's empty accumulator. Stateless.
 */
final class CondBatch {
    private CondBatch() {}

    /**
     * Returns one denoised estimate [B, C, H, W] per conditioning, in order.
     *
     * @param conds the conditionings; null entries are skipped and read as zeros
     */
    static <C> NDArray[] denoised(ModelSampling sampling, ModelFunction<C> model, List<C> conds, NDArray x,
            float sigma, NDManager scope) {
        // x: [B, C, H, W]
        List<C> given = new ArrayList<>();
        for (C c : conds) {
            if (c != null) {
                given.add(c);
            }
        }
        NDArray[] out = new NDArray[conds.size()];
        if (given.isEmpty()) {
            Arrays.fill(out, x.zerosLike());
            return out;
        }
        long b = x.getShape().get(0);
        NDArray xIn = sampling.calculateInput(x, sigma);
        NDList copies = new NDList();
        for (int i = 0; i < given.size(); i++) {
            copies.add(xIn);
        }
        NDArray batch = given.size() == 1 ? xIn : ai.djl.ndarray.NDArrays.concat(copies, 0); // [n·B, C, H, W]
        float[] ts = new float[(int) (given.size() * b)];
        Arrays.fill(ts, sampling.timestep(sigma));
        NDArray pred = model.predict(batch, sigma, ts, given, scope);
        long[] want = x.getShape().getShape().clone();
        want[0] *= given.size();
        if (!Arrays.equals(want, pred.getShape().getShape())) {
            throw new IllegalStateException("model output shape " + pred.getShape() + " does not match its input "
                    + Arrays.toString(want) + "; the model function must return one prediction per input row");
        }
        NDList parts = given.size() == 1 ? new NDList(pred) : pred.split(given.size(), 0);
        int k = 0;
        for (int i = 0; i < conds.size(); i++) {
            out[i] = conds.get(i) == null ? x.zerosLike()
                    : sampling.calculateDenoised(sigma, parts.get(k++), x);
        }
        return out;
    }

    /** Math.isclose(a, b) with Python's default relative tolerance 1e-9. */
    static boolean isClose(float a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }
}
