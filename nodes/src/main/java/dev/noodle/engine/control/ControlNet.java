package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetConfig;
import dev.noodle.engine.unet.UNetEncoder;
import dev.noodle.engine.unet.UNetWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ControlNet (Zhang et al. 2023, "Adding Conditional Control to Text-to-Image Diffusion Models"; lllyasviel's
 * {@code cldm.ControlNet}) for SD 1.x, SD 2.x and SDXL: a trainable copy of the UNet's encoder half — time
 * embedding, {@code label_emb} (SDXL), input blocks and middle block, run by the UNet's own blocks through
 * {@link UNetEncoder} — fed the control image through {@code input_hint_block} (eight 3×3 convolutions with SiLU
 * between, three of stride 2: 3→16→16→32→32→96→96→256→model channels) added to input block 0's output, and a 1×1
 * "zero" convolution after every input block ({@code zero_convs.i.0}) and after the middle block
 * ({@code middle_block_out.0}). Zero-conv i's output is added to the UNet's skip connection i, the middle one to
 * the middle block's output ({@link ControlResiduals#ofSkips}, as ComfyUI's {@code control_merge} places them).
 *
 * <p>Keys are relative to the control model ({@code control_model.} removed). Weights stored as fp16 stay fp16 in
 * memory and compute in fp32 on the CPU. Thread-safe (weights are only read); closing frees them.
 */
public final class ControlNet implements ControlModel {
    /** Key prefix of the control model inside lllyasviel's {@code .pth} files. */
    public static final String PREFIX = "control_model.";
    /** Output widths of the hint encoder's convolutions before the last (which outputs model channels). */
    static final int[] HINT_WIDTHS = {16, 16, 32, 32, 96, 96, 256};
    /** Strides of the hint encoder's eight convolutions. */
    static final int[] HINT_STRIDES = {1, 1, 2, 1, 2, 1, 2, 1};

    private final UNetWeights weights;
    private final int hintChannels;
    private final ModelFamily family;
    private final boolean globalAveragePooling;
    private final long bytes;

    private ControlNet(UNetWeights weights, int hintChannels, boolean globalAveragePooling) {
        this.weights = weights;
        this.hintChannels = hintChannels;
        this.family = familyOf(weights.config());
        this.globalAveragePooling = globalAveragePooling;
        this.bytes = Scopes.nativeBytes(weights.keys().stream().map(weights::get).toList());
    }

    /**
     * Every parameter of a ControlNet for {@code config} (relative keys, in the order of the files): the encoder
     * half, then {@code zero_convs}, {@code input_hint_block} and {@code middle_block_out}.
     *
     * @param hintChannels the control image's channels (3)
     */
    public static Map<String, long[]> shapes(UNetConfig config, int hintChannels) {
        Map<String, long[]> s = new LinkedHashMap<>(UNetConfig.encoderShapes(config));
        int[] channels = config.inputBlockChannels();
        for (int i = 0; i < channels.length; i++) {
            conv(s, "zero_convs." + i + ".0", channels[i], channels[i], 1);
        }
        int in = hintChannels;
        for (int i = 0; i < HINT_STRIDES.length; i++) {
            int out = i < HINT_WIDTHS.length ? HINT_WIDTHS[i] : config.modelChannels();
            conv(s, "input_hint_block." + 2 * i, in, out, 3);
            in = out;
        }
        int mid = config.middleChannels();
        conv(s, "middle_block_out.0", mid, mid, 1);
        return s;
    }

    private static void conv(Map<String, long[]> s, String key, int in, int out, int k) {
        s.put(key + ".weight", new long[] {out, in, k, k});
        s.put(key + ".bias", new long[] {out});
    }

    /**
     * Reads the config from the weights' shapes (as ComfyUI's {@code model_config_from_unet} on the control keys),
     * checks every key strictly and loads them onto the target.
     *
     * @param source the control model's keys ({@code input_blocks…}, {@code zero_convs…}, …), without a prefix
     * @param displayPrefix what the file puts before the keys ({@value #PREFIX} or ""), for messages
     * @param globalAveragePooling average each residual over the image (ComfyUI does so for "shuffle" models)
     * @throws ModelFormatException naming the file and every missing, misshaped or leftover key
     */
    public static ControlNet load(TensorSource source, String displayPrefix, Devices.Target target,
            boolean globalAveragePooling) {
        String where = source.describe();
        if (!source.contains("input_hint_block.0.weight")) {
            throw new ModelFormatException(where + ": ControlNet key '" + displayPrefix
                    + "input_hint_block.0.weight' is missing; the file is not a ControlNet or is truncated.");
        }
        long[] hint = source.info("input_hint_block.0.weight").shape();
        if (hint.length != 4) {
            throw new ModelFormatException(where + ": '" + displayPrefix + "input_hint_block.0.weight' has shape "
                    + Arrays.toString(hint) + ", expected a 3×3 convolution [16, channels, 3, 3].");
        }
        UNetConfig config;
        try {
            config = UNetConfig.fromEncoderWeights(source, where);
        } catch (ModelFormatException e) {
            throw e;
        } catch (RuntimeException e) { // shapes that make no UNet (a zero width, a 1-d kernel, …)
            throw new ModelFormatException(where + ": the ControlNet's key shapes do not describe an SD 1.x/2.x/XL"
                    + " ControlNet (" + e.getMessage() + "); the file is damaged or another kind of model.", e);
        }
        WeightLayout layout = WeightLayout.of("ControlNet", shapes(config, (int) hint[1]))
                .withDisplayPrefix(displayPrefix)
                .withDetail(familyOf(config).displayName() + ", " + config.modelChannels() + " channels, context "
                        + config.contextDim())
                .withAdvice("Check that the file is an SD 1.x/2.x/XL ControlNet and is not truncated.");
        return new ControlNet(UNetWeights.loadWith(source, config, layout, target), (int) hint[1],
                globalAveragePooling);
    }

