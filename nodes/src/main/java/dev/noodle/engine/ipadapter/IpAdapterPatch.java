package dev.noodle.engine.ipadapter;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.unet.CrossAttentionSites;
import dev.noodle.engine.unet.TransformerSite;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetPatchSource;
import dev.noodle.engine.unet.UNetPatches;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An applied IP-Adapter: the decoupled cross-attention of Ye et al. 2023 as the pack patches ComfyUI's attn2
 * ({@code Attn2Replace} + {@code ipadapter_attention}). In every cross-attention layer it acts on, the attention
 * output before {@code to_out} gains w · Attention(q, K_ip, V_ip) with K_ip = to_k_ip(tokens), V_ip =
 * to_v_ip(tokens); the positive rows use the image's tokens, the negative rows the negative image's (the pack's
 * uncond: zero embeds, or a black/negative image encoded). The keys and values are computed once, when the patch
 * is made; each UNet call only picks them per row. As in ComfyUI with the pack, the middle block's layers are left
 * alone (the pack registers them under a block key ComfyUI never uses), and the patch acts at σ in
 * [σ(end_at), σ(start_at)].
 *
 * <p>Owns its precomputed keys and values; close it when the last model using it is released. Thread-safe.
 */
public final class IpAdapterPatch implements UNetPatchSource, AutoCloseable {
    /** How the weight enters the attention ({@code embeds_scaling}). */
    public enum Scaling {
        V_ONLY("V only"), K_V("K+V"), K_V_PENALTY("K+V w/ C penalty"), K_MEAN_V_PENALTY("K+mean(V) w/ C penalty");

        private final String label;

        Scaling(String label) {
            this.label = label;
        }

        /** The pack's spelling. */
        public String label() {
            return label;
        }

        /** By the pack's spelling. */
        public static Scaling of(String label) {
            for (Scaling s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown embeds_scaling '" + label + "'");
        }
    }

    /**
     * A mask limiting where the image acts, as the MASK wire has it (1 = act).
     *
     * @param data [B, H, W] row-major
     */
    public record Mask(int batch, int height, int width, float[] data) {}

    // One layer the adapter acts on: weight, and [1, T', inner] keys/values for positive and negative rows.
    private record Term(CrossAttentionSites.Site site, float weight, NDArray kPos, NDArray vPos, NDArray kNeg,
            NDArray vNeg) {}

    private final List<Term> terms;
    private final float sigmaStart;
    private final float sigmaEnd;
    private final Scaling scaling;
    private final Mask mask;
    private final NDManager owner;
    private final long bytes;
    private final long imageTokens;

