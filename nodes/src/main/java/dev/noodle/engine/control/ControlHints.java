package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.noodle.engine.image.ImageResize;

/**
 * How a control image meets a UNet call, as ComfyUI's {@code comfy/controlnet.py} prepares it: resized to 8 pixels
 * per latent cell ({@code common_upscale(hint, 8w, 8h, "nearest-exact", "center")}) and its batch spread over the
 * call's rows ({@code broadcast_image_to}). Stateless and thread-safe.
 */
public final class ControlHints {
    /** Pixels per latent cell of the SD VAEs (ComfyUI's {@code compression_ratio}). */
    public static final int PIXELS_PER_CELL = 8;

    private ControlHints() {}

    /**
     * The control image at the size of a {@code latentH × latentW} latent: center-cropped to its aspect and resized
     * nearest-exact to {@code 8·latentH × 8·latentW}, as ComfyUI's ControlBase does before every size change.
     *
     * @param image [B, C, H, W] in 0..1
     * @return [B, C, 8·latentH, 8·latentW] in {@code scope}
     */
    public static NDArray resize(NDArray image, long latentH, long latentW, NDManager scope) {
        if (image.getShape().dimension() != 4) {
            throw new IllegalArgumentException("a control image is [B, C, H, W], got " + image.getShape());
        }
        int h = Math.toIntExact(latentH * PIXELS_PER_CELL);
        int w = Math.toIntExact(latentW * PIXELS_PER_CELL);
        try (NDManager tmp = scope.newSubManager()) {
            NDArray hwc = image.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).transpose(0, 2, 3, 1);
            hwc.attach(tmp);
            NDArray out = ImageResize.resize(hwc, w, h, ImageResize.Method.NEAREST_EXACT, true)
                    .transpose(0, 3, 1, 2).duplicate(); // [B, C, 8h, 8w]
            out.attach(scope);
            return out;
        }
    }

    /**
     * ComfyUI's {@code broadcast_image_to}: a single image serves every row as it is; otherwise the first
     * {@code rows / chunks} images are taken (repeated cyclically when there are fewer) and that block repeated once
     * per conditioning chunk of the call (positive rows, then negative rows, …); a batch already the size of the
     * call's is used as it is.
     *
     * @param hint [Bh, C, H, W]
     * @param rows the UNet call's batch size
     * @param chunks how many conditionings the call batches (ComfyUI's {@code len(cond_or_uncond)})
     * @return [1 or rows, C, H, W], in hint's manager
     */
    public static NDArray broadcast(NDArray hint, long rows, int chunks) {
        long have = hint.getShape().get(0);
        // ComfyUI broadcasts only when the batch differs from the call's
        return have == 1 || have == rows ? hint : perChunk(hint, rows, chunks);
    }

    private static NDArray perChunk(NDArray hint, long rows, int chunks) {
        long have = hint.getShape().get(0);
        long perBatch = rows / chunks;
        NDArray t = hint.get(new NDIndex("0:" + Math.min(perBatch, have)));
        long got = t.getShape().get(0);
        if (perBatch > got) {
            NDList parts = new NDList();
            for (long i = 0; i < perBatch / got; i++) {
                parts.add(t);
            }
            if (perBatch % got != 0) {
                parts.add(t.get(new NDIndex("0:" + perBatch % got)));
            }
            t = NDArrays.concat(parts, 0);
        }
        if (t.getShape().get(0) == rows) {
            return t;
        }
        NDList blocks = new NDList();
        for (int i = 0; i < chunks; i++) {
            blocks.add(t);
        }
        return NDArrays.concat(blocks, 0);
    }

    /**
     * How many conditioning chunks a call batches, from the chunk of each row (consecutive runs, as the sampler
     * lays rows out: ComfyUI's {@code len(cond_or_uncond)}).
     */
    public static int chunks(int[] chunkOfRow) {
        int runs = 1;
        for (int i = 1; i < chunkOfRow.length; i++) {
            if (chunkOfRow[i] != chunkOfRow[i - 1]) {
                runs++;
            }
        }
        return runs;
    }
}