    /**
     * The base family a ControlNet of this config was trained for: {@code label_emb} means SDXL (the refiner's
     * 1280-wide context, the refiner), a 1024-wide context or linear projections SD 2.x, else SD 1.x.
     */
    static ModelFamily familyOf(UNetConfig c) {
        if (c.hasLabelEmbedding()) {
            return c.contextDim() == 1280 ? ModelFamily.SDXL_REFINER : ModelFamily.SDXL;
        }
        return c.contextDim() == 1024 || c.linearProjection() ? ModelFamily.SD2 : ModelFamily.SD1;
    }

    /** The config of the encoder half. */
    public UNetConfig config() {
        return weights.config();
    }

    /** The bound weights (relative keys). */
    public UNetWeights weights() {
        return weights;
    }

    /** The control image's channels (3). */
    public int hintChannels() {
        return hintChannels;
    }

    /** Whether the residuals are averaged over the image (ComfyUI's global_average_pooling, "shuffle" models). */
    public boolean globalAveragePooling() {
        return globalAveragePooling;
    }

    @Override
    public ModelFamily family() {
        return family;
    }

    @Override
    public boolean hintOnly() {
        return false;
    }

    /**
     * The residuals of cldm's {@code ControlNet.forward}: emb = time_embed(t) [+ label_emb(y)]; h = input block 0
     * of x, plus input_hint_block(hint); each input block's output through its zero conv; the middle block's
     * through middle_block_out.
     *
     * @param x [N, 4, H, W]; hint [N or 1, hintChannels, 8H, 8W]
     * @return one float32 residual per input block (skip connections) and the middle one, in {@code scope}
     */
    @Override
    public ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
            NDManager scope) {
        UNetConfig c = config();
        if (hint.getShape().dimension() != 4 || hint.getShape().get(1) != hintChannels) {
            throw new IllegalArgumentException("this ControlNet takes a " + hintChannels + "-channel control image,"
                    + " got " + hint.getShape());
        }
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != c.inChannels()) {
            throw new IllegalArgumentException("this ControlNet takes a " + c.inChannels() + "-channel latent, got "
                    + x.getShape());
        }
        List<NDArray> outs = new ArrayList<>();
        NDArray[] middle = new NDArray[1];
        UNetEncoder.run(weights, x, timesteps, context, y, (block, h, ops) -> {
            NDArray next = h;
            if (block == 0) {
                NDArray guided = hintEncoder(hint, ops); // [Nh, mc, H, W]
                next = h.add(guided);
                guided.close();
                h.close();
            }
            String key = block == UNetEncoder.MIDDLE ? "middle_block_out.0" : "zero_convs." + block + ".0";
            NDArray in = next;
            NDArray r = Scopes.scoped(() -> {
                NDArray o = ops.conv(in, key, 1).toType(DataType.FLOAT32, false);
                return globalAveragePooling ? o.mean(new int[] {3}, true).mean(new int[] {2}, true).broadcast(o.getShape()).duplicate() : o;
            });
            r.attach(scope);
            if (block == UNetEncoder.MIDDLE) {
                middle[0] = r;
            } else {
                outs.add(r);
            }
            return next;
        });
        return ControlResiduals.ofSkips(outs, middle[0]);
    }

    // input_hint_block: conv, SiLU, … , conv (no SiLU after the last): [N, hint, 8H, 8W] → [N, mc, H, W]
    private NDArray hintEncoder(NDArray hint, UNetEncoder.Ops ops) {
        return Scopes.scoped(() -> {
            NDArray h = hint.toDevice(weights.get("time_embed.0.weight").getDevice(), true)
                    .toType(ops.dtype(), false);
            for (int i = 0; i < HINT_STRIDES.length; i++) {
                h = ops.conv(h, "input_hint_block." + 2 * i, HINT_STRIDES[i]);
                if (i < HINT_STRIDES.length - 1) {
                    h = ai.djl.nn.Activation.swish(h, 1f);
                }
            }
            return h;
        });
    }

    @Override
    public long sizeBytes() {
        return bytes;
    }

    @Override
    public void close() {
        weights.close();
    }

    @Override
    public String toString() {
        return "ControlNet[" + family.displayName() + ", " + config() + "]";
    }
}