    /**
     * Makes the patch for one UNet.
     *
     * @param model the adapter
     * @param unet the UNet's config (its cross-attention layers must match the adapter's)
     * @param cond the positive image tokens [Bi, T, D] (several images are concatenated along the tokens, as the
     *     pack's "concat")
     * @param uncond the negative tokens [Bi, T, D]
     * @param weightType one of {@link IpAdapterWeighting#TYPES}
     * @param weight the weight
     * @param composition the composition weight of the style-and-composition types
     * @param sigmaStart σ at start_at (acts while σ ≤ this)
     * @param sigmaEnd σ at end_at (acts while σ ≥ this)
     * @param scaling how the weight enters the attention
     * @param mask where it acts, or null for everywhere
     * @throws IllegalArgumentException when the adapter's layers do not match the UNet's
     */
    public IpAdapterPatch(IpAdapterModel model, UNetConfig unet, NDArray cond, NDArray uncond, String weightType,
            float weight, float composition, float sigmaStart, float sigmaEnd, Scaling scaling, Mask mask) {
        List<CrossAttentionSites.Site> sites = fileOrder(unet);
        IpAdapterLayout layout = model.layout();
        int[] widths = layout.layerWidths();
        if (sites.size() != widths.length) {
            throw new IllegalArgumentException("IP-Adapter '" + model.name() + "' (" + layout.describe() + ") has "
                    + widths.length + " cross-attention layers, this model's UNet has " + sites.size()
                    + ": the adapter is for another base model (SD 1.5 adapters have 16, SDXL ones 70)");
        }
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] != sites.get(i).channels()) {
                throw new IllegalArgumentException("IP-Adapter '" + model.name() + "': layer " + (2 * i + 1) + " is "
                        + widths[i] + " wide, the UNet's " + sites.get(i).path() + " attn2 is "
                        + sites.get(i).channels() + ": the adapter is for another base model");
            }
        }
        this.sigmaStart = sigmaStart;
        this.sigmaEnd = sigmaEnd;
        this.scaling = scaling;
        this.mask = mask;
        this.imageTokens = cond.getShape().get(1);
        int layers = widths.length > 50 ? 11 : 16;
        this.owner = NDManager.newBaseManager(Device.cpu());
        List<Term> out = new ArrayList<>();
        long b = 0;
        try {
            NDArray zeros = null;
            for (int i = 0; i < sites.size(); i++) {
                CrossAttentionSites.Site s = sites.get(i);
                if (s.kind().equals("middle")) {
                    continue;
                }
                Float w = IpAdapterWeighting.weightAt(weightType, weight, composition, s.transformerIndex(), s.kind(),
                        layers, layout.sdxl());
                if (w == null || w == 0f) {
                    continue;
                }
                NDArray[] pos = concatenated(model.keyValue(i, cond));
                NDArray[] neg = concatenated(model.keyValue(i, uncond));
                if (IpAdapterWeighting.swapped(weightType, s.transformerIndex(), layers)) {
                    neg = pos; // the pack: uncond = cond; cond = cond · 0
                    pos = new NDArray[] {pos[0].zerosLike(), pos[1].zerosLike()};
                }
                for (NDArray a : new NDArray[] {pos[0], pos[1], neg[0], neg[1]}) {
                    a.attach(owner);
                    b += a.getShape().size() * 4L;
                }
                out.add(new Term(s, w, pos[0], pos[1], neg[0], neg[1]));
            }
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
        this.terms = List.copyOf(out);
        this.bytes = b;
    }

    /** The UNet's attn2 layers in the adapter files' order (ip_adapter.1, .3, …): input blocks, output blocks, middle. */
    public static List<CrossAttentionSites.Site> fileOrder(UNetConfig unet) {
        List<CrossAttentionSites.Site> all = CrossAttentionSites.of(unet);
        List<CrossAttentionSites.Site> order = new ArrayList<>();
        for (String kind : new String[] {"input", "output", "middle"}) {
            all.stream().filter(s -> s.kind().equals(kind)).forEach(order::add);
        }
        return order;
    }

    // [Bi, T, inner] -> [1, Bi·T, inner]: every row attends to all images' tokens (the pack's "concat")
    private static NDArray[] concatenated(NDArray[] kv) {
        NDArray[] r = new NDArray[2];
        for (int j = 0; j < 2; j++) {
            Shape s = kv[j].getShape();
            r[j] = kv[j].reshape(1, s.get(0) * s.get(1), s.get(2));
        }
        return r;
    }

    /** Native bytes of the precomputed keys and values. */
    public long sizeBytes() {
        return bytes;
    }

    /** How many cross-attention layers the patch acts on. */
    public int activeLayers() {
        return terms.size();
    }

    @Override
    public UNetPatches prepare(Call call, NDManager scope) {
        float sigma = Float.isNaN(call.sigma()) ? 999999999.9f : call.sigma();
        if (terms.isEmpty() || !(sigma <= sigmaStart && sigma >= sigmaEnd)) {
            return UNetPatches.NONE;
        }
        int[] rows = call.chunkOfRow();
        Device device = call.x().getDevice();
        Map<String, NDArray[]> kv = new HashMap<>();
        for (Term t : terms) {
            NDList ks = new NDList();
            NDList vs = new NDList();
            for (int row : rows) {
                boolean negative = row == 1; // cond_or_uncond: 0 positive, 1 negative (a third chunk is positive)
                ks.add(negative ? t.kNeg() : t.kPos());
                vs.add(negative ? t.vNeg() : t.vPos());
            }
            NDArray kc = NDArrays.concat(ks, 0); // [N, T', inner] on the CPU
            NDArray vc = NDArrays.concat(vs, 0);
            kc.attach(scope);
            vc.attach(scope);
            NDArray k = kc.toDevice(device, false);
            NDArray v = vc.toDevice(device, false);
            k.attach(scope);
            v.attach(scope);
            kv.put(t.site().path(), new NDArray[] {k, v});
        }
        long[] xs = call.x().getShape().getShape();
        int groups = 1;
        for (int i = 1; i < rows.length; i++) {
            if (rows[i] != rows[i - 1]) {
                groups++;
            }
        }
        int perPrompt = Math.max(1, rows.length / groups);
        Map<Long, NDArray> masks = new ConcurrentHashMap<>();
        return UNetPatches.ofCrossAttention((site, q, context) -> {
            NDArray[] pair = kv.get(site.path());
            if (pair == null) {
                return null;
            }
            Term t = termAt(site);
            NDArray out = term(q, pair[0], pair[1], t.weight(), site);
            if (mask != null) {
                long seq = q.getShape().get(1);
                NDArray m = masks.computeIfAbsent(seq, n -> {
                    NDArray a = scope.create(IpAdapterMasks.rows(mask, (int) xs[2], (int) xs[3], n.intValue(),
                            rows.length, perPrompt), new Shape(rows.length, n, 1)).toDevice(device, false);
                    a.attach(scope);
                    return a;
                });
                out = out.mul(m.toType(out.getDataType(), false));
            }
            return out;
        });
    }

    private Term termAt(TransformerSite site) {
        for (Term t : terms) {
            if (t.site().path().equals(site.path())) {
                return t;
            }
        }
        throw new IllegalStateException("no IP-Adapter term at " + site.path());
    }

    /**
     * The term one layer adds (the pack's {@code ipadapter_attention} without the mask).
     *
     * @param q [N, Nq, inner]
     * @param k [N, T', inner]
     * @param v [N, T', inner]
     * @return [N, Nq, inner] in q's manager
     */
    NDArray term(NDArray q, NDArray k, NDArray v, float w, TransformerSite site) {
        return term(q, k, v, w, site.heads(), site.attention(), scaling, imageTokens);
    }

    /**
     * The term one layer adds for a scaling mode; see {@link #term(NDArray, NDArray, NDArray, float,
     * TransformerSite)}. {@code imageTokens} is T per image (keys and values hold images·T tokens).
     */
    public static NDArray term(NDArray q, NDArray k, NDArray v, float w, int heads, Attention.Mode mode,
            Scaling scaling, long imageTokens) {
        NDArray kk = k.toType(q.getDataType(), false);
        NDArray vv = v.toType(q.getDataType(), false);
        float penalty = k.getShape().get(2) / 1280f;
        return switch (scaling) {
            case V_ONLY -> Attention.multiHead(q, kk, vv, heads, mode).mul(w);
            case K_V -> Attention.multiHead(q, kk.mul(w), vv.mul(w), heads, mode);
            case K_V_PENALTY -> Attention.multiHead(q, kk.mul(w * penalty), vv.mul(w * penalty), heads, mode);
            case K_MEAN_V_PENALTY -> {
                float wp = w * penalty;
                // the pack takes the mean over each image's own tokens (before they join along the token axis)
                Shape s = vv.getShape(); // [N, images·T, inner]
                NDArray per = vv.reshape(s.get(0), s.get(1) / imageTokens, imageTokens, s.get(2));
                NDArray mean = per.mean(new int[] {2}, true); // [N, images, 1, inner]
                NDArray shifted = per.sub(mean).add(mean.mul(wp)).reshape(s);
                yield Attention.multiHead(q, kk.mul(wp), shifted, heads, mode);
            }
        };
    }

    @Override
    public void close() {
        owner.close();
    }
}
