package dev.noodle.engine.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.noodle.engine.runtime.ConvLayout;
import dev.noodle.engine.runtime.TorchOps;
import java.util.function.Supplier;

/**
 * The VAE-specific tensor operations (convolutions, resampling, scopes) on plain DJL ops; GroupNorm and attention
 * come from {@code dev.noodle.engine.runtime}.
 *
 * <p>Every method returns a new array in the input's manager and frees its own temporaries. Stateless and
 * thread-safe.
 */
final class VaeOps {
    private VaeOps() {}

    /**
     * Runs {@code body} in an {@link NDScope}: every array it creates is closed except the returned one, which is
     * handed to the enclosing scope (if any) so that nested scopes still free it.
     */
    static NDArray scoped(Supplier<NDArray> body) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = body.get();
            NDScope.unregister(result);
        }
        NDScope.register(result);
        return result;
    }

    /**
     * 2-D convolution, stride 1, "same" padding for odd kernels. x [B, Cin, H, W], w [Cout, Cin, k, k]. Runs in
     * the memory order {@code layout} names ({@link TorchOps#forConv}); the values are the same.
     */
    static NDArray conv(NDArray x, NDArray w, NDArray b, ConvLayout layout) {
        return conv(x, w, b, 1, layout);
    }

    /**
     * 2-D convolution with "same" padding (k/2) and the given stride; {@code b} may be null (no bias). x [B, Cin, H,
     * W] → [B, Cout, ⌈H/stride⌉, ⌈W/stride⌉] for odd k, as torch's {@code Conv2d(k, stride, padding=k//2)}.
     */
    static NDArray conv(NDArray x, NDArray w, NDArray b, int stride, ConvLayout layout) {
        long k = w.getShape().get(2);
        long p = k / 2;
        NDManager m = x.getManager();
        NDArray xc = TorchOps.forConv(x, m, layout);
        NDArray wc = TorchOps.forConv(w, m, layout);
        try {
            return Conv2d.conv2d(xc, wc, b, new Shape(stride, stride), new Shape(p, p), new Shape(1, 1), 1)
                    .singletonOrThrow();
        } finally {
            // the channels-last operands are handles on their own (or shared) memory: let go of them now, so that a
            // caller closing x frees it at once instead of at the end of the enclosing scope
            closeIfOther(xc, x);
            closeIfOther(wc, w);
        }
    }

    private static void closeIfOther(NDArray handle, NDArray original) {
        if (handle != original) {
            handle.close();
        }
    }

    /**
     * ldm {@code Downsample} with conv: pad right and bottom by one, then a 3×3 stride-2 convolution without padding.
     * x [B, C, H, W] → [B, C, H/2, W/2].
     */
    static NDArray downsample(NDArray x, NDArray w, NDArray b, ConvLayout layout) {
        return scoped(() -> {
            NDArray padded = x.pad(new Shape(0, 1, 0, 1), 0); // F.pad(x, (0, 1, 0, 1))
            NDManager m = x.getManager();
            return Conv2d.conv2d(TorchOps.forConv(padded, m, layout), TorchOps.forConv(w, m, layout), b,
                    new Shape(2, 2),
                    new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        });
    }

    /**
     * Nearest-neighbour ×2 upsampling: x [B, C, H, W] → [B, C, 2H, 2W]. One op that keeps the input's memory order,
     * so the convolution after it needs no channels-last copy.
     */
    static NDArray upsampleNearest2x(NDArray x) {
        return TorchOps.upsampleNearest2x(x);
    }

    /**
     * Nearest ×2 upsampling then a same-padded convolution, holding at most the upsampled image and the result (at
     * 512² that is two 256-channel images instead of four).
     */
    static NDArray upsampleConv(NDArray x, NDArray w, NDArray b, ConvLayout layout) {
        NDArray up = upsampleNearest2x(x);
        try {
            return conv(up, w, b, layout);
        } finally {
            up.close();
        }
    }
}
