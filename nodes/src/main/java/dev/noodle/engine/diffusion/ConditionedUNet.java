package dev.noodle.engine.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.sampling.ModelFunction;
import dev.noodle.engine.unet.UNetModel;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.util.ArrayList;
import java.util.List;

/**
 * The UNet as the sampler's {@link ModelFunction}, for conditioning made of several entries with areas and
 * strengths (ComfyUI {@code calc_cond_batch}): each entry predicts on its area; predictions are summed weighted
 * by strength (with an 8-cell feathered edge where an area does not touch the latent border, or by a per-cell mask
 * instead) and divided by the summed weights; at a known σ, entries whose timestep range excludes it are skipped
 * (a chunk left with none predicts zeros, as ComfyUI's empty accumulator). When every chunk has one full-size
 * entry with contexts of the same shape and the same UNet patches — the usual txt2img case — all chunks run in a
 * single batched UNet call, their {@code y} vectors (SDXL) batched the same way. Each call applies the patches of
 * its entry (controls, GLIGEN) after the model's own (IP-Adapter), each source seeing the call's input, σ and which
 * conditioning every row belongs to.
 */
public final class ConditionedUNet implements ModelFunction<List<CondEntry>> {
    private static final int FEATHER = 8;
    private final Network unet;
    private final int admInChannels;
    private final LatentExtras extras;
    private final List<UNetPatchSource> modelPatches;

    /** The network as this class calls it: UNetModel.forward(x, t, context, y, patches). */
    @FunctionalInterface
    interface Network {
        NDArray forward(NDArray x, NDArray t, NDArray context, NDArray y, UNetPatches patches);
    }

    /** Extra channels concatenated to the latent (inpainting and edit models), or none. */
    public interface LatentExtras {
        /** Channels to append to rows of x ([N, c, h, w]) for the given area (null = whole latent). */
        NDArray channels(NDArray x, LatentArea area, NDManager scope);

        /**
         * The extras of rows conditioned by {@code entry}, for channels that differ per conditioning (ComfyUI
         * computes {@code c_concat} per cond); by default the same for every entry.
         */
        default LatentExtras forEntry(CondEntry entry) {
            return this;
        }
    }

    public ConditionedUNet(UNetModel unet, LatentExtras extras) {
        this((x, t, c, y, p) -> unet.forward(x, t, c, y, p), unet.config().admInChannels(), extras,
                unet.patchSources());
    }

    /** Over any network with the UNet's signature (tests use a toy one). */
    ConditionedUNet(Network net, int admInChannels, LatentExtras extras) {
        this(net, admInChannels, extras, List.of());
    }

    ConditionedUNet(Network net, int admInChannels, LatentExtras extras, List<UNetPatchSource> modelPatches) {
        this.unet = net;
        this.admInChannels = admInChannels;
        this.extras = extras;
        this.modelPatches = List.copyOf(modelPatches);
    }

    @Override
    public NDArray predict(NDArray xIn, float sigma, float[] timesteps, List<List<CondEntry>> chunks,
            NDManager scope) {
        List<List<CondEntry>> active = new java.util.ArrayList<>();
        for (List<CondEntry> c : chunks) {
            active.add(c.stream().filter(e -> e.activeAt(sigma)).toList());
        }
        return predictAt(xIn, sigma, timesteps, active, scope);
    }

    @Override
    public NDArray predict(NDArray xIn, float[] timesteps, List<List<CondEntry>> chunks, NDManager scope) {
        return predictAt(xIn, Float.NaN, timesteps, chunks, scope);
    }

    private NDArray predictAt(NDArray xIn, float sigma, float[] timesteps, List<List<CondEntry>> chunks,
            NDManager scope) {
        // xIn: [chunks·B, C, H, W]
        long rows = xIn.getShape().get(0);
        int b = (int) (rows / chunks.size());
        if (simple(chunks)) {
            NDList ctx = new NDList();
            NDList ys = new NDList();
            for (List<CondEntry> c : chunks) {
                ctx.add(c.get(0).context().toDevice(xIn.getDevice(), false).repeat(0, b)); // [B, T, D]
                if (c.get(0).y() != null) {
                    ys.add(c.get(0).y().toDevice(xIn.getDevice(), false).repeat(0, b)); // [B, adm]
                }
            }
            NDArray context = ctx.size() == 1 ? ctx.get(0) : NDArrays.concat(ctx, 0);
            NDArray y = ys.isEmpty() ? null : ys.size() == 1 ? ys.get(0) : NDArrays.concat(ys, 0); // [chunks·B, adm]
            int[] rowChunks = new int[(int) rows];
            for (int r = 0; r < rows; r++) {
                rowChunks[r] = r / b;
            }
            return run(xIn, timesteps, 0, context, y, null, perChunk(chunks, b),
                    new Call(sigma, rowChunks, chunks.get(0).get(0).patches()), scope);
        }
        NDList outs = new NDList();
        for (int k = 0; k < chunks.size(); k++) {
            NDArray x = xIn.get(new NDIndex(k * b + ":" + (k + 1) * b)); // [B, C, H, W]
            outs.add(mix(x, sigma, timesteps, k, b, chunks.get(k), scope));
        }
        return NDArrays.concat(outs, 0);
    }

