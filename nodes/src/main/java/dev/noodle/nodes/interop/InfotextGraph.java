package dev.noodle.nodes.interop;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Layout;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns AUTOMATIC1111 infotext into an equivalent Noodle graph of ComfyUI-named nodes, and such a graph back into
 * infotext.
 *
 * <p>Graph: CheckpointLoaderSimple → (CLIPSetLastLayer for "Clip skip" &gt; 1) → one LoraLoader per
 * {@code <lora:name:weight>} tag (tags removed from the prompt) → CLIPTextEncode ×2 (prompt_style a1111),
 * EmptyLatentImage, KSampler
 * (A1111 names mapped by {@link A1111Samplers}, {@code noise_mode} "a1111"), with hires fix a LatentUpscaleBy and a
 * second KSampler at "Denoising strength"; then VAEDecode and SaveImage. The infotext's parameters and original prompt
 * are kept in the extras ({@link #PARAMS_KEY}, {@link #PROMPT_KEY}) so that {@link #toInfotext} reproduces the text
 * where the graph did not change. Thread-safe (stateless).
 */
public final class InfotextGraph {
    /** Workflow extra: the infotext's parameters, in order. */
    public static final String PARAMS_KEY = "a1111.params";
    /** Positive CLIPTextEncode extra: the prompt as written, with its LoRA tags. */
    public static final String PROMPT_KEY = "a1111.prompt";
    /** CheckpointLoaderSimple extra: the checkpoint chosen at import (to tell whether the user changed it). */
    public static final String CKPT_KEY = "a1111.ckpt";
    /** A1111's extra-network tag, e.g. {@code <lora:name:0.8>} or {@code <lora:name:0.8:0.5>}. */
    static final Pattern LORA_TAG = Pattern.compile("<lora:([^:>]+)(?::([^:>]*))?(?::([^:>]*))?>");

    private InfotextGraph() {}

    /**
     * The graph equivalent to this infotext.
     *
     * @param checkpoints known checkpoint file names (relative to the checkpoints folder) to match "Model" against;
     *     empty: "Model" + ".safetensors"
     */
    public static Workflow toWorkflow(A1111Infotext info, List<String> checkpoints) {
        Map<String, String> p = info.params();
        Map<String, NodeInstance> nodes = new LinkedHashMap<>();
        String ckptName = matchModel(p.getOrDefault("Model", "model"), checkpoints);
        nodes.put("1", new NodeInstance("1", "CheckpointLoaderSimple", Map.of("ckpt_name", Literal.of(ckptName)),
                null, Map.of(CKPT_KEY, ckptName)));
        Link model = Link.of("1", 0);
        Link clip = Link.of("1", 1);
        int next = 2;
        int clipSkip = (int) number(p.get("Clip skip"), 1);
        if (clipSkip > 1) {
            String id = Integer.toString(next++);
            nodes.put(id, node(id, "CLIPSetLastLayer", Map.of("clip", clip,
                    "stop_at_clip_layer", Literal.of((long) -clipSkip))));
            clip = Link.of(id, 0);
        }
        Matcher m = LORA_TAG.matcher(info.prompt());
        while (m.find()) {
            double unet = m.group(2) == null || m.group(2).isBlank() ? 1.0 : number(m.group(2), 1.0);
            double te = m.group(3) == null || m.group(3).isBlank() ? unet : number(m.group(3), unet);
            String id = Integer.toString(next++);
            nodes.put(id, node(id, "LoraLoader", Map.of("model", model, "clip", clip,
                    "lora_name", Literal.of(m.group(1) + ".safetensors"), "strength_model", Literal.of(unet),
                    "strength_clip", Literal.of(te))));
            model = Link.of(id, 0);
            clip = Link.of(id, 1);
        }
        String prompt = stripTags(info.prompt());
        String pos = Integer.toString(next++);
        // A1111's prompt reading: (w) ×1.1, [w] ÷1.1, BREAK, embeddings by file name, mean-restoring emphasis
        nodes.put(pos, new NodeInstance(pos, "CLIPTextEncode", Map.of("text", Literal.of(prompt), "clip", clip,
                "prompt_style", Literal.of("a1111")), null, Map.of(PROMPT_KEY, info.prompt())));
        String neg = Integer.toString(next++);
        nodes.put(neg, node(neg, "CLIPTextEncode", Map.of("text", Literal.of(info.negativePrompt()), "clip", clip,
                "prompt_style", Literal.of("a1111"))));
        long[] size = size(p.get("Size"), 512, 512);
        String latent = Integer.toString(next++);
        nodes.put(latent, node(latent, "EmptyLatentImage", Map.of("width", Literal.of(size[0]),
                "height", Literal.of(size[1]), "batch_size", Literal.of(1L))));
        A1111Samplers.Choice choice = A1111Samplers.toComfy(p.get("Sampler"), p.get("Schedule type"));
        long steps = (long) number(p.get("Steps"), 20);
        String sampler = Integer.toString(next++);
        nodes.put(sampler, sampler(sampler, p, choice, steps, model, pos, neg, Link.of(latent, 0), 1.0));
        Link samples = Link.of(sampler, 0);
        if (p.containsKey("Hires upscale") || p.containsKey("Hires resize")) {
            String up = Integer.toString(next++);
            String method = latentMethod(p.get("Hires upscaler"));
            if (p.containsKey("Hires resize")) {
                long[] target = size(p.get("Hires resize"), size[0] * 2, size[1] * 2);
                nodes.put(up, node(up, "LatentUpscale", Map.of("samples", samples, "upscale_method",
                        Literal.of(method), "width", Literal.of(target[0]), "height", Literal.of(target[1]),
                        "crop", Literal.of("disabled"))));
            } else {
                nodes.put(up, node(up, "LatentUpscaleBy", Map.of("samples", samples, "upscale_method",
                        Literal.of(method), "scale_by", Literal.of(number(p.get("Hires upscale"), 2)))));
            }
            long hiresSteps = (long) number(p.get("Hires steps"), 0);
            String second = Integer.toString(next++);
            nodes.put(second, sampler(second, p, choice, hiresSteps > 0 ? hiresSteps : steps, model, pos, neg,
                    Link.of(up, 0), number(p.get("Denoising strength"), 0.7)));
            samples = Link.of(second, 0);
        }
        String decode = Integer.toString(next++);
        nodes.put(decode, node(decode, "VAEDecode", Map.of("samples", samples, "vae", Link.of("1", 2))));
        String save = Integer.toString(next);
        nodes.put(save, node(save, "SaveImage", Map.of("images", Link.of(decode, 0),
                "filename_prefix", Literal.of("Noodle"))));
        Map<String, NodeLayout> layout = new LinkedHashMap<>();
        int column = 0;
        for (String id : nodes.keySet()) {
            layout.put(id, NodeLayout.at(40 + 260 * column++, 80));
        }
        return new Workflow(Workflow.CURRENT_FORMAT, "A1111 import", nodes,
                new Layout(layout, List.of(), List.of(), List.of(), Map.of()), Map.of(PARAMS_KEY, p));
    }

    private static NodeInstance sampler(String id, Map<String, String> p, A1111Samplers.Choice choice, long steps,
            Link model, String pos, String neg, Link latent, double denoise) {
        Map<String, InputValue> in = new LinkedHashMap<>();
        in.put("model", model);
        in.put("seed", Literal.of((long) number(p.get("Seed"), 0)));
        in.put("steps", Literal.of(steps));
        in.put("cfg", Literal.of(number(p.get("CFG scale"), 7)));
        in.put("sampler_name", Literal.of(choice.sampler()));
        in.put("scheduler", Literal.of(choice.scheduler()));
        in.put("positive", Link.of(pos, 0));
        in.put("negative", Link.of(neg, 0));
        in.put("latent_image", latent);
        in.put("denoise", Literal.of(denoise));
        in.put("noise_mode", Literal.of("a1111"));
        return NodeInstance.of(id, "KSampler", in);
    }

    private static NodeInstance node(String id, String type, Map<String, InputValue> inputs) {
        return NodeInstance.of(id, type, new LinkedHashMap<>(inputs));
    }

    /** The prompt without LoRA tags (A1111 removes extra-network tags before encoding). */
    static String stripTags(String prompt) {
        return LORA_TAG.matcher(prompt).replaceAll("");
    }

    /** The checkpoint file whose stem equals {@code model} (exactly, then ignoring case), else model.safetensors. */
    static String matchModel(String model, List<String> checkpoints) {
        for (boolean ignoreCase : new boolean[] {false, true}) {
            for (String c : checkpoints) {
                String stem = c.replaceAll(".*[/\\\\]", "").replaceAll("\\.(safetensors|ckpt|pt|bin)$", "");
                if (ignoreCase ? stem.equalsIgnoreCase(model) : stem.equals(model)) {
                    return c;
                }
            }
        }
        return model + ".safetensors";
    }

    private static String latentMethod(String upscaler) {
        String u = upscaler == null ? "latent" : upscaler.toLowerCase(Locale.ROOT);
        if (u.contains("nearest")) {
            return "nearest-exact";
        }
        return u.contains("bicubic") ? "bicubic" : "bilinear";
    }

    static double number(String s, double fallback) {
        if (s == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static long[] size(String s, long w, long h) {
        if (s != null) {
            Matcher m = Pattern.compile("^(\\d+)x(\\d+)$").matcher(s.strip());
            if (m.matches()) {
                try {
                    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
                } catch (NumberFormatException tooLong) {
                    // more digits than a long holds (a fuzz finding): keep the default, the validator never sees it
                }
            }
        }
        return new long[] {w, h};
    }

    /**
     * The infotext of a graph shaped like {@link #toWorkflow}'s output (found by following links back from the last
     * KSampler); parameters kept from an import are reused where the graph still says the same.
     */
    public static A1111Infotext toInfotext(Workflow wf) {
        List<NodeInstance> samplers = new ArrayList<>();
        for (NodeInstance n : wf.nodes().values()) {
            if (n.type().equals("KSampler")) {
                samplers.add(n);
            }
        }
        if (samplers.isEmpty()) {
            throw new IllegalArgumentException("the workflow has no KSampler, so it has no A1111 equivalent");
        }
        NodeInstance base = samplers.get(0);
        NodeInstance hires = samplers.size() > 1 ? samplers.get(samplers.size() - 1) : null;
        NodeInstance posNode = source(wf, base.input("positive"));
        NodeInstance negNode = source(wf, base.input("negative"));
        List<String> tags = new ArrayList<>();
        NodeInstance ckpt = null;
        int clipSkip = 1;
        for (NodeInstance n = source(wf, base.input("model")); n != null; n = source(wf, n.input("model"))) {
            if (n.type().equals("LoraLoader")) {
                tags.add(0, loraTag(n));
            } else if (n.type().equals("CheckpointLoaderSimple")) {
                ckpt = n;
            }
        }
        for (NodeInstance n = posNode == null ? null : source(wf, posNode.input("clip")); n != null;
                n = source(wf, n.input("clip"))) {
            if (n.type().equals("CLIPSetLastLayer")) {
                clipSkip = (int) -longOf(n.input("stop_at_clip_layer"), -1);
            }
        }
        String text = posNode == null ? "" : stringOf(posNode.input("text"));
        String written = posNode == null ? null : (String) posNode.extra().get(PROMPT_KEY);
        String prompt;
        if (written != null && stripTags(written).equals(text) && tagsOf(written).equals(tags)) {
            prompt = written;
        } else {
            prompt = tags.isEmpty() ? text : text + (text.isEmpty() ? "" : ", ") + String.join(", ", tags);
        }
        @SuppressWarnings("unchecked")
        Map<String, String> orig = wf.extra().get(PARAMS_KEY) instanceof Map<?, ?> m
                ? (Map<String, String>) m : Map.of();
        Map<String, String> now = new LinkedHashMap<>();
        now.put("Steps", Long.toString(longOf(base.input("steps"), 20)));
        String sampler = stringOf(base.input("sampler_name"));
        String scheduler = stringOf(base.input("scheduler"));
        now.put("Sampler", A1111Samplers.samplerToA1111(sampler));
        now.put("Schedule type", A1111Samplers.scheduleToA1111(scheduler));
        now.put("CFG scale", numberText(base.input("cfg")));
        now.put("Seed", Long.toString(longOf(base.input("seed"), 0)));
        NodeInstance latent = source(wf, base.input("latent_image"));
        if (latent != null && latent.type().equals("EmptyLatentImage")) {
            now.put("Size", longOf(latent.input("width"), 512) + "x" + longOf(latent.input("height"), 512));
        }
        boolean ckptChanged = false;
        if (ckpt != null) {
            String name = stringOf(ckpt.input("ckpt_name"));
            ckptChanged = !name.equals(ckpt.extra().get(CKPT_KEY));
        }
        if (ckpt != null && (ckptChanged || orig.isEmpty())) {
            String name = stringOf(ckpt.input("ckpt_name"));
            now.put("Model", name.replaceAll(".*[/\\\\]", "").replaceAll("\\.(safetensors|ckpt|pt|bin)$", ""));
        }
        if (clipSkip > 1 || orig.containsKey("Clip skip")) {
            now.put("Clip skip", Integer.toString(clipSkip));
        }
        if (hires != null) {
            now.put("Denoising strength", numberText(hires.input("denoise")));
            NodeInstance up = source(wf, hires.input("latent_image"));
            if (up != null && up.type().equals("LatentUpscaleBy")) {
                now.put("Hires upscale", numberText(up.input("scale_by")));
            } else if (up != null && up.type().equals("LatentUpscale")) {
                now.put("Hires resize", longOf(up.input("width"), 0) + "x" + longOf(up.input("height"), 0));
            }
            long hs = longOf(hires.input("steps"), 0);
            if (hs != longOf(base.input("steps"), 20)) {
                now.put("Hires steps", Long.toString(hs)); // A1111 writes it only when set (0 = same as Steps)
            }
        }
        return new A1111Infotext(prompt, negNode == null ? "" : stringOf(negNode.input("text")),
                merge(orig, now, sampler, scheduler, ckptChanged));
    }

    /** Original values are kept where they still mean the same; the rest come from the graph. */
    private static Map<String, String> merge(Map<String, String> orig, Map<String, String> now, String sampler,
            String scheduler, boolean ckptChanged) {
        Map<String, String> out = new LinkedHashMap<>();
        A1111Samplers.Choice origChoice = null;
        try {
            origChoice = orig.containsKey("Sampler")
                    ? A1111Samplers.toComfy(orig.get("Sampler"), orig.get("Schedule type")) : null;
        } catch (IllegalArgumentException e) {
            origChoice = null;
        }
        boolean samplerSame = origChoice != null && origChoice.sampler().equals(sampler)
                && origChoice.scheduler().equals(scheduler);
        for (Map.Entry<String, String> e : orig.entrySet()) {
            String k = e.getKey();
            if ((k.equals("Sampler") || k.equals("Schedule type")) && samplerSame) {
                out.put(k, e.getValue());
            } else if (k.equals("Hires steps") && !now.containsKey(k)) {
                continue;
            } else if (now.containsKey(k)) {
                out.put(k, same(e.getValue(), now.get(k)) ? e.getValue() : now.get(k));
            } else if (!k.equals("Clip skip") && !k.equals("Denoising strength")
                    && (!k.startsWith("Hires ") || now.containsKey("Hires upscale") || now.containsKey("Hires resize"))) {
                out.put(k, e.getValue()); // fields the graph does not model (Model hash, Version, ...)
            }
        }
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (!out.containsKey(e.getKey()) && !(e.getKey().equals("Schedule type") && samplerSame)) {
                out.put(e.getKey(), e.getValue());
            }
        }
        if (ckptChanged) {
            out.remove("Model hash"); // a different checkpoint: the old hash would lie
        }
        return out;
    }

    private static boolean same(String a, String b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return Double.parseDouble(a) == Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<String> tagsOf(String prompt) {
        List<String> tags = new ArrayList<>();
        Matcher m = LORA_TAG.matcher(prompt);
        while (m.find()) {
            double unet = m.group(2) == null || m.group(2).isBlank() ? 1.0 : number(m.group(2), 1.0);
            double te = m.group(3) == null || m.group(3).isBlank() ? unet : number(m.group(3), unet);
            tags.add(tag(m.group(1), unet, te));
        }
        return tags;
    }

    private static String loraTag(NodeInstance n) {
        String name = stringOf(n.input("lora_name")).replaceAll(".*[/\\\\]", "")
                .replaceAll("\\.(safetensors|ckpt|pt)$", "");
        return tag(name, doubleOf(n.input("strength_model"), 1), doubleOf(n.input("strength_clip"), 1));
    }

    private static String tag(String name, double unet, double te) {
        return "<lora:" + name + ":" + plain(unet) + (te == unet ? "" : ":" + plain(te)) + ">";
    }

    private static NodeInstance source(Workflow wf, InputValue v) {
        return v instanceof Link l ? wf.node(l.nodeId()) : null;
    }

    private static String stringOf(InputValue v) {
        return v instanceof Literal l && l.value() != null ? l.value().toString() : "";
    }

    private static long longOf(InputValue v, long fallback) {
        return v instanceof Literal l && l.value() instanceof Number n ? n.longValue() : fallback;
    }

    private static double doubleOf(InputValue v, double fallback) {
        return v instanceof Literal l && l.value() instanceof Number n ? n.doubleValue() : fallback;
    }

    private static String numberText(InputValue v) {
        return plain(doubleOf(v, 0));
    }

    /** 7.0 → "7", 0.45 → "0.45". */
    static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
