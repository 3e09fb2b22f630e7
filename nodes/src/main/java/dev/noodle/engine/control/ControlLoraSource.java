package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.unet.UNetConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Stability control-LoRA ({@code control-lora-canny-rank128.safetensors} and the like) read as a whole ControlNet
 * in the LDM control-only layout, built on the loaded model's UNet as ComfyUI's {@code ControlLora} does: the
 * ControlNet starts as a copy of the UNet's encoder; every tensor the file holds in full replaces the copy's
 * (biases, norms, the hint encoder, the zero convolutions); and for each {@code X.up}/{@code X.down} pair the weight
 * is {@code X.weight + (up.flatten(1) · down.flatten(1)).reshape(X.weight.shape)} (a linear or a convolution,
 * {@code up [out, rank(, 1, 1)]}, {@code down [rank, in(, kh, kw)]}). Nothing is copied up front: each weight is
 * read (and its low-rank product added) when loaded. The {@code lora_controlnet} marker is dropped. Immutable.
 */
public final class ControlLoraSource implements TensorSource {
    private enum From { FILE, UNET, LOW_RANK }

    private final TensorSource file;
    private final TensorSource unet;
    private final Map<String, From> keys;
    private final String description;

    private ControlLoraSource(TensorSource file, TensorSource unet, Map<String, From> keys) {
        this.file = file;
        this.unet = unet;
        this.keys = Collections.unmodifiableMap(keys);
        this.description = file.describe() + " (control-LoRA on the model's UNet)";
    }

    /**
     * The ControlNet of a control-LoRA on the given UNet, whose config is read from its weights.
     *
     * @param unet the model's UNet weights, keys relative to {@value UNetConfig#PREFIX}
     */
    public static TensorSource of(TensorSource file, TensorSource unet) {
        return of(file, unet, UNetConfig.fromWeights(unet));
    }

