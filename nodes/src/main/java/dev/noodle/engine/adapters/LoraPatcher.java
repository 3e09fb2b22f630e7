package dev.noodle.engine.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.text.ClipTextModel;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies LoRA-family patches to weights: W' = W + Σ strength·ΔW, computed in float32 and stored back in W's dtype
 * on W's device (ComfyUI {@code lora.calculate_weight}; Hu et al. 2021). The base arrays are never modified: only
 * patched keys get new arrays, owned by the copy; every other array is shared. Strength 0 skips a LoRA; several
 * LoRAs on one key add up. Stateless and thread-safe.
 */
public final class LoraPatcher {
    /**
     * One LoRA in a stack with its strengths.
     *
     * @param strengthModel multiplies the UNet patches
     * @param strengthClip multiplies the text-encoder patches
     */
    public record Applied(Lora lora, float strengthModel, float strengthClip) {}

    /**
     * The weights a base model offers to LoRAs: module names → target keys, and the target shapes.
     *
     * @param names every LoRA module name the model understands ({@link KeyNames#loraModuleTargets})
     * @param shapes shape of every target weight
     * @param family the base model's family, when known (for {@link LoraMatch#warning()})
     */
    public record Targets(Map<String, KeyNames.Target> names, Map<KeyNames.Target, long[]> shapes,
            Optional<ModelFamily> family) {
        /**
         * Builds the targets of a model's components; pass null for a component the model lacks.
         *
         * @param unet the UNet (its block structure gives the diffusers names)
         * @param text the text encoder (SD1/SD2) or SDXL's CLIP-L
         * @param text2 SDXL's OpenCLIP bigG, else null
         */
        public static Targets of(UNetWeights unet, ClipTextModel text, ClipTextModel text2, ModelFamily family) {
            return of(unet == null ? null : PatchableWeights.of(unet), unet == null ? null : naming(unet.config()),
                    text == null ? null : PatchableWeights.of(text), text2 == null ? null : PatchableWeights.of(text2),
                    family);
        }

        /** Builds the targets from generic weight views (any may be null). */
        public static Targets of(PatchableWeights<?> unet, KeyNames.UNetNaming naming, PatchableWeights<?> text,
                PatchableWeights<?> text2, ModelFamily family) {
            return fromShapes(shapesOf(unet), naming, shapesOf(text), shapesOf(text2), family);
        }

        /**
         * Builds the targets from key → shape maps (e.g. read from a file's header without loading anything).
         *
         * @param unet UNet weight shapes, keys relative to {@code model.diffusion_model.} (empty when absent)
         * @param text first text encoder's shapes, HF CLIP keys relative to {@code text_model.} (empty when absent)
         * @param text2 SDXL bigG shapes (empty for SD1/SD2)
         */
        public static Targets fromShapes(Map<String, long[]> unet, KeyNames.UNetNaming naming,
                Map<String, long[]> text, Map<String, long[]> text2, ModelFamily family) {
            Map<String, KeyNames.Target> names =
                    KeyNames.loraModuleTargets(unet.keySet(), naming, text.keySet(), text2.keySet());
            Map<KeyNames.Target, long[]> shapes = new LinkedHashMap<>();
            for (KeyNames.Target t : names.values()) {
                Map<String, long[]> m = switch (t.component()) {
                    case UNET -> unet;
                    case TEXT -> text;
                    case TEXT2 -> text2;
                };
                shapes.putIfAbsent(t, m.get(t.key()).clone());
            }
            return new Targets(Map.copyOf(names), shapes, Optional.ofNullable(family));
        }

        private static Map<String, long[]> shapesOf(PatchableWeights<?> w) {
            Map<String, long[]> m = new LinkedHashMap<>();
            if (w != null) {
                for (String k : w.keys()) {
                    m.put(k, w.get(k).getShape().getShape());
                }
            }
            return m;
        }
    }

    private LoraPatcher() {}

    /**
     * The UNet block structure of a config (for diffusers-style LoRA names), from its per-block depths: each level
     * gets the deepest transformer of its input and output blocks (SDXL: 0, 2, 10) and the middle block its own
     * depth, so no level borrows another level's depth.
     */
    public static KeyNames.UNetNaming naming(UNetConfig c) {
        int levels = c.channelMult().length;
        int r = c.numResBlocks();
        int[] in = c.inputDepth(); // levels × r, shallow level first
        int[] out = c.outputDepth(); // levels × (r + 1), deepest level first
        int[] perLevel = new int[levels];
        for (int i = 0; i < in.length; i++) {
            perLevel[i / r] = Math.max(perLevel[i / r], in[i]);
        }
        for (int i = 0; i < out.length; i++) {
            int level = levels - 1 - i / (r + 1);
            perLevel[level] = Math.max(perLevel[level], out[i]);
        }
        return new KeyNames.UNetNaming(r, perLevel, c.middleDepth());
    }

    /** Reports which of the LoRA's modules find a weight of the right size in the model. */
    public static LoraMatch match(Lora lora, Targets targets) {
        List<String> unmatched = new ArrayList<>();
        int matched = 0;
        for (LoraModule m : lora.modules().values()) {
            KeyNames.Target t = targets.names().get(m.name());
            if (t == null) {
                unmatched.add(m.name());
                continue;
            }
            String misfit = misfit(lora, m, targets.shapes().get(t));
            if (misfit == null) {
                matched++;
            } else {
                unmatched.add(m.name() + " (" + misfit + " for " + t + ")");
            }
        }
        unmatched.addAll(lora.unrecognisedKeys());
        return new LoraMatch(lora.name(), lora.modules().size(), matched, unmatched, lora.family(), targets.family());
    }

