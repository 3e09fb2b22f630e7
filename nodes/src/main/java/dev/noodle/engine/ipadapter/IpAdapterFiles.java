package dev.noodle.engine.ipadapter;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTensor;
import dev.noodle.engine.io.pickle.TorchPickleWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Reads IP-Adapter files as users download them and writes random-weight ones in the same layout. Two layouts
 * exist: safetensors with flat {@code image_proj.*} / {@code ip_adapter.*} keys (training scripts' {@code
 * adapter_modules.*} read as {@code ip_adapter.*}, as the pack does), and torch pickles ({@code .bin}) holding
 * {@code {"image_proj": {...}, "ip_adapter": {...}}}. Binding is strict: every key the detected layout implies
 * must be present with its exact shape and nothing else may be, or the error names the key and the file.
 * Stateless.
 */
public final class IpAdapterFiles {
    private IpAdapterFiles() {}

    // One tensor of the file: its shape, and how to read it in float32 into a manager.
    private record Entry(long[] shape, Function<NDManager, NDArray> read) {}

    /** Loads and binds an IP-Adapter file (weights on the CPU in float32). */
    public static IpAdapterModel load(Path file) {
        String where = file.toString();
        try (ModelFile mf = ModelFiles.open(file)) {
            Map<String, Entry> entries = mf instanceof PickleCheckpoint pk ? pickleEntries(pk, where) : flat(mf, where);
            return bind(file.getFileName().toString(), entries, where);
        }
    }

    /** Binds an in-memory source with flat keys (tests, generated models). */
    public static IpAdapterModel fromSource(TensorSource source, String name) {
        return bind(name, flat(source, source.describe()), source.describe());
    }

    private static Map<String, Entry> flat(TensorSource src, String where) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (String k : src.keys()) {
            String key = k.startsWith("adapter_modules.") ? "ip_adapter." + k.substring("adapter_modules.".length())
                    : k;
            if (m.put(key, new Entry(src.info(k).shape(), mg -> src.load(k, mg, DataType.FLOAT32))) != null) {
                throw new ModelFormatException(where + ": key " + k + " appears twice (as adapter_modules. and"
                        + " ip_adapter.)");
            }
        }
        return m;
    }

    private static Map<String, Entry> pickleEntries(PickleCheckpoint pk, String where) {
        if (!pk.keys().isEmpty()) {
            return flat(pk, where);
        }
        Map<String, Entry> m = new LinkedHashMap<>();
        if (!(pk.root() instanceof Map<?, ?> root)) {
            throw new ModelFormatException(where + " is not an IP-Adapter: its top level is not a dict");
        }
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String group = String.valueOf(e.getKey());
            String prefix = group.equals("adapter_modules") ? "ip_adapter" : group;
            if (!(e.getValue() instanceof Map<?, ?> sd)) {
                throw new ModelFormatException(where + ": unexpected entry '" + group + "' at the top level (an"
                        + " IP-Adapter .bin holds the dicts image_proj and ip_adapter)");
            }
            for (Map.Entry<?, ?> t : sd.entrySet()) {
                String key = prefix + "." + t.getKey();
                if (!(t.getValue() instanceof PickleTensor pt)) {
                    throw new ModelFormatException(where + ": " + key + " is not a tensor");
                }
                m.put(key, new Entry(pt.shape(), mg -> pk.load(pt, mg, DataType.FLOAT32)));
            }
        }
        return m;
    }

    private static IpAdapterModel bind(String name, Map<String, Entry> entries, String where) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        entries.forEach((k, e) -> shapes.put(k, e.shape()));
        IpAdapterLayout layout = IpAdapterLayout.detect(shapes, where);
        Map<String, long[]> expected = layout.expectedShapes();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] got = shapes.get(e.getKey());
            if (got == null) {
                problems.add("missing key " + e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(got, e.getValue())) {
                problems.add(e.getKey() + " has shape " + Arrays.toString(got) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String k : shapes.keySet()) {
            if (!expected.containsKey(k)) {
                problems.add("unexpected key " + k + " " + Arrays.toString(shapes.get(k)));
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException(where + " does not fit the IP-Adapter layout it was read as ("
                    + layout.describe() + "): " + String.join("; ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? "; and " + (problems.size() - 8) + " more" : ""));
        }
        NDManager owner = NDManager.newBaseManager(Device.cpu());
        try {
            Map<String, NDArray> w = new LinkedHashMap<>();
            for (String k : expected.keySet()) {
                NDArray a = entries.get(k).read().apply(owner);
                if (a.getDataType() != DataType.FLOAT32) {
                    a = a.toType(DataType.FLOAT32, false);
                }
                a.attach(owner);
                w.put(k, a);
            }
            return new IpAdapterModel(name, layout, w, owner);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /**
     * Random weights in {@code layout}'s exact keys and shapes: linear weights ~ N(0, 1/fan_in), biases small,
     * LayerNorm gains near 1. Deterministic for a seed.
     */
    public static Map<String, float[]> randomWeights(IpAdapterLayout layout, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : layout.expectedShapes().entrySet()) {
            long[] s = e.getValue();
            int n = (int) Arrays.stream(s).reduce(1, (a, b) -> a * b);
            float[] v = new float[n];
            String k = e.getKey();
            boolean norm = k.contains("norm") || k.endsWith("proj.3.weight") || k.matches(".*\\.1\\.0\\.weight");
            double scale = s.length >= 2 ? 1.0 / Math.sqrt(s[s.length - 1]) : 0.1;
            for (int i = 0; i < n; i++) {
                v[i] = (float) (norm && k.endsWith("weight") ? 1.0 + 0.1 * r.nextGaussian() : scale * r.nextGaussian());
            }
            out.put(k, v);
        }
        return out;
    }

    /** Writes random weights as a safetensors file with the downloads' flat keys. */
    public static void writeSafetensors(Path file, IpAdapterLayout layout, long seed) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, long[]> shapes = layout.expectedShapes();
        randomWeights(layout, seed).forEach((k, v) -> w.addF32(k, shapes.get(k), v));
        w.write(file);
    }

    /** Writes random weights as a torch pickle {@code {"image_proj": {...}, "ip_adapter": {...}}} (.bin). */
    public static void writeBin(Path file, IpAdapterLayout layout, long seed) throws IOException {
        Map<String, long[]> shapes = layout.expectedShapes();
        Map<String, Object> proj = new LinkedHashMap<>();
        Map<String, Object> ip = new LinkedHashMap<>();
        randomWeights(layout, seed).forEach((k, v) -> {
            TorchPickleWriter.Tensor t = new TorchPickleWriter.Tensor(shapes.get(k), v);
            if (k.startsWith("image_proj.")) {
                proj.put(k.substring("image_proj.".length()), t);
            } else {
                ip.put(k.substring("ip_adapter.".length()), t);
            }
        });
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("image_proj", proj);
        root.put("ip_adapter", ip);
        TorchPickleWriter.write(file, root);
    }
}
