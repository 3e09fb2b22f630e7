package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.memory.ModelPlacement;
import dev.noodle.engine.memory.WeightStore;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.runtime.EngineOptions;
import dev.noodle.engine.runtime.TorchOps;
import dev.noodle.engine.runtime.WeightPrecision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The UNet's parameters bound by name (keys relative to {@value UNetConfig#PREFIX}), checked against the layout
 * of a {@link UNetConfig}. Owns the arrays it loaded; a {@linkplain #patched patched} copy shares every array it
 * does not replace and owns only its replacements (how LoRA ΔW patches avoid copying the base weights).
 *
 * <p>Weights may be stored in a narrower type than the math runs in ({@link WeightPrecision}): on the CPU an fp16
 * checkpoint stays fp16 in memory and each weight is widened to fp32 by {@link #compute} just before its layer
 * uses it, so SDXL's UNet needs 5.1 GB of weights instead of 10.3 GB.
 *
 * <p>Immutable and safe to read from several threads; never modify the arrays in place. Close to free the owned
 * arrays (closing a patched copy leaves the base weights alone).
 */
public final class UNetWeights implements AutoCloseable {
    private final UNetConfig config;
    private final List<WeightStore> stores; // front first: a patched copy's replacements, then the weights it shares
    private final Map<String, NDArray> arrays; // live view over the stores
    private final WeightPrecision precision;
    private final EngineOptions options;

    private UNetWeights(UNetConfig config, List<WeightStore> stores, WeightPrecision precision,
            EngineOptions options) {
        this.config = config;
        this.stores = List.copyOf(stores);
        this.stores.forEach(WeightStore::allowStreaming); // every UNet weight is read through compute()
        this.arrays = WeightStore.layered(this.stores);
        this.precision = precision;
        this.options = options;
    }

    /**
     * Checks a source's UNet keys against the config and loads every parameter onto the target device, with the
     * precision {@link WeightPrecision#choose chosen} for the target and the file: an all-fp16 UNet on the CPU
     * stays fp16 in memory and computes in fp32.
     *
     * @param source a full checkpoint (keys under {@value UNetConfig#PREFIX}) or a bare UNet file
     * @throws ModelFormatException listing missing and unexpected keys and shape mismatches
     */
    public static UNetWeights load(TensorSource source, UNetConfig config, Devices.Target target) {
        TensorSource s = UNetConfig.unetKeys(source);
        EnumSet<DType> types = EnumSet.noneOf(DType.class);
        for (String k : UNetLayout.of(config).shapes(config).keySet()) {
            if (s.contains(k)) {
                types.add(s.info(k).dtype());
            }
        }
        return load(source, config, target, WeightPrecision.choose(target, types));
    }

    /**
     * Checks a source's UNet keys against the config and loads every parameter into a new manager on the target
     * device, stored as {@code precision.storage()} (an explicit FLOAT16 storage rounds F32/BF16 weights to fp16,
     * as ComfyUI's fp16 weight option does). The weights keep the target's {@link EngineOptions} for the model that
     * runs them.
     *
     * @throws ModelFormatException listing missing and unexpected keys and shape mismatches
     */
    public static UNetWeights load(TensorSource source, UNetConfig config, Devices.Target target,
            WeightPrecision precision) {
        return bind(UNetConfig.unetKeys(source), source.describe(), config, layout(config), target, precision);
    }

    /**
     * Binds weights that hold a UNet's encoder half and parts of their own beside it (a ControlNet's hint encoder
     * and zero convolutions), checked strictly against {@code layout}: every missing, misshaped or leftover key is
     * an error naming it and {@code source}. The precision is {@linkplain WeightPrecision#choose chosen} from the
     * stored types as for a UNet: an all-fp16 file stays fp16 in memory and computes in fp32 on the CPU.
     *
     * @param source keys as {@code layout} names them
     * @param config the config whose encoder half the weights hold ({@link UNetEncoder} runs it)
     * @throws ModelFormatException listing every problem
     */
    public static UNetWeights loadWith(TensorSource source, UNetConfig config, WeightLayout layout,
            Devices.Target target) {
        EnumSet<DType> types = EnumSet.noneOf(DType.class);
        for (String k : layout.shapes().keySet()) {
            if (source.contains(k)) {
                types.add(source.info(k).dtype());
            }
        }
        return bind(source, source.describe(), config, layout, target, WeightPrecision.choose(target, types));
    }

    private static UNetWeights bind(TensorSource s, String where, UNetConfig config, WeightLayout layout,
            Devices.Target target, WeightPrecision precision) {
        layout.check(s, where);
        Map<String, long[]> expected = layout.shapes();
        NDManager owner = NDManager.newBaseManager(target.device(), "PyTorch");
        try {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (String k : expected.keySet()) {
                NDArray a = s.load(k, owner, precision.storage());
                // fp16 storage widened per layer keeps the plain layout: the widening reads it as stored
                arrays.put(k, precision.storage() == precision.compute()
                        ? convLayout(a, owner, target.options().convLayout())
                        : a);
            }
            return new UNetWeights(config, List.of(new WeightStore("UNet (" + where + ")", arrays, owner)), precision,
                    target.options());
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    // 4-D convolution kernels are kept in the order the convolutions run in (channels-last), so no forward pass
    // copies them again; the values, and what readers of the array see, are unchanged
    private static NDArray convLayout(NDArray a, NDManager owner, ConvLayout layout) {
        long[] s = a.getShape().getShape();
        // only spatial kernels with several input channels: for those the channels-last array is a fresh copy, so
        // the loaded one (whose memory may be a Java buffer it holds) can be freed; 1×1 kernels are both layouts
        if (s.length != 4 || s[1] < 2 || s[2] * s[3] < 2) {
            return a;
        }
        NDArray c = TorchOps.forConv(a, owner, layout);
        if (c != a) {
            a.close();
        }
        return c;
    }

    /**
     * Wraps arrays made elsewhere (generated or merged weights), after the same key and shape checks, for the
     * {@linkplain EngineOptions#defaults() default} kernels.
     *
     * @param arrays keys relative to {@value UNetConfig#PREFIX}
     * @param owner the manager owning the arrays, closed with these weights (null when the caller keeps ownership)
     */
    public static UNetWeights of(UNetConfig config, Map<String, NDArray> arrays, NDManager owner) {
        NDArray probe = arrays.get("out.2.weight");
        return of(config, arrays, owner, WeightPrecision.uniform(
                probe != null ? probe.getDataType() : ai.djl.ndarray.types.DataType.FLOAT32));
    }

    /**
     * Wraps arrays made elsewhere that are stored in {@code precision.storage()} (or already in the compute type)
     * and computed in {@code precision.compute()}, after the same key and shape checks, for the
     * {@linkplain EngineOptions#defaults() default} kernels.
     */
    public static UNetWeights of(UNetConfig config, Map<String, NDArray> arrays, NDManager owner,
            WeightPrecision precision) {
        return of(config, arrays, owner, precision, EngineOptions.defaults());
    }

    /**
     * Wraps arrays made elsewhere, as {@link #of(UNetConfig, Map, NDManager, WeightPrecision)}, for the kernels
     * {@code options} choose (the arrays are used in the layout they have).
     */
    public static UNetWeights of(UNetConfig config, Map<String, NDArray> arrays, NDManager owner,
            WeightPrecision precision, EngineOptions options) {
        Map<String, long[]> actual = new LinkedHashMap<>();
        arrays.forEach((k, v) -> actual.put(k, v.getShape().getShape()));
        layout(config).check(actual, "in-memory UNet weights");
        return new UNetWeights(config, List.of(new WeightStore("UNet", arrays, owner)), precision, options);
    }

    /**
     * A copy that uses {@code replacements} for some keys and shares all other arrays with this one.
     *
     * @param replacements same keys and shapes as the ones they replace
     * @param replacementOwner owns the replacements, closed with the copy (may be null)
     */
    public UNetWeights patched(Map<String, NDArray> replacements, NDManager replacementOwner) {
        List<String> problems = new ArrayList<>();
        replacements.forEach((k, v) -> {
            NDArray base = arrays.get(k);
            if (base == null) {
                problems.add("unknown key '" + k + "'");
            } else if (!base.getShape().equals(v.getShape())) {
                problems.add("'" + k + "' has shape " + v.getShape() + ", the UNet expects " + base.getShape());
            }
        });
        if (!problems.isEmpty()) {
            throw new ModelFormatException("Cannot patch the UNet: " + String.join("; ", problems));
        }
        List<WeightStore> layers = new ArrayList<>();
        layers.add(new WeightStore("UNet patch (" + replacements.size() + " weights)", replacements, replacementOwner,
                home()));
        layers.addAll(stores);
        return new UNetWeights(config, layers, precision, options);
    }

    /**
     * The stores these weights read, front first: for a patched copy its replacements and then the stores it
     * shares. A step moves them all to the GPU before the model runs ({@link ModelPlacement}).
     */
    public List<WeightStore> stores() {
        return stores;
    }

    /** The device the model computes on (where the weights were loaded; they may be in CPU memory for now). */
    public ai.djl.Device home() {
        return stores.get(0).home();
    }

    /** The kernel choices (attention, group norm, convolution layout) of the target these weights were loaded for. */
    public EngineOptions options() {
        return options;
    }

    /** How the weights are stored and computed. */
    public WeightPrecision precision() {
        return precision;
    }

    /** The config these weights were checked against. */
    public UNetConfig config() {
        return config;
    }

    /** All keys (relative to {@value UNetConfig#PREFIX}). */
    public Set<String> keys() {
        return Collections.unmodifiableSet(arrays.keySet());
    }

    /** The stored array (in the storage type) for a relative key such as {@code out.2.weight}. */
    public NDArray get(String key) {
        NDArray a = arrays.get(key);
        if (a == null) {
            throw new IllegalArgumentException("UNet has no parameter '" + key + "'");
        }
        return a;
    }

    /**
     * The array for a key in the compute type on the device the model computes on: the stored array when it already
     * is, else a copy owned by {@code holder} (and by the current {@link ai.djl.ndarray.NDScope}, which frees it when
     * the layer's scope ends): widened from fp16, or copied in from CPU memory when the weights are too big for the
     * GPU and run layer by layer ({@link ModelPlacement}). The stored arrays' manager never gains arrays, so a
     * forgotten scope cannot leak into the weights.
     */
    public NDArray compute(String key, NDManager holder) {
        NDArray a = get(key);
        NDArray here = a;
        ai.djl.Device home = home();
        if (!a.getDevice().equals(home)) {
            here = WeightStore.copyTo(a, home, holder); // streamed in for this layer
        }
        NDArray c = precision.forCompute(here);
        if (c != here) {
            c.attach(holder);
        }
        return c;
    }

    /** A config's parameter keys (relative to {@value UNetConfig#PREFIX}) and shapes, in binding order. */
    public static Map<String, long[]> parameterShapes(UNetConfig config) {
        return layout(config).shapes();
    }

    /** The strict layout check of {@code config}'s parameters, keys named with {@value UNetConfig#PREFIX}. */
    static WeightLayout layout(UNetConfig config) {
        return WeightLayout.of("UNet", UNetLayout.of(config).shapes(config))
                .withDisplayPrefix(UNetConfig.PREFIX)
                .withAdvice("Check that the file is a Stable Diffusion 1.x/2.x/XL checkpoint and is not truncated.");
    }

    /** Closes the arrays this object owns: all of them, or a patched copy's replacements only. */
    @Override
    public void close() {
        stores.get(0).close();
    }
}