    // The extras of a batch of whole chunks: each chunk's rows get the channels of its one entry.
    private LatentExtras perChunk(List<List<CondEntry>> chunks, int b) {
        if (extras == null) {
            return null;
        }
        return (x, area, scope) -> {
            NDList parts = new NDList();
            for (int k = 0; k < chunks.size(); k++) {
                NDArray rows = x.get(new NDIndex(k * b + ":" + (k + 1) * b)); // [B, C, H, W]
                parts.add(extras.forEntry(chunks.get(k).get(0)).channels(rows, area, scope));
            }
            return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        };
    }

    private static boolean simple(List<List<CondEntry>> chunks) {
        Shape shape = null;
        for (List<CondEntry> c : chunks) {
            if (c.size() != 1 || c.get(0).area() != null || c.get(0).mask() != null) {
                return false;
            }
            Shape s = c.get(0).context().getShape();
            if (shape != null && !shape.equals(s)) {
                return false;
            }
            if ((c.get(0).y() == null) != (chunks.get(0).get(0).y() == null)) {
                return false;
            }
            if (!c.get(0).patches().equals(chunks.get(0).get(0).patches())) {
                return false;
            }
            shape = s;
        }
        return true;
    }

    // What the patch sources of one call are told, beside the call's tensors.
    private record Call(float sigma, int[] rowChunks, List<UNetPatchSource> entryPatches) {}

    private NDArray run(NDArray x, float[] timesteps, int from, NDArray context, NDArray y, LatentArea area,
            LatentExtras rowExtras, Call call, NDManager scope) {
        int n = (int) x.getShape().get(0);
        float[] ts = new float[n];
        System.arraycopy(timesteps, from, ts, 0, n);
        NDArray t = scope.create(ts);
        NDArray in = x;
        if (rowExtras != null) {
            in = x.concat(rowExtras.channels(x, area, scope).toType(x.getDataType(), false), 1);
        }
        if ((y == null) != (admInChannels == 0)) {
            throw new IllegalArgumentException(y == null
                    ? "this UNet takes a " + admInChannels + "-wide y vector (SDXL size/pooled"
                            + " conditioning) but the conditioning has none; encode the prompt with this model's CLIP"
                    : "the conditioning carries a y vector but this UNet has no label_emb");
        }
        NDArray ctx = context.toType(x.getDataType(), false);
        NDArray yy = y == null ? null : y.toType(x.getDataType(), false);
        UNetPatches patches = UNetPatches.NONE;
        if (!modelPatches.isEmpty() || !call.entryPatches().isEmpty()) {
            UNetPatchSource.Call seen = new UNetPatchSource.Call(in, ts, call.sigma(), ctx, yy, call.rowChunks());
            List<UNetPatchSource> sources = new ArrayList<>(modelPatches);
            sources.addAll(call.entryPatches());
            for (UNetPatchSource source : sources) {
                patches = patches.plus(source.prepare(seen, scope));
            }
        }
        // forward(x, t, context, y, patches): y is [N, adm] for SDXL (pooled ‖ size embeddings), null otherwise
        NDArray out = unet.forward(in, t, ctx, yy, patches);
        out.attach(scope);
        return out;
    }