    private static String misfit(Lora lora, LoraModule m, long[] target) {
        long n = 1;
        for (long d : target) {
            n *= d;
        }
        long got = m.deltaElements(lora.source());
        long rows = m.deltaRows(lora.source());
        if (got == n && rows == target[0]) {
            return null;
        }
        return "ΔW has " + rows + " rows and " + got + " elements, the weight is " + Arrays.toString(target);
    }

    /** Patches a UNet with the model strengths of a LoRA stack. */
    public static UNetWeights applyToUNet(UNetWeights unet, List<Applied> loras) {
        Targets t = Targets.of(PatchableWeights.of(unet), naming(unet.config()), null, null, null);
        return apply(PatchableWeights.of(unet), KeyNames.Component.UNET, t, loras);
    }

    /** Patches an SD1/SD2 text encoder with the clip strengths of a LoRA stack. */
    public static ClipTextModel applyToText(ClipTextModel text, List<Applied> loras) {
        Targets t = Targets.of(null, null, PatchableWeights.of(text), null, null);
        return apply(PatchableWeights.of(text), KeyNames.Component.TEXT, t, loras);
    }

    /**
     * Patches SDXL's pair of text encoders with the clip strengths of a LoRA stack: {@code lora_te1_} (and plain
     * {@code lora_te_}) modules go to CLIP-L, {@code lora_te2_} modules to OpenCLIP bigG.
     *
     * @return the patched CLIP-L and bigG, each sharing every unpatched array with its base
     */
    public static ClipTextModel[] applyToTexts(ClipTextModel text, ClipTextModel text2, List<Applied> loras) {
        Targets t = Targets.of(null, null, PatchableWeights.of(text), PatchableWeights.of(text2), null);
        return new ClipTextModel[] {apply(PatchableWeights.of(text), KeyNames.Component.TEXT, t, loras),
                apply(PatchableWeights.of(text2), KeyNames.Component.TEXT2, t, loras)};
    }

    /**
     * Patches one component: every module of every LoRA whose target lies in {@code component} and fits its shape
     * adds strength·ΔW (model strength for the UNet, clip strength for text encoders).
     *
     * @return a copy sharing all unpatched arrays; it owns (and closes) only the new ones
     */
    public static <W> W apply(PatchableWeights<W> base, KeyNames.Component component, Targets targets,
            List<Applied> loras) {
        Map<String, List<Contribution>> byKey = new LinkedHashMap<>();
        for (Applied a : loras) {
            float s = component == KeyNames.Component.UNET ? a.strengthModel() : a.strengthClip();
            if (s == 0f) {
                continue;
            }
            for (LoraModule m : a.lora().modules().values()) {
                KeyNames.Target t = targets.names().get(m.name());
                if (t == null || t.component() != component || !base.keys().contains(t.key())) {
                    continue;
                }
                if (misfit(a.lora(), m, base.get(t.key()).getShape().getShape()) != null) {
                    continue; // reported by match()
                }
                byKey.computeIfAbsent(t.key(), k -> new ArrayList<>()).add(new Contribution(a.lora(), m, s));
            }
        }
        NDArray probe = base.get(base.keys().iterator().next());
        NDManager owner = NDManager.newBaseManager(probe.getDevice());
        try {
            Map<String, NDArray> replaced = new LinkedHashMap<>();
            for (Map.Entry<String, List<Contribution>> e : byKey.entrySet()) {
                replaced.put(e.getKey(), patchOne(base.get(e.getKey()), e.getValue(), owner));
            }
            return base.withReplaced(replaced, owner);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private record Contribution(Lora lora, LoraModule module, float strength) {}

    // W [O, I, (kh, kw)] -> W + Σ s·ΔW, same shape and dtype, new array owned by owner
    private static NDArray patchOne(NDArray w, List<Contribution> parts, NDManager owner) {
        Shape shape = w.getShape();
        DataType dtype = w.getDataType();
        try (NDManager scope = owner.newSubManager()) {
            NDArray sum = null;
            for (Contribution c : parts) {
                NDArray d = c.module().delta(c.lora().source(), scope, shape, c.strength());
                sum = sum == null ? d : sum.add(d);
            }
            NDArray w32 = w;
            if (!w.getDevice().equals(owner.getDevice())) {
                // a model patched before may have its patch and its base weights on different devices (one moved
                // to CPU memory to make room on the GPU): every patch is made where the first weight is
                w32 = dev.noodle.engine.memory.WeightStore.copyTo(w, owner.getDevice(), scope);
            }
            if (dtype != DataType.FLOAT32) {
                NDArray widened = w32.toType(DataType.FLOAT32, true);
                widened.attach(scope);
                w32 = widened;
            }
            // the base first: a binary op's result takes its first operand's memory order, so a convolution kernel
            // kept channels-last (UNetWeights) stays so instead of being reordered on every call; in scope: the base
            // array is only read
            NDArray out = w32.add(sum);
            if (dtype != DataType.FLOAT32) {
                out = out.toType(dtype, true);
            }
            out.attach(owner);
            return out;
        }
    }
}
