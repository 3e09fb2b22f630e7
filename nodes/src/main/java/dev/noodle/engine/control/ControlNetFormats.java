package dev.noodle.engine.control;

import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.RenamedTensorSource;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.keys.KeyNames;
import dev.noodle.engine.unet.UNetConfig;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ControlNet file formats people download, recognised by their keys; those not in lllyasviel's LDM names are
 * read as the LDM control-only layout of {@link ControlNet#shapes} through views that copy nothing:
 *
 * <ul>
 *   <li>LDM control-only files (lllyasviel's v1.1 {@code control_v11p_sd15_*.pth}, the pruned
 *       {@code control_*-fp16.safetensors}, SDXL ControlNets in this layout): read as they are;
 *   <li>LDM full models (v1.0 {@code control_sd15_*.pth}: {@code control_model.} beside a whole SD checkpoint): the
 *       {@code control_model.} view;
 *   <li>diffusers {@code ControlNetModel} files ({@code diffusion_pytorch_model.safetensors}): renamed —
 *       {@code controlnet_cond_embedding.conv_in}/{@code blocks.N}/{@code conv_out} are {@code input_hint_block}
 *       0/2N+2/last, {@code controlnet_down_blocks.N} is {@code zero_convs.N.0}, {@code controlnet_mid_block} is
 *       {@code middle_block_out.0}, and the UNet part follows the diffusers UNet names of {@link KeyNames};
 *   <li>Stability's SDXL control-LoRAs ({@code lora_controlnet} marker): built on the loaded model's UNet by
 *       {@link ControlLoraSource};
 *   <li>"difference" ControlNets (full models with a {@code difference} marker): the loaded UNet's weights added
 *       ({@link ControlModels}).
 * </ul>
 *
 * T2I-Adapters are recognised so the caller can route them. Stateless and thread-safe.
 */
public final class ControlNetFormats {
    /** What a control file holds, as told by its keys. */
    public enum Format {
        /** LDM ControlNet keys at the top level ({@code zero_convs.0.0.weight}). */
        LDM_CONTROL,
        /** A ControlNet under {@code control_model.} beside a whole checkpoint (lllyasviel's v1.0 files). */
        LDM_FULL,
        /** A full model whose {@code control_model.} weights are differences to the base UNet. */
        DIFFERENCE,
        /** A diffusers {@code ControlNetModel}. */
        DIFFUSERS,
        /** Stability's control-LoRA: low-rank differences to the base UNet plus the ControlNet's own parts. */
        CONTROL_LORA,
        /** A T2I-Adapter (TencentARC; original or diffusers names). */
        T2I_ADAPTER,
        /** None of these. */
        UNKNOWN
    }

    /** The marker key of a control-LoRA (an empty tensor). */
    public static final String LORA_MARKER = "lora_controlnet";
    /** The marker key of a difference ControlNet. */
    public static final String DIFFERENCE_MARKER = "difference";
    /** The prefix of the ControlNet inside a full LDM model. */
    public static final String FULL_PREFIX = "control_model.";
    /** The key a diffusers ControlNet is recognised by. */
    public static final String DIFFUSERS_KEY = "controlnet_cond_embedding.conv_in.weight";
    /** The key an LDM ControlNet is recognised by. */
    public static final String LDM_KEY = "zero_convs.0.0.weight";

    /** The keys each control format is recognised by, for the message about a file that has none of them. */
    public static final String RECOGNISED_BY = "Control models are recognised by '" + LDM_KEY + "' (ControlNet), '"
            + FULL_PREFIX + LDM_KEY + "' (full ControlNet model), '" + DIFFUSERS_KEY + "' (diffusers ControlNet), '"
            + LORA_MARKER + "' (control-LoRA), 'conv_in.weight' with 'body.0.block1.weight' (T2I-Adapter; its light"
            + " and diffusers layouts too).";

    /** Diffusers {@code ControlNetModel} files, renamed by {@link #fromDiffusers} and loaded as a ControlNet. */
    static final ControlFormat DIFFUSERS_FORMAT = new ControlFormat() {
        @Override
        public String name() {
            return "diffusers ControlNet";
        }

        @Override
        public boolean recognises(Set<String> keys) {
            return keys.contains(DIFFUSERS_KEY);
        }

        @Override
        public ControlModel load(ModelFile file, ControlModels.Request request) {
            return ControlNet.load(fromDiffusers(file), "", request.target(),
                    ControlModels.globalAveragePooling(file.path()));
        }
    };

    /**
     * Stability's control-LoRAs, built on the model they are applied to by {@link ControlLoraSource} and loaded as
     * a ControlNet; without a model, a {@link ControlLora} that does so when sampling starts.
     */
    static final ControlFormat CONTROL_LORA_FORMAT = new ControlFormat() {
        @Override
        public String name() {
            return "Stability control-LoRA";
        }

        @Override
        public boolean recognises(Set<String> keys) {
            return keys.contains(LORA_MARKER);
        }

        @Override
        public ControlModel load(ModelFile file, ControlModels.Request request) {
            if (request.model() == null) {
                return ControlLora.of(file, request.target()); // made from the sampled model's UNet
            }
            String model = request.modelFamily() == null ? "the model" : "the " + request.modelFamily().displayName()
                    + " model";
            TensorSource unet = new ModelUNetSource(request.model(), model + "'s UNet");
            return ControlNet.load(ControlLoraSource.of(file, unet, request.model().config()), "", request.target(),
                    ControlModels.globalAveragePooling(file.path()));
        }
    };

    private static final int MAX_INDEX = 10_000;
    private static final Pattern DOWN_RES = Pattern.compile("^down_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.");
    private static final Pattern DOWN_ATTN =
            Pattern.compile("^down_blocks\\.(\\d+)\\.attentions\\.(\\d+)\\.transformer_blocks\\.(\\d+)\\.");
    private static final Pattern MID_ATTN = Pattern.compile("^mid_block\\.attentions\\.0\\.transformer_blocks\\.(\\d+)\\.");
    private static final Pattern HINT_BLOCK = Pattern.compile("^controlnet_cond_embedding\\.blocks\\.(\\d+)\\.");
    private static final Pattern ZERO = Pattern.compile("^controlnet_down_blocks\\.(\\d+)\\.");

    private ControlNetFormats() {}

    /** The format of a file, from its keys alone (the order ComfyUI's {@code load_controlnet} checks them in). */
    public static Format detect(Set<String> keys) {
        if (keys.contains(LORA_MARKER)) {
            return Format.CONTROL_LORA;
        }
        if (keys.contains(DIFFUSERS_KEY)) {
            return Format.DIFFUSERS;
        }
        if (keys.contains(FULL_PREFIX + LDM_KEY)) {
            return keys.contains(DIFFERENCE_MARKER) ? Format.DIFFERENCE : Format.LDM_FULL;
        }
        if (keys.contains(LDM_KEY)) {
            return Format.LDM_CONTROL;
        }
        if (T2IAdapters.isAdapter(keys)) {
            return Format.T2I_ADAPTER;
        }
        return Format.UNKNOWN;
    }

    /**
     * A diffusers {@code ControlNetModel} file as the LDM control-only layout: every key renamed, none copied. The
     * block structure (levels, ResBlocks per level, transformer depth per block) comes from the keys, the widths
     * from the shapes, and the result is checked strictly against {@link ControlNet#shapes}.
     *
     * @throws ModelFormatException naming the file and each key that does not map, is missing or has the wrong
     *     shape (with its diffusers name)
     */
    public static TensorSource fromDiffusers(TensorSource file) {
        String where = file.describe();
        Set<String> keys = file.keys();
        if (!keys.contains("conv_in.weight") || !keys.contains(DIFFUSERS_KEY)) {
            throw new ModelFormatException(where + ": a diffusers-format ControlNet needs '"
                    + (keys.contains("conv_in.weight") ? DIFFUSERS_KEY : "conv_in.weight") + "', which is missing;"
                    + " the file is truncated or damaged.");
        }
        int levels = 0;
        int resPerLevel = 0;
        int hintBlocks = 0;
        int zeros = 0;
        int midDepth = 0;
        Map<Long, Integer> depth = new HashMap<>();
        for (String k : keys) {
            checkIndices(k, where);
            Matcher m;
            if ((m = DOWN_RES.matcher(k)).find()) {
                int lv = Integer.parseInt(m.group(1));
                levels = Math.max(levels, lv + 1);
                if (lv == 0) {
                    resPerLevel = Math.max(resPerLevel, Integer.parseInt(m.group(2)) + 1);
                }
            } else if ((m = DOWN_ATTN.matcher(k)).find()) {
                long block = Long.parseLong(m.group(1)) * MAX_INDEX + Long.parseLong(m.group(2));
                depth.merge(block, Integer.parseInt(m.group(3)) + 1, Math::max);
            } else if ((m = MID_ATTN.matcher(k)).find()) {
                midDepth = Math.max(midDepth, Integer.parseInt(m.group(1)) + 1);
            } else if ((m = HINT_BLOCK.matcher(k)).find()) {
                hintBlocks = Math.max(hintBlocks, Integer.parseInt(m.group(1)) + 1);
            } else if ((m = ZERO.matcher(k)).find()) {
                zeros = Math.max(zeros, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (levels == 0 || resPerLevel == 0 || levels * resPerLevel > 256) {
            throw new ModelFormatException(where + ": a diffusers-format ControlNet needs down_blocks.0.resnets.0.* keys"
                    + (levels * resPerLevel > 256 ? " and at most 256 down ResBlocks" : "") + "; this file has "
                    + levels + " down levels of " + resPerLevel + " ResBlocks.");
        }
        int deepest = Math.max(midDepth, depth.values().stream().mapToInt(Integer::intValue).max().orElse(0));
        if (deepest > 64) {
            throw new ModelFormatException(where + ": a transformer of this diffusers ControlNet has " + deepest
                    + " blocks; at most 64 are read (SDXL has 10).");
        }
        int[] inputDepth = new int[levels * resPerLevel];
        for (int lv = 0; lv < levels; lv++) {
            for (int i = 0; i < resPerLevel; i++) {
                inputDepth[lv * resPerLevel + i] = depth.getOrDefault((long) lv * MAX_INDEX + i, 0);
            }
        }
        Map<String, String> modules = new LinkedHashMap<>(
                KeyNames.diffusersToLdmUnetEncoder(resPerLevel, inputDepth, midDepth));
        modules.put("controlnet_cond_embedding.conv_in", "input_hint_block.0");
        for (int i = 0; i < hintBlocks; i++) {
            modules.put("controlnet_cond_embedding.blocks." + i, "input_hint_block." + (2 * i + 2));
        }
        modules.put("controlnet_cond_embedding.conv_out", "input_hint_block." + (2 * hintBlocks + 2));
        for (int i = 0; i < zeros; i++) {
            modules.put("controlnet_down_blocks." + i, "zero_convs." + i + ".0");
        }
        modules.put("controlnet_mid_block", "middle_block_out.0");

        Map<String, String> toFile = new LinkedHashMap<>();
        TreeSet<String> unmapped = new TreeSet<>();
        for (String k : new TreeSet<>(keys)) {
            int dot = k.lastIndexOf('.');
            String ldm = dot > 0 ? modules.get(k.substring(0, dot)) : null;
            if (ldm == null) {
                unmapped.add(k);
                continue;
            }
            String ldmKey = ldm + k.substring(dot);
            toFile.put(ldmKey, k);
        }
        if (!unmapped.isEmpty()) {
            throw new ModelFormatException(where + ": " + unmapped.size() + " key" + (unmapped.size() == 1 ? "" : "s")
                    + " of this diffusers ControlNet map to no ControlNet weight: "
                    + unmapped.stream().limit(6).toList() + (unmapped.size() > 6 ? " …" : "")
                    + ". It is a variant Noodle does not read (e.g. a ControlNet-Union or a Flux/SD3 ControlNet)"
                    + " or a damaged file.");
        }
        TensorSource view = RenamedTensorSource.of(file, toFile, where + " (diffusers ControlNet)");
        long[] hint = view.info("input_hint_block.0.weight").shape();
        if (hint.length != 4) {
            throw new ModelFormatException(where + ": '" + DIFFUSERS_KEY + "' must be a 4-d convolution weight, got "
                    + Arrays.toString(hint));
        }
        Map<String, long[]> expected = ControlNet.shapes(UNetConfig.fromEncoderWeights(view, where), (int) hint[1]);
        Map<String, String> ldmToModule = new HashMap<>();
        modules.forEach((d, l) -> ldmToModule.put(l, d));
        ControlNetLayout.check(view, expected, k -> {
            int dot = k.lastIndexOf('.');
            String d = dot > 0 ? ldmToModule.get(k.substring(0, dot)) : null;
            return d == null ? k : d + k.substring(dot);
        });
        return view;
    }

    private static void checkIndices(String key, String where) {
        for (String part : key.split("\\.")) {
            if (part.length() > 4 && part.chars().allMatch(Character::isDigit)) {
                throw new ModelFormatException(where + ": key '" + key + "' has an out-of-range block index.");
            }
        }
    }
}