    // Weighted average of several (area) predictions for one chunk: [B, C, H, W].
    private NDArray mix(NDArray x, float sigma, float[] timesteps, int chunk, int b, List<CondEntry> entries,
            NDManager scope) {
        int from = chunk * b;
        int[] rowChunks = new int[b];
        java.util.Arrays.fill(rowChunks, chunk);
        long[] s = x.getShape().getShape();
        int h = (int) s[2];
        int w = (int) s[3];
        NDArray sum = scope.zeros(x.getShape(), DataType.FLOAT32);
        NDArray count = scope.zeros(new Shape(s[0], 1, h, w), DataType.FLOAT32).add(1e-37f);
        for (CondEntry e : entries) {
            LatentArea a = e.area() == null ? new LatentArea(0, 0, w, h) : e.area().clip(w, h);
            if (a == null) {
                continue;
            }
            NDIndex region = new NDIndex(":, :, " + a.y() + ":" + (a.y() + a.height()) + ", " + a.x() + ":"
                    + (a.x() + a.width()));
            NDArray xa = e.area() == null ? x : x.get(region);
            NDArray ctx = e.context().toDevice(x.getDevice(), false).repeat(0, b);
            NDArray y = e.y() == null ? null : e.y().toDevice(x.getDevice(), false).repeat(0, b); // [B, adm]
            NDArray pred = run(xa, timesteps, from, ctx, y, e.area() == null ? null : a, entryExtras(e),
                    new Call(sigma, rowChunks, e.patches()), scope)
                    .toType(DataType.FLOAT32, false);
            NDArray weight = (e.mask() == null ? feather(scope, a, w, h)
                    : maskWeight(e.mask().toDevice(x.getDevice(), false), a, b, h, w))
                    .mul(e.strength()).broadcast(new Shape(s[0], 1, a.height(), a.width())); // [B, 1, ah, aw]
            NDArray full = scope.zeros(new Shape(s[0], s[1], h, w), DataType.FLOAT32);
            full.set(region, pred.mul(weight));
            NDArray wfull = scope.zeros(new Shape(s[0], 1, h, w), DataType.FLOAT32);
            wfull.set(region, weight);
            sum = sum.add(full);
            count = count.add(wfull);
        }
        return sum.div(count).toType(x.getDataType(), false);
    }

    private LatentExtras entryExtras(CondEntry e) {
        return extras == null ? null : extras.forEntry(e);
    }


    // A conditioning mask's weights on the area: its first B rows (one row serves every row), [B or 1, 1, ah, aw].
    private static NDArray maskWeight(NDArray mask, LatentArea a, int b, int h, int w) {
        long[] ms = mask.getShape().getShape(); // [Bm, h, w]
        if (ms.length != 3 || ms[1] != h || ms[2] != w) {
            throw new IllegalArgumentException("a conditioning mask of shape " + mask.getShape()
                    + " does not match the latent's " + h + "x" + w + " cells");
        }
        if (ms[0] != 1 && ms[0] < b) {
            throw new IllegalArgumentException("a conditioning mask of batch " + ms[0] + " cannot weight a latent"
                    + " batch of " + b + "; give one mask or one per latent");
        }
        NDArray rows = ms[0] == 1 ? mask : mask.get(new NDIndex("0:" + b));
        return rows.get(new NDIndex(":, " + a.y() + ":" + (a.y() + a.height()) + ", " + a.x() + ":"
                + (a.x() + a.width()))).expandDims(1).toType(DataType.FLOAT32, false);
    }

    // ComfyUI's area edge blending: on edges that are not the latent border, weights ramp up over
    // rr = min(8, side / 4) cells of that axis, cell t (from the edge) weighted (t + 1) / rr.
    private static NDArray feather(NDManager m, LatentArea a, int w, int h) {
        float[] mult = new float[a.height() * a.width()];
        java.util.Arrays.fill(mult, 1f);
        int rrY = Math.min(FEATHER, a.height() / 4);
        int rrX = Math.min(FEATHER, a.width() / 4);
        for (int yy = 0; yy < a.height(); yy++) {
            for (int xx = 0; xx < a.width(); xx++) {
                int i = yy * a.width() + xx;
                for (int t = 0; t < rrY; t++) {
                    float f = (float) ((1.0 / rrY) * (t + 1));
                    if (a.y() != 0 && yy == t) {
                        mult[i] *= f;
                    }
                    if (a.y() + a.height() < h && yy == a.height() - 1 - t) {
                        mult[i] *= f;
                    }
                }
                for (int t = 0; t < rrX; t++) {
                    float f = (float) ((1.0 / rrX) * (t + 1));
                    if (a.x() != 0 && xx == t) {
                        mult[i] *= f;
                    }
                    if (a.x() + a.width() < w && xx == a.width() - 1 - t) {
                        mult[i] *= f;
                    }
                }
            }
        }
        return m.create(mult, new Shape(1, 1, a.height(), a.width()));
    }
}
