package dev.noodle.engine.vae;

import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes TAESD encoder and decoder files with random weights in the published layout ({@link
 * TinyAutoencoder#encoderShapes()}, {@link TinyAutoencoder#decoderShapes()}), as {@code .safetensors} (float16, as
 * the published files store them) or {@code .pth} ({@code torch.save} of the state dict, float32): for tests,
 * benchmarks and trying previews without the downloads. Weights are Gaussian with standard deviation
 * 1/√fan-in (biases 0.1·that), so activations keep their scale through the network. Stateless.
 */
public final class TaesdWriter {
    private TaesdWriter() {}

    /** Which half to write. */
    public enum Part { ENCODER, DECODER }

    /** Random weights for {@code part} from {@code seed}, by state-dict name in module order. */
    public static Map<String, float[]> weights(Part part, long seed) {
        Map<String, long[]> shapes = part == Part.ENCODER ? TinyAutoencoder.encoderShapes()
                : TinyAutoencoder.decoderShapes();
        Random r = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long[] s = e.getValue();
            int n = 1;
            for (long d : s) {
                n *= (int) d;
            }
            double fanIn = s.length == 4 ? s[1] * s[2] * s[3] : 64;
            double std = (e.getKey().endsWith(".bias") ? 0.1 : 1.0) / Math.sqrt(fanIn);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * std);
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** Writes {@code part}'s random weights to {@code file}: a .pth when its name ends so, else safetensors. */
    public static Path write(Path file, Part part, long seed) throws IOException {
        Map<String, long[]> shapes = part == Part.ENCODER ? TinyAutoencoder.encoderShapes()
                : TinyAutoencoder.decoderShapes();
        Map<String, float[]> w = weights(part, seed);
        if (file.getFileName().toString().endsWith(".pth")) {
            Map<String, Object> dict = new LinkedHashMap<>();
            w.forEach((k, v) -> dict.put(k, new TorchPickleWriter.Tensor(shapes.get(k), v)));
            TorchPickleWriter.write(file, new TorchPickleWriter.OrderedDict(dict));
        } else {
            SafetensorsWriter sw = new SafetensorsWriter();
            w.forEach((k, v) -> sw.addF16(k, shapes.get(k), v));
            sw.write(file);
        }
        return file;
    }
}
