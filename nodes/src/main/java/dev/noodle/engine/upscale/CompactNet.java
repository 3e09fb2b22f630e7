package dev.noodle.engine.upscale;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.runtime.Scopes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real-ESRGAN's compact VGG-style network, SRVGGNetCompact (Wang et al. 2021, "Real-ESRGAN: Training Real-World
 * Blind Super-Resolution with Pure Synthetic Data"; the {@code realesr-general-x4v3} and {@code
 * realesr-animevideov3} models): a plain stack in one {@code body} list,
 *
 * <pre>
 *   body.0 conv 3×3 (3 → nf), body.1 PReLU(nf),
 *   body.2k conv 3×3 (nf → nf), body.2k+1 PReLU(nf)      for k = 1 … num_conv
 *   body.2·num_conv+2 conv 3×3 (nf → 3·s²)
 *   y = pixel_shuffle(body(x), s) + nearest_upsample(x, s)
 * </pre>
 *
 * so that the network learns the residual over a nearest-neighbour upscale. Thread-safe for forwards; {@link
 * #close()} frees the weights.
 */
public final class CompactNet implements UpscaleNet {
    private static final Pattern BODY = Pattern.compile("body\\.(\\d+)\\.weight");

    /**
     * A compact network's configuration, detected from its keys and shapes.
     *
     * @param features channels of the body (64 in the published models)
     * @param convs body convolutions between the first and the last (32 for general-x4v3, 16 for animevideov3)
     * @param scale pixel-shuffle factor (last conv writes 3·scale² channels)
     */
    public record Config(int features, int convs, int scale) {
        /** Index of the last convolution in {@code body}. */
        public int last() {
            return 2 * convs + 2;
        }

        /** Every key the network binds, with its shape, in forward order. */
        public Map<String, long[]> shapes() {
            Map<String, long[]> s = new LinkedHashMap<>();
            for (int k = 0; k <= convs; k++) {
                s.put("body." + 2 * k + ".weight", UpscaleWeights.conv(features, k == 0 ? 3 : features, 3));
                s.put("body." + 2 * k + ".bias", new long[] {features});
                s.put("body." + (2 * k + 1) + ".weight", new long[] {features});
            }
            s.put("body." + last() + ".weight", UpscaleWeights.conv(3L * scale * scale, features, 3));
            s.put("body." + last() + ".bias", new long[] {3L * scale * scale});
            return s;
        }

        @Override
        public String toString() {
            return "Compact (SRVGGNetCompact, " + convs + " convolutions, " + features + " features, ×" + scale + ")";
        }
    }

    private final Config config;
    private final NDManager owner;
    private final Map<String, NDArray> w;

    private CompactNet(Config config, NDManager owner, Map<String, NDArray> w) {
        this.config = config;
        this.owner = owner;
        this.w = w;
    }

    /** Whether the keys are a compact network: {@code body.0.weight} and {@code body.1.weight}, nothing nested. */
    public static boolean matches(Set<String> keys) {
        if (!keys.contains("body.0.weight") || !keys.contains("body.1.weight")) {
            return false;
        }
        for (String k : keys) {
            if (!k.matches("body\\.\\d+\\.(weight|bias)")) {
                return false;
            }
        }
        return true;
    }

    /** Detects the configuration from the keys and shapes; throws {@link ModelFormatException} naming the file. */
    public static Config detect(TensorSource source) {
        int highest = -1;
        for (String k : source.keys()) {
            Matcher m = BODY.matcher(k);
            if (m.matches()) {
                if (m.group(1).length() > 4) {
                    throw new ModelFormatException(source.describe() + " has a layer index " + m.group(1)
                            + " that is out of range. The file is damaged.");
                }
                highest = Math.max(highest, Integer.parseInt(m.group(1)));
            }
        }
        String what = "a compact Real-ESRGAN model";
        long[] first = UpscaleWeights.shape(source, "body.0.weight", what);
        long[] last = UpscaleWeights.shape(source, "body." + highest + ".weight", what);
        if (first.length != 4 || last.length != 4 || highest < 2 || highest % 2 != 0) {
            throw new ModelFormatException(source.describe() + " looks like a compact Real-ESRGAN model but its"
                    + " layers do not fit one (body.0 " + java.util.Arrays.toString(first) + ", last layer body."
                    + highest + " " + java.util.Arrays.toString(last) + "). The file is damaged or another"
                    + " architecture.");
        }
        if (first[1] != 3) {
            throw new ModelFormatException(source.describe() + " is a compact model for " + first[1] + "-channel"
                    + " images; Noodle upscales RGB images with 3-channel models only.");
        }
        long shuffled = last[0];
        int scale = (int) Math.round(Math.sqrt(shuffled / 3.0));
        if (shuffled % 3 != 0 || 3L * scale * scale != shuffled || scale < 1 || scale > 16) {
            throw new ModelFormatException(source.describe() + " is a compact model whose last layer writes "
                    + shuffled + " channels, which is not 3·scale² for any scale. The file is damaged.");
        }
        return new Config((int) first[0], (highest - 2) / 2, scale);
    }

    /** Detects the configuration, binds every weight strictly and loads them as float32 on {@code device}. */
    public static CompactNet load(TensorSource source, Device device) {
        Config config = detect(source);
        return UpscaleWeights.owned(device, owner -> new CompactNet(config, owner,
                UpscaleWeights.bind(source, config.shapes(), config.toString(), owner)));
    }

    /** The detected configuration. */
    public Config config() {
        return config;
    }

    @Override
    public String architecture() {
        return "Compact";
    }

    @Override
    public int scale() {
        return config.scale();
    }

    /** [B, 3, H, W] → [B, 3, H·scale, W·scale]. */
    @Override
    public NDArray forward(NDArray image, NDManager manager) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            NDArray x = image;
            for (int k = 0; k <= config.convs(); k++) {
                NDArray y = UpscaleOps.conv(x, w.get("body." + 2 * k + ".weight"), w.get("body." + 2 * k + ".bias"));
                if (x != image) {
                    x.close();
                }
                x = UpscaleOps.prelu(y, w.get("body." + (2 * k + 1) + ".weight"));
                y.close();
            }
            int last = config.last();
            NDArray y = UpscaleOps.conv(x, w.get("body." + last + ".weight"), w.get("body." + last + ".bias"));
            x.close();
            out = UpscaleOps.pixelShuffle(y, config.scale());
            out = out.addi(UpscaleOps.upsampleNearest(image, config.scale()));
            NDScope.unregister(out);
        }
        out.attach(manager);
        return out;
    }

    @Override
    public long sizeBytes() {
        return Scopes.nativeBytes(w.values());
    }

    @Override
    public void close() {
        owner.close();
    }
}