    /**
     * The ControlNet of a control-LoRA on the given UNet.
     *
     * @param file the control-LoRA
     * @param unet the model's UNet weights, keys relative to {@value UNetConfig#PREFIX}
     * @param config the UNet's config (fixes the ControlNet's layout)
     * @throws ModelFormatException naming the file and every key that is unpaired, patches a weight the UNet does
     *     not have, has a rank or shape that does not fit, or is missing or left over in the result
     */
    public static TensorSource of(TensorSource file, TensorSource unet, UNetConfig config) {
        String where = file.describe();
        if (!file.contains(ControlNetFormats.LORA_MARKER)) {
            throw new ModelFormatException(where + ": not a control-LoRA (no '" + ControlNetFormats.LORA_MARKER
                    + "' key).");
        }
        List<String> problems = new ArrayList<>();
        Map<String, From> keys = new LinkedHashMap<>();
        for (String k : new TreeSet<>(unet.keys())) {
            if (ControlNetLayout.isUnetPart(k)) {
                keys.put(k, From.UNET);
            }
        }
        TreeSet<String> lowRank = new TreeSet<>();
        for (String k : new TreeSet<>(file.keys())) {
            if (k.equals(ControlNetFormats.LORA_MARKER)) {
                continue;
            }
            if (k.endsWith(".up") || k.endsWith(".down")) {
                String module = k.substring(0, k.lastIndexOf('.'));
                String other = module + (k.endsWith(".up") ? ".down" : ".up");
                if (!file.contains(other)) {
                    problems.add("'" + k + "' has no '" + other + "'");
                } else if (k.endsWith(".up")) {
                    lowRank.add(module);
                }
            } else if (ControlNetLayout.isUnetPart(k) || ControlNetLayout.isControlPart(k)) {
                keys.put(k, From.FILE);
            } else {
                problems.add("unexpected '" + k + "'");
            }
        }
        for (String module : lowRank) {
            String target = module + ".weight";
            String up = module + ".up";
            if (!ControlNetLayout.isUnetPart(target)) {
                problems.add("'" + up + "' patches '" + target + "', which is no part of a ControlNet");
                continue;
            }
            TensorSource base = file.contains(target) ? file : unet;
            if (!base.contains(target)) {
                problems.add("'" + up + "' patches '" + target + "', which the model's UNet does not have");
                continue;
            }
            String bad = lowRankMismatch(base.info(target).shape(), file.info(up).shape(),
                    file.info(module + ".down").shape());
            if (bad != null) {
                problems.add("'" + up + "'/'" + module + ".down' " + bad);
                continue;
            }
            keys.put(target, From.LOW_RANK);
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException(where + ": not a control-LoRA for this model (" + problems.size()
                    + " problem" + (problems.size() == 1 ? "" : "s") + "): "
                    + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? "; …" : "") + ". It is damaged or made for another base model.");
        }
        String hintKey = "input_hint_block.0.weight";
        if (!file.contains(hintKey) || file.info(hintKey).shape().length != 4) {
            throw new ModelFormatException(where + ": the control-LoRA's hint encoder '" + hintKey + "' is "
                    + (file.contains(hintKey) ? "not a 4-d convolution weight" : "missing") + ".");
        }
        ControlLoraSource view = new ControlLoraSource(file, unet, keys);
        ControlNetLayout.check(view, ControlNet.shapes(config, (int) file.info(hintKey).shape()[1]),
                k -> keys.get(k) == From.LOW_RANK ? k.substring(0, k.length() - ".weight".length()) + ".up/.down"
                        : k);
        return view;
    }

    /** Why {@code up}·{@code down} cannot be added to a weight of shape {@code w}, or null when it can. */
    static String lowRankMismatch(long[] w, long[] up, long[] down) {
        if (w.length < 2 || up.length < 2 || down.length < 2) {
            return "must be at least 2-d, and so must the weight " + Arrays.toString(w);
        }
        long upRows = up[0];
        long upCols = 1;
        for (int i = 1; i < up.length; i++) {
            upCols *= up[i];
        }
        long downCols = 1;
        for (int i = 1; i < down.length; i++) {
            downCols *= down[i];
        }
        long wCols = 1;
        for (int i = 1; i < w.length; i++) {
            wCols *= w[i];
        }
        if (upCols != down[0] || upRows != w[0] || downCols != wCols) {
            return "have shapes " + Arrays.toString(up) + " and " + Arrays.toString(down)
                    + ", whose product does not fit the weight " + Arrays.toString(w);
        }
        return null;
    }

    private From from(String key) {
        From f = keys.get(key);
        if (f == null) {
            throw new ModelFormatException(description + ": missing tensor '" + key + "'");
        }
        return f;
    }

    private TensorSource baseOf(String key) {
        return file.contains(key) ? file : unet;
    }

    private static String module(String weightKey) {
        return weightKey.substring(0, weightKey.length() - ".weight".length());
    }

    @Override
    public Set<String> keys() {
        return keys.keySet();
    }

    @Override
    public boolean contains(String key) {
        return keys.containsKey(key);
    }

    @Override
    public TensorInfo info(String key) {
        TensorInfo i = (from(key) == From.UNET ? unet : baseOf(key)).info(key);
        return new TensorInfo(key, i.dtype(), i.shape());
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return switch (from(key)) {
            case FILE -> file.load(key, manager, compute);
            case UNET -> unet.load(key, manager, compute);
            case LOW_RANK -> {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray w = baseOf(key).load(key, scope, DataType.FLOAT32);
                    NDArray up = file.load(module(key) + ".up", scope, DataType.FLOAT32);
                    NDArray down = file.load(module(key) + ".down", scope, DataType.FLOAT32);
                    NDArray product = up.reshape(up.getShape().get(0), -1)
                            .matMul(down.reshape(down.getShape().get(0), -1));
                    NDArray sum = w.add(product.reshape(new Shape(w.getShape().getShape())));
                    NDArray out = compute == DataType.FLOAT32 ? sum : sum.toType(compute, false);
                    out.attach(manager);
                    yield out;
                }
            }
        };
    }

    @Override
    public float[] loadFloats(String key) {
        return switch (from(key)) {
            case FILE -> file.loadFloats(key);
            case UNET -> unet.loadFloats(key);
            case LOW_RANK -> {
                float[] w = baseOf(key).loadFloats(key);
                long[] upShape = file.info(module(key) + ".up").shape();
                float[] up = file.loadFloats(module(key) + ".up");
                float[] down = file.loadFloats(module(key) + ".down");
                int rows = (int) upShape[0];
                if (rows == 0 || w.length == 0) {
                    yield w;
                }
                int rank = up.length / rows;
                int cols = w.length / rows;
                for (int i = 0; i < rows; i++) {
                    for (int r = 0; r < rank; r++) {
                        float u = up[i * rank + r];
                        for (int j = 0; j < cols; j++) {
                            w[i * cols + j] += u * down[r * cols + j];
                        }
                    }
                }
                yield w;
            }
        };
    }

    @Override
    public String describe() {
        return description;
    }
}
