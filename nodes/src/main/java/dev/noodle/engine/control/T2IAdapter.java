package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import dev.noodle.engine.image.ImageResize;
import dev.noodle.engine.io.ExpectedTensors;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.unet.ControlResiduals;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded T2I-Adapter (Mou et al. 2023): a small convolutional network that turns the control image alone into
 * four feature maps added to the UNet's encoder (ComfyUI's {@code comfy/t2i_adapter/adapter.py} and the
 * {@code T2IAdapter} control of {@code comfy/controlnet.py}). The features do not depend on the noisy latent, the
 * timestep or the text ({@link #hintOnly()}), so a sampler computes them once per control image.
 *
 * <p>Where they go, as ComfyUI's {@code apply_control} places its "input" list: SD 1.x adapters add level
 * {@code i}'s features to the output of UNet input block {@code 3i + 2} (the last block at each resolution: 2, 5, 8,
 * 11); SDXL adapters add levels 0–2 after input blocks 3, 5 and 8 and level 3 to the middle block's output.
 * Features whose size does not fit the UNet's are left out by the UNet, as ComfyUI does.
 *
 * <p>Weights are float32 arrays owned by this object; forward passes only read them, so one adapter serves every
 * run and thread. {@link #close()} frees them.
 */
public final class T2IAdapter implements ControlModel {
    private static final Shape ONE = new Shape(1, 1);
    private static final Shape TWO = new Shape(2, 2);

    private final AdapterConfig config;
    private final String source;
    private final NDManager owner;
    private final Map<String, NDArray> weights;
    private final long bytes;

    private T2IAdapter(AdapterConfig config, String source, NDManager owner, Map<String, NDArray> weights,
            long bytes) {
        this.config = config;
        this.source = source;
        this.owner = owner;
        this.weights = weights;
        this.bytes = bytes;
    }

    /**
     * Binds every weight of {@code config} from {@code w} (original key names) strictly: a missing key, a shape
     * that differs or a key the adapter does not have is an error listing each, with the file.
     *
     * @param parent the manager the weights' own manager is made under, or null for a new CPU manager
     * @throws ModelFormatException naming the keys and {@code w.describe()}
     */
    public static T2IAdapter bind(AdapterConfig config, TensorSource w, NDManager parent) {
        return bind(config, w, parent, parent == null ? ai.djl.Device.cpu() : parent.getDevice());
    }

    /**
     * Binds as {@link #bind(AdapterConfig, TensorSource, NDManager)}, with the weights (float32) on {@code device}.
     *
     * @param parent the manager the weights' own manager is made under, or null for a new one on {@code device}
     */
    public static T2IAdapter bind(AdapterConfig config, TensorSource w, NDManager parent, ai.djl.Device device) {
        Map<String, long[]> expected = config.parameterShapes();
        check(expected, w);
        NDManager owner = parent == null ? NDManager.newBaseManager(device) : parent.newSubManager(device);
        try {
            Map<String, NDArray> loaded = new HashMap<>();
            long bytes = 0;
            for (String k : expected.keySet()) {
                NDArray a = w.load(k, owner, DataType.FLOAT32);
                loaded.put(k, a);
                bytes += a.size() * Float.BYTES;
            }
            return new T2IAdapter(config, w.describe(), owner, Collections.unmodifiableMap(loaded), bytes);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static void check(Map<String, long[]> expected, TensorSource w) {
        List<String> problems = ExpectedTensors.problems(w, expected);
        if (!problems.isEmpty()) {
            throw new ModelFormatException(w.describe() + " does not fit a T2I-Adapter of its detected layout ("
                    + expected.size() + " weights): " + ExpectedTensors.listed(problems)
                    + ". The file is damaged or is another kind of model.");
        }
    }

    /** The configuration read from the file. */
    public AdapterConfig config() {
        return config;
    }

    @Override
    public ModelFamily family() {
        return config.xl() ? ModelFamily.SDXL : ModelFamily.SD1;
    }

    @Override
    public boolean hintOnly() {
        return true;
    }

    /**
     * The control image as ComfyUI's {@code T2IAdapter.get_control} prepares it: center-cropped and resized
     * nearest-exact to 8 pixels per latent cell rounded up to a multiple of the unshuffle factor
     * ({@code scale_image_to}: 8 for SD 1.x, 16 for SDXL), then, for single-channel adapters, the mean of its
     * colour channels.
     *
     * @param image [B, 3, H, W] in 0..1
     * @return [B, 1 or 3, ⌈8·latentH / u⌉·u, ⌈8·latentW / u⌉·u] in {@code scope}
     */
    @Override
    public NDArray hint(NDArray image, long latentH, long latentW, NDManager scope) {
        if (image.getShape().dimension() != 4) {
            throw new IllegalArgumentException("a control image is [B, C, H, W], got " + image.getShape());
        }
        int h = roundUp(latentH * ControlHints.PIXELS_PER_CELL);
        int w = roundUp(latentW * ControlHints.PIXELS_PER_CELL);
        try (NDManager tmp = scope.newSubManager()) {
            NDArray hwc = image.toType(DataType.FLOAT32, false).transpose(0, 2, 3, 1);
            hwc.attach(tmp);
            NDArray out = ImageResize.resize(hwc, w, h, ImageResize.Method.NEAREST_EXACT, true)
                    .transpose(0, 3, 1, 2); // [B, C, h, w]
            if (config.inputChannels() == 1 && out.getShape().get(1) > 1) {
                out = out.mean(new int[] {1}, true);
            }
            out = out.duplicate();
            out.attach(scope);
            return out;
        }
    }

    private int roundUp(long pixels) {
        int u = config.unshuffle();
        return Math.toIntExact((pixels + u - 1) / u * u);
    }

    @Override
    public ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
            NDManager scope) {
        List<NDArray> f = features(hint, scope);
        if (config.xl()) {
            return ControlResiduals.ofInputs(placed(new int[] {3, 5, 8}, f.subList(0, 3)), f.get(3));
        }
        return ControlResiduals.ofInputs(placed(new int[] {2, 5, 8, 11}, f), null);
    }

    // features at the given input-block indices, null elsewhere
    private static List<NDArray> placed(int[] at, List<NDArray> f) {
        List<NDArray> out = new ArrayList<>(Collections.nCopies(at[at.length - 1] + 1, null));
        for (int i = 0; i < at.length; i++) {
            out.set(at[i], f.get(i));
        }
        return out;
    }

    /**
     * The four feature maps, one per level (TencentARC {@code Adapter.forward} / {@code Adapter_light.forward}).
     *
     * @param hint [B, inputChannels, H, W], H and W multiples of the unshuffle factor
     * @return level 0–3 features, float32 on the hint's device, in {@code scope}
     */
    public List<NDArray> features(NDArray hint, NDManager scope) {
        Shape s = hint.getShape();
        int u = config.unshuffle();
        if (s.dimension() != 4 || s.get(1) != config.inputChannels() || s.get(2) % u != 0 || s.get(3) % u != 0
                || s.get(2) == 0 || s.get(3) == 0) {
            throw new IllegalArgumentException("the T2I-Adapter " + source + " takes a control image [B, "
                    + config.inputChannels() + ", H, W] with H and W multiples of " + u + ", got " + s);
        }
        List<NDArray> out = new ArrayList<>();
        try (NDManager run = scope.newSubManager()) {
            NDArray h = hint.toDevice(owner.getDevice(), true);
            h.attach(run);
            h = h.toType(DataType.FLOAT32, false);
            h = unshuffle(h, u); // [B, C·u², H/u, W/u]
            if (config.kind() == AdapterConfig.Kind.FULL) {
                h = conv(h, "conv_in", 1);
                for (int level = 0; level < AdapterConfig.LEVELS; level++) {
                    for (int j = 0; j < config.resBlocks(); j++) {
                        h = resnetBlock(h, level, j);
                    }
                    out.add(h);
                }
            } else {
                for (int level = 0; level < AdapterConfig.LEVELS; level++) {
                    h = extractor(h, level);
                    out.add(h);
                }
            }
            for (NDArray a : out) {
                a.attach(scope);
            }
        }
        return out;
    }

    // TencentARC ResnetBlock with sk=True: [down_opt] → [in_conv] → x + block2(ReLU(block1(x)))
    private NDArray resnetBlock(NDArray x, int level, int j) {
        String p = "body." + (level * config.resBlocks() + j) + ".";
        return Scopes.scoped(() -> {
            NDArray h = x;
            if (config.downsamples(level, j)) {
                h = config.convDownsample() ? conv(h, p + "down_opt.op", 2) : avgPool(h);
            }
            if (weights.containsKey(p + "in_conv.weight")) {
                h = conv(h, p + "in_conv", 1);
            }
            NDArray r = conv(Activation.relu(conv(h, p + "block1", 1)), p + "block2", 1);
            return h.add(r);
        });
    }

    // Adapter_light extractor: [avg pool] → in_conv (1×1) → light ResnetBlocks → out_conv (1×1)
    private NDArray extractor(NDArray x, int level) {
        String p = "body." + level + ".";
        return Scopes.scoped(() -> {
            NDArray h = level > 0 ? avgPool(x) : x;
            h = conv(h, p + "in_conv", 1);
            for (int j = 0; j < config.resBlocks(); j++) {
                String b = p + "body." + j + ".";
                h = h.add(conv(Activation.relu(conv(h, b + "block1", 1)), b + "block2", 1));
            }
            return conv(h, p + "out_conv", 1);
        });
    }

    // Convolution with "same" padding for odd kernels (stride 2: a 3×3 stride-2 conv with padding 1).
    private NDArray conv(NDArray x, String name, int stride) {
        NDArray w = weights.get(name + ".weight");
        long pad = w.getShape().get(2) / 2;
        return Conv2d.conv2d(x, w, weights.get(name + ".bias"), stride == 1 ? ONE : TWO, new Shape(pad, pad), ONE, 1)
                .singletonOrThrow();
    }

    /**
     * TencentARC's {@code Downsample} without conv: 2×2 average pooling, stride 2, with one zero of padding on both
     * sides of an odd dimension ({@code padding = [H % 2, W % 2]}), the zeros counted in the average.
     * [B, C, H, W] → [B, C, ⌈H/2⌉, ⌈W/2⌉].
     */
    static NDArray avgPool(NDArray x) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        long ph = h % 2;
        long pw = w % 2;
        long oh = (h + 2 * ph - 2) / 2 + 1;
        long ow = (w + 2 * pw - 2) / 2 + 1;
        NDArray p = ph + pw > 0 ? x.pad(new Shape(pw, pw, ph, ph), 0) : x;
        NDArray even = p.get(":, :, 0:" + 2 * oh + ", 0:" + 2 * ow);
        long b = x.getShape().get(0);
        long c = x.getShape().get(1);
        return even.reshape(b, c, oh, 2, ow, 2).mean(new int[] {5}).mean(new int[] {3}); // [B, C, oh, ow]
    }

    /** PixelUnshuffle(r): [B, C, H, W] → [B, C·r², H/r, W/r], channel c·r² + i·r + j from pixel (r·y + i, r·x + j). */
    static NDArray unshuffle(NDArray x, int r) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2) / r;
        long w = s.get(3) / r;
        return x.reshape(b, c, h, r, w, r).transpose(0, 1, 3, 5, 2, 4).reshape(b, c * r * r, h, w);
    }

    @Override
    public long sizeBytes() {
        return bytes;
    }

    @Override
    public void close() {
        owner.close();
    }

    @Override
    public String toString() {
        return "T2IAdapter(" + config.kind() + (config.xl() ? ", SDXL" : ", SD 1.x") + ", " + source + ")";
    }
}
