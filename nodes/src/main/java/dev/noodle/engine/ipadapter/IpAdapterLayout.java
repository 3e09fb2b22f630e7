package dev.noodle.engine.ipadapter;

import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.ipadapter.IpAdapterModel.Projection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The shapes of an IP-Adapter file, read from its keys (the pack's {@code ipadapter_execute} detection, made
 * strict): which projection, its widths, and the width of every cross-attention layer's {@code to_k_ip}. Every key
 * the layout implies is listed by {@link #expectedShapes()}; a file binds only when it has exactly those. Immutable.
 *
 * @param projection the image projection
 * @param clipDim width of the CLIP features it reads (image_embeds or hidden states)
 * @param tokenDim width D of the context tokens it makes (the to_k_ip input width; 768 SD 1.5, 2048 SDXL)
 * @param tokens tokens per image: the linear projection's T, the Resampler's queries; 0 for the MLP (one per hidden
 *     state)
 * @param resamplerDim the Resampler's inner width (0 otherwise)
 * @param resamplerDepth its number of (attention, feed-forward) layers
 * @param resamplerInner its attention width (heads · 64)
 * @param ffInner its feed-forward hidden width
 * @param layerWidths per cross-attention layer (file order), the to_k_ip/to_v_ip output width
 */
public record IpAdapterLayout(Projection projection, int clipDim, int tokenDim, int tokens, int resamplerDim,
        int resamplerDepth, int resamplerInner, int ffInner, int[] layerWidths) {
    public IpAdapterLayout {
        layerWidths = layerWidths.clone();
    }

    @Override
    public int[] layerWidths() {
        return layerWidths.clone();
    }

    /** Number of cross-attention layers the file has keys for. */
    public int layers() {
        return layerWidths.length;
    }

    /** Whether the tokens are SDXL-wide (2048), as the pack tells SDXL adapters apart. */
    public boolean sdxl() {
        return tokenDim == 2048;
    }

    /** Every key and its shape, in a stable order. */
    public Map<String, long[]> expectedShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        int c = clipDim;
        int d = tokenDim;
        switch (projection) {
            case LINEAR -> {
                m.put("image_proj.proj.weight", new long[] {(long) tokens * d, c});
                m.put("image_proj.proj.bias", new long[] {(long) tokens * d});
                m.put("image_proj.norm.weight", new long[] {d});
                m.put("image_proj.norm.bias", new long[] {d});
            }
            case MLP -> {
                m.put("image_proj.proj.0.weight", new long[] {c, c});
                m.put("image_proj.proj.0.bias", new long[] {c});
                m.put("image_proj.proj.2.weight", new long[] {d, c});
                m.put("image_proj.proj.2.bias", new long[] {d});
                m.put("image_proj.proj.3.weight", new long[] {d});
                m.put("image_proj.proj.3.bias", new long[] {d});
            }
            case RESAMPLER -> {
                int r = resamplerDim;
                m.put("image_proj.latents", new long[] {1, tokens, r});
                m.put("image_proj.proj_in.weight", new long[] {r, c});
                m.put("image_proj.proj_in.bias", new long[] {r});
                m.put("image_proj.proj_out.weight", new long[] {d, r});
                m.put("image_proj.proj_out.bias", new long[] {d});
                m.put("image_proj.norm_out.weight", new long[] {d});
                m.put("image_proj.norm_out.bias", new long[] {d});
                for (int i = 0; i < resamplerDepth; i++) {
                    String p = "image_proj.layers." + i + ".";
                    m.put(p + "0.norm1.weight", new long[] {r});
                    m.put(p + "0.norm1.bias", new long[] {r});
                    m.put(p + "0.norm2.weight", new long[] {r});
                    m.put(p + "0.norm2.bias", new long[] {r});
                    m.put(p + "0.to_q.weight", new long[] {resamplerInner, r});
                    m.put(p + "0.to_kv.weight", new long[] {2L * resamplerInner, r});
                    m.put(p + "0.to_out.weight", new long[] {r, resamplerInner});
                    m.put(p + "1.0.weight", new long[] {r});
                    m.put(p + "1.0.bias", new long[] {r});
                    m.put(p + "1.1.weight", new long[] {ffInner, r});
                    m.put(p + "1.3.weight", new long[] {r, ffInner});
                }
            }
        }
        for (int i = 0; i < layerWidths.length; i++) {
            String p = "ip_adapter." + (2 * i + 1) + ".";
            m.put(p + "to_k_ip.weight", new long[] {layerWidths[i], d});
            m.put(p + "to_v_ip.weight", new long[] {layerWidths[i], d});
        }
        return m;
    }

    /** The CLIP vision model the features come from, as users name the downloads. */
    public String clipHint() {
        boolean pooled = projection == Projection.LINEAR;
        return switch (clipDim) {
            case 768 -> pooled ? "CLIP ViT-L/14" : "?";
            case 1024 -> pooled ? "CLIP ViT-H/14 (CLIP-ViT-H-14-laion2B-s32B-b79K)" : "CLIP ViT-L/14";
            case 1280 -> pooled ? "CLIP ViT-bigG/14 (CLIP-ViT-bigG-14-laion2B-39B-b160k)"
                    : "CLIP ViT-H/14 (CLIP-ViT-H-14-laion2B-s32B-b79K)";
            case 1664 -> "CLIP ViT-bigG/14 (CLIP-ViT-bigG-14-laion2B-39B-b160k)";
            default -> "a CLIP vision model with " + clipDim + "-wide " + (pooled ? "image embeds" : "hidden states");
        };
    }

    /** "SD 1.5 plus (Resampler, 16 tokens, ViT-H)"-style summary. */
    public String describe() {
        String base = sdxl() ? "SDXL" : tokenDim == 768 ? "SD 1.5" : tokenDim + "-wide";
        String kind = switch (projection) {
            case LINEAR -> "plain (" + tokens + " tokens)";
            case RESAMPLER -> "plus (Resampler, " + tokens + " tokens)";
            case MLP -> "full-face (MLP, one token per hidden state)";
        };
        return base + " " + kind + ", " + layerWidths.length + " cross-attention layers, for " + clipHint();
    }

    /**
     * Reads the layout from the file's keys and shapes ({@code image_proj.*}, {@code ip_adapter.*}).
     *
     * @throws ModelFormatException naming the file and what does not fit, for FaceID adapters (which need
     *     InsightFace), for other files, and for files whose shapes contradict each other
     */
    public static IpAdapterLayout detect(Map<String, long[]> shapes, String file) {
        if (shapes.keySet().stream().noneMatch(k -> k.startsWith("ip_adapter."))) {
            throw new ModelFormatException(file + " is not an IP-Adapter: it has no ip_adapter.* weights (to_k_ip,"
                    + " to_v_ip). Put IP-Adapter files (ip-adapter_sd15.safetensors, …) in models/ipadapter.");
        }
        if (shapes.containsKey("ip_adapter.0.to_q_lora.down.weight")
                || shapes.keySet().stream().anyMatch(k -> k.startsWith("image_proj.perceiver_resampler."))
                || shapes.containsKey("image_proj.proj.2.weight") && !shapes.containsKey("image_proj.proj.3.weight")) {
            throw new ModelFormatException(file + " is a FaceID IP-Adapter: it reads InsightFace face embeddings,"
                    + " which Noodle does not compute. Use a plain, plus, plus-face or full-face IP-Adapter.");
        }
        long[] k1 = shapes.get("ip_adapter.1.to_k_ip.weight");
        if (k1 == null || k1.length != 2) {
            throw new ModelFormatException(file + ": missing key ip_adapter.1.to_k_ip.weight (2-d), which every"
                    + " IP-Adapter has; the file is damaged or not an IP-Adapter");
        }
        int d = (int) k1[1];
        TreeSet<Integer> numbers = new TreeSet<>();
        for (String k : shapes.keySet()) {
            if (k.startsWith("ip_adapter.") && k.endsWith(".to_k_ip.weight")) {
                String n = k.substring("ip_adapter.".length(), k.length() - ".to_k_ip.weight".length());
                try {
                    numbers.add(Integer.parseInt(n));
                } catch (NumberFormatException e) {
                    throw new ModelFormatException(file + ": unexpected key " + k);
                }
            }
        }
        int[] widths = new int[numbers.size()];
        for (int i = 0; i < widths.length; i++) {
            long[] s = shapes.get("ip_adapter." + (2 * i + 1) + ".to_k_ip.weight");
            if (s == null || s.length != 2) {
                throw new ModelFormatException(file + ": missing key ip_adapter." + (2 * i + 1) + ".to_k_ip.weight"
                        + " (layers are numbered 1, 3, 5, …; has " + numbers + ")");
            }
            widths[i] = (int) s[0];
        }
        IpAdapterLayout layout;
        if (shapes.containsKey("image_proj.latents")) {
            long[] lat = dims(shapes, "image_proj.latents", 3, file);
            long[] pin = dims(shapes, "image_proj.proj_in.weight", 2, file);
            long[] q = dims(shapes, "image_proj.layers.0.0.to_q.weight", 2, file);
            long[] ff = dims(shapes, "image_proj.layers.0.1.1.weight", 2, file);
            int depth = 0;
            while (shapes.containsKey("image_proj.layers." + depth + ".0.to_q.weight")) {
                depth++;
            }
            if (q[0] % IpAdapterModel.RESAMPLER_HEAD_DIM != 0) {
                throw new ModelFormatException(file + ": image_proj.layers.0.0.to_q.weight has " + q[0] + " rows, not"
                        + " a multiple of the Resampler's 64-wide heads");
            }
            layout = new IpAdapterLayout(Projection.RESAMPLER, (int) pin[1], d, (int) lat[1], (int) lat[2], depth,
                    (int) q[0], (int) ff[0], widths);
        } else if (shapes.containsKey("image_proj.proj.3.weight")) {
            long[] p0 = dims(shapes, "image_proj.proj.0.weight", 2, file);
            layout = new IpAdapterLayout(Projection.MLP, (int) p0[1], d, 0, 0, 0, 0, 0, widths);
        } else if (shapes.containsKey("image_proj.proj.weight")) {
            long[] p = dims(shapes, "image_proj.proj.weight", 2, file);
            if (d == 0 || p[0] % d != 0) {
                throw new ModelFormatException(file + ": image_proj.proj.weight has " + p[0] + " rows, not a multiple"
                        + " of the token width " + d + " (ip_adapter.1.to_k_ip.weight)");
            }
            layout = new IpAdapterLayout(Projection.LINEAR, (int) p[1], d, (int) (p[0] / d), 0, 0, 0, 0, widths);
        } else {
            throw new ModelFormatException(file + ": unknown image projection (no image_proj.proj.weight,"
                    + " image_proj.latents or image_proj.proj.3.weight); Noodle reads plain, plus, plus-face and"
                    + " full-face IP-Adapters");
        }
        int[] sizes = {layout.clipDim, layout.tokenDim, layout.projection == Projection.MLP ? 1 : layout.tokens,
            layout.projection == Projection.RESAMPLER ? Math.min(Math.min(layout.resamplerDim, layout.resamplerDepth),
                    Math.min(layout.resamplerInner, layout.ffInner)) : 1,
            widths.length == 0 ? 0 : Arrays.stream(widths).min().getAsInt()};
        if (Arrays.stream(sizes).anyMatch(v -> v <= 0)) {
            throw new ModelFormatException(file + ": an IP-Adapter weight has a zero-sized dimension (" + layout
                    .projection + " projection, widths " + Arrays.toString(sizes) + "); the file is damaged");
        }
        return layout;
    }

    private static long[] dims(Map<String, long[]> shapes, String key, int rank, String file) {
        long[] s = shapes.get(key);
        if (s == null) {
            throw new ModelFormatException(file + ": missing key " + key);
        }
        if (s.length != rank) {
            throw new ModelFormatException(file + ": " + key + " has shape " + Arrays.toString(s) + ", expected "
                    + rank + " dimensions");
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAdapterLayout l && projection == l.projection && clipDim == l.clipDim
                && tokenDim == l.tokenDim && tokens == l.tokens && resamplerDim == l.resamplerDim
                && resamplerDepth == l.resamplerDepth && resamplerInner == l.resamplerInner && ffInner == l.ffInner
                && Arrays.equals(layerWidths, l.layerWidths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(layerWidths) * 31 + java.util.Objects.hash(projection, clipDim, tokenDim, tokens,
                resamplerDim, resamplerDepth, resamplerInner, ffInner);
    }

    @Override
    public String toString() {
        return describe();
    }
}
