package dev.noodle.engine.upscale;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import dev.noodle.engine.runtime.TorchOps;
import java.util.function.Supplier;

/**
 * The tensor operations upscalers are made of, on plain DJL ops: same-padded convolutions, leaky and parametric
 * ReLU, nearest upsampling and pixel (un)shuffle. Every method returns a new array in the input's manager (and the
 * current {@link ai.djl.ndarray.NDScope}). Stateless and thread-safe.
 */
final class UpscaleOps {
    private UpscaleOps() {}

    /** 2-D convolution, stride 1, zero padding k/2 ("same"). x [B, Cin, H, W], w [Cout, Cin, k, k] → [B, Cout, H, W]. */
    static NDArray conv(NDArray x, NDArray w, NDArray b) {
        long p = w.getShape().get(2) / 2;
        return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(p, p), new Shape(1, 1), 1).singletonOrThrow();
    }

    /** LeakyReLU max(x, 0) + slope·min(x, 0) (Maas et al. 2013); ESRGAN uses slope 0.2. */
    static NDArray leakyRelu(NDArray x, float slope) {
        return Activation.leakyRelu(x, slope);
    }

    /** PReLU (He et al. 2015) with one slope per channel: max(x, 0) + a_c·min(x, 0). x [B, C, H, W], a [C]. */
    static NDArray prelu(NDArray x, NDArray a) {
        NDArray slope = a.reshape(1, a.getShape().get(0), 1, 1);
        return x.maximum(0f).addi(x.minimum(0f).muli(slope));
    }

    /** Nearest-neighbour upsampling by an integer factor: output pixel i reads input pixel ⌊i / f⌋. */
    static NDArray upsampleNearest(NDArray x, int factor) {
        if (factor == 2) {
            return TorchOps.upsampleNearest2x(x);
        }
        Shape s = x.getShape();
        return TorchOps.upsampleNearest(x, s.get(2) * factor, s.get(3) * factor);
    }

    /**
     * Pixel shuffle (Shi et al. 2016), as {@code torch.nn.PixelShuffle(r)}: channel c·r² + i·r + j of input pixel
     * (y, x) becomes channel c of output pixel (y·r + i, x·r + j). [B, C·r², H, W] → [B, C, H·r, W·r].
     */
    static NDArray pixelShuffle(NDArray x, int r) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1) / ((long) r * r);
        long h = s.get(2);
        long w = s.get(3);
        return x.reshape(b, c, r, r, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(b, c, h * r, w * r);
    }

    /** Pixel unshuffle, the inverse of {@link #pixelShuffle}: [B, C, H·r, W·r] → [B, C·r², H, W]. */
    static NDArray pixelUnshuffle(NDArray x, int r) {
        Shape s = x.getShape();
        long b = s.get(0);
        long c = s.get(1);
        long h = s.get(2) / r;
        long w = s.get(3) / r;
        return x.reshape(b, c, h, r, w, r).transpose(0, 1, 3, 5, 2, 4).reshape(b, c * r * r, h, w);
    }

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
}
