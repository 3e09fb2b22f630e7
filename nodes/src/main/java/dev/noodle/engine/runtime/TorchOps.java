package dev.noodle.engine.runtime;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * PyTorch operators that DJL does not expose, reached through a tiny TorchScript module built in memory.
 *
 * <p>The module archive (a STORED zip with {@code version}, {@code constants.pkl}, {@code data.pkl} and the
 * TorchScript source in {@code code/__torch__.py}) is assembled as bytes and loaded with
 * {@link JniUtils#loadModule(PtNDManager, java.io.InputStream, boolean, boolean)}; methods are called with
 * {@link IValueUtils#runMethod}. The module has no parameters, so its methods work on tensors of any device and
 * dtype. One module is loaded lazily per device and kept for the life of the process.
 *
 * <p>Thread-safe. Results are new arrays owned by the manager of the first tensor argument (or the given
 * manager), so callers keep their usual scopes.
 */
public final class TorchOps {
    /** TorchScript source of the ops module; every method is a thin call into an ATen operator. */
    static final String SOURCE = String.join("\n",
            "class Ops(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  training : bool",
            "  def forward(self: __torch__.Ops, x: Tensor) -> Tensor:",
            "    return x",
            "  def sdpa(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor) -> Tensor:",
            "    return torch.scaled_dot_product_attention(q, k, v)",
            "  def sdpa_mask(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor, mask: Tensor) -> Tensor:",
            "    return torch.scaled_dot_product_attention(q, k, v, mask)",
            "  def sdpa_causal(self: __torch__.Ops, q: Tensor, k: Tensor, v: Tensor) -> Tensor:",
            "    return torch.scaled_dot_product_attention(q, k, v, None, 0., True)",
            "  def group_norm(self: __torch__.Ops, x: Tensor, groups: int, w: Tensor, b: Tensor, eps: float)"
                    + " -> Tensor:",
            "    return torch.group_norm(x, groups, w, b, eps)",
            "  def group_norm_silu(self: __torch__.Ops, x: Tensor, groups: int, w: Tensor, b: Tensor,"
                    + " eps: float) -> Tensor:",
            "    return torch.silu_(torch.group_norm(x, groups, w, b, eps))",
            "  def upsample_nearest2x(self: __torch__.Ops, x: Tensor) -> Tensor:",
            "    return torch.upsample_nearest2d(x, None, [2., 2.])",
            "  def upsample_nearest_to(self: __torch__.Ops, x: Tensor, size: List[int]) -> Tensor:",
            "    return torch.upsample_nearest2d(x, size, None)",
            "  def geglu(self: __torch__.Ops, x: Tensor) -> Tensor:",
            "    n = torch.size(x, -1) // 2",
            "    a = torch.narrow(x, -1, 0, n)",
            "    g = torch.narrow(x, -1, n, n)",
            "    return torch.mul(a, torch.gelu(g))",
            "  def channels_last(self: __torch__.Ops, x: Tensor) -> Tensor:",
            "    return torch.contiguous(x, memory_format=2)",
            "  def randn(self: __torch__.Ops, seed: int, shape: List[int]) -> Tensor:",
            "    g = torch.Generator()",
            "    _0 = torch.manual_seed(g, seed)",
            "    return torch.randn(shape, generator=g)",
            "");

    private static final Map<Device, PtSymbolBlock> MODULES = new ConcurrentHashMap<>();
    private static final Map<Device, NDManager> OWNERS = new ConcurrentHashMap<>();

    private TorchOps() {}

    /** Builds the module archive: a STORED zip whose entries all live under {@code ops/}. */
    static byte[] archive() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setMethod(ZipOutputStream.STORED);
            put(zip, "ops/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            put(zip, "ops/constants.pkl", new byte[] {(byte) 0x80, 0x02, 0x29, 0x2E});
            put(zip, "ops/data.pkl", dataPickle());
            put(zip, "ops/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Pickle protocol 2 of an {@code __torch__.Ops} object with state {@code {"training": True}}. */
    private static byte[] dataPickle() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[] {(byte) 0x80, 0x02});
        p.writeBytes("c__torch__\nOps\n)\u0081}X".getBytes(StandardCharsets.ISO_8859_1));
        p.writeBytes(new byte[] {8, 0, 0, 0});
        p.writeBytes("training\u0088sb.".getBytes(StandardCharsets.ISO_8859_1));
        return p.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static PtSymbolBlock module(Device device) {
        return MODULES.computeIfAbsent(device, d -> {
            NDManager owner = NDManager.newBaseManager(d, "PyTorch");
            try {
                PtSymbolBlock block =
                        JniUtils.loadModule((PtNDManager) owner, new ByteArrayInputStream(archive()), true, false);
                OWNERS.put(d, owner);
                return block;
            } catch (IOException | RuntimeException e) {
                owner.close();
                throw new IllegalStateException("Cannot load the TorchScript ops module on " + d + ": "
                        + e.getMessage(), e);
            }
        });
    }

    private static PtNDArray pt(NDArray a) {
        if (a instanceof PtNDArray p) {
            return p;
        }
        throw new IllegalArgumentException("TorchOps needs PyTorch-engine arrays, got " + a.getClass().getName());
    }

    /** Runs one method and converts the single tensor result into an array owned by {@code owner}. */
    private static NDArray call(NDManager owner, Device device, String method, IValue... args) {
        try (IValue out = IValueUtils.runMethod(module(device), method, args)) {
            return out.toTensor((PtNDManager) owner);
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    private static IValue iv(NDArray a) {
        return IValue.from(pt(a));
    }

    /**
     * Scaled dot-product attention softmax(q·kᵀ/√d)·v (Vaswani et al. 2017), PyTorch's fused kernel.
     *
     * @param q [B, H, Nq, D]
     * @param k [B, H, Nk, D]
     * @param v [B, H, Nk, Dv]
     * @return [B, H, Nq, Dv], owned by q's manager
     */
    public static NDArray sdpa(NDArray q, NDArray k, NDArray v) {
        return call(q.getManager(), q.getDevice(), "sdpa", iv(q), iv(k), iv(v));
    }

    /** As {@link #sdpa(NDArray, NDArray, NDArray)} with an additive float or boolean mask [.., Nq, Nk]. */
    public static NDArray sdpa(NDArray q, NDArray k, NDArray v, NDArray mask) {
        return call(q.getManager(), q.getDevice(), "sdpa_mask", iv(q), iv(k), iv(v), iv(mask));
    }

    /** As {@link #sdpa(NDArray, NDArray, NDArray)} with a causal (lower-triangular) mask. */
    public static NDArray sdpaCausal(NDArray q, NDArray k, NDArray v) {
        return call(q.getManager(), q.getDevice(), "sdpa_causal", iv(q), iv(k), iv(v));
    }

    /**
     * Group normalization (Wu &amp; He 2018): per sample and group of channels, (x − mean)/√(var + eps)·w + b.
     *
     * @param x [B, C, ...]
     * @param w [C]
     * @param b [C]
     * @return [B, C, ...], owned by x's manager
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray w, NDArray b, double eps) {
        return call(x.getManager(), x.getDevice(), "group_norm", iv(x), IValue.from((long) groups), iv(w), iv(b),
                IValue.from(eps));
    }

    /** {@link #groupNorm} followed by SiLU x·σ(x) in place on the fresh result (saves one pass and one buffer). */
    public static NDArray groupNormSilu(NDArray x, int groups, NDArray w, NDArray b, double eps) {
        return call(x.getManager(), x.getDevice(), "group_norm_silu", iv(x), IValue.from((long) groups), iv(w),
                iv(b), IValue.from(eps));
    }

    /** Nearest-neighbour 2× upsampling, as {@code F.interpolate(x, scale_factor=2, mode="nearest")}: [B, C, H, W] → [B, C, 2H, 2W]. */
    public static NDArray upsampleNearest2x(NDArray x) {
        return call(x.getManager(), x.getDevice(), "upsample_nearest2x", iv(x));
    }

    /**
     * Nearest-neighbour resize to an exact size, as {@code F.interpolate(x, size=(h, w), mode="nearest")}: output
     * pixel i reads input pixel floor(i · in / out). [B, C, H, W] → [B, C, h, w].
     */
    public static NDArray upsampleNearest(NDArray x, long h, long w) {
        return call(x.getManager(), x.getDevice(), "upsample_nearest_to", iv(x), IValue.listFrom(h, w));
    }

    /**
     * The same values in channels-last (NHWC) memory order, which oneDNN convolutions on the CPU run fastest on; a
     * new handle on the same memory when {@code x} already is. Owned by {@code owner} (and the current scope).
     */
    public static NDArray channelsLast(NDArray x, NDManager owner) {
        return call(owner, x.getDevice(), "channels_last", iv(x));
    }

    /**
     * A convolution operand (input or weight) in the memory order {@code layout} names: channels-last (the order
     * convolutions run fastest on), or unchanged for {@link ConvLayout#NCHW} (the benchmarks' baseline). Values are
     * unchanged.
     */
    public static NDArray forConv(NDArray a, NDManager owner, ConvLayout layout) {
        return layout == ConvLayout.NCHW ? a : channelsLast(a, owner);
    }

    /** GEGLU (Shazeer 2020): splits the last axis in halves a, g and returns a·GELU(g): [..., 2F] → [..., F]. */
    public static NDArray geglu(NDArray x) {
        return call(x.getManager(), x.getDevice(), "geglu", iv(x));
    }

    /**
     * Standard normal float32 values on the CPU from a private generator: bit-identical to
     * {@code torch.manual_seed(seed); torch.randn(shape)} and independent of DJL's process-global seed.
     *
     * @return an array of the given shape owned by {@code manager} (created on the CPU, then moved to its device)
     */
    public static NDArray randn(NDManager manager, long seed, Shape shape) {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray r = call(cpu, Device.cpu(), "randn", IValue.from(seed), IValue.listFrom(shape.getShape()));
            if (manager.getDevice().equals(Device.cpu())) {
                r.attach(manager);
                return r;
            }
            NDArray moved = r.toDevice(manager.getDevice(), true);
            moved.attach(manager);
            return moved;
        }
    }
}
