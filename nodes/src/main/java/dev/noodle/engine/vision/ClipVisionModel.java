package dev.noodle.engine.vision;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorSource;
import dev.noodle.engine.io.WeightLayout;
import dev.noodle.engine.runtime.Attention;
import dev.noodle.engine.runtime.Scopes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CLIP image tower (Radford et al. 2021): the image cut into patch × patch squares, each projected to the width
 * (a convolution without bias, stride = kernel = patch), a learned class token in front, learned position
 * embeddings added, a layer norm ("pre_layrnorm"), pre-norm transformer blocks (x + attn(ln1(x)), then
 * x + mlp(ln2(x)); quick GELU or exact GELU), and the image embedding = post_layernorm(class token) ·
 * visual_projectionᵀ. What it returns is ComfyUI's {@code ClipVisionModel.encode_image}: the last block's output
 * (no final norm), the embedding and the second-to-last block's output.
 *
 * <p>Reads both layouts of {@link ClipVisionLayout}; the tower is recognised from the shapes. Binding is strict:
 * a missing key, a wrong shape or a key no tower has is an error naming the key and the file. Weights live in a
 * manager owned by this object and are only read, so one model serves every run and thread; {@link #close()}
 * frees them.
 */
public final class ClipVisionModel implements ClipVisionEncoder {
    private final ClipVisionConfig config;
    private final String name;
    private final NDManager weights;
    private final Map<String, NDArray> params;
    private final long bytes;

    private ClipVisionModel(ClipVisionConfig config, String name, NDManager weights, Map<String, NDArray> params) {
        this.config = config;
        this.name = name;
        this.weights = weights;
        this.params = params;
        this.bytes = Scopes.nativeBytes(params.values());
    }

    /**
     * Loads the tower in {@code weights} (keys as in the file: {@code vision_model.*} or {@code visual.*}),
     * recognised from its shapes, fp32 on the CPU.
     *
     * @param name the file name, for messages
     * @throws ModelFormatException naming the file and every key that does not fit
     */
    public static ClipVisionModel load(TensorSource weights, String name) {
        return load(weights, name, Device.cpu());
    }

    /** As {@link #load(TensorSource, String)} on {@code device} (fp32). */
    public static ClipVisionModel load(TensorSource weights, String name, Device device) {
        ClipVisionLayout.Detected d = ClipVisionLayout.detect(weights);
        return load(weights, name, d.layout(), d.config(), device);
    }

    /**
     * As {@link #load(TensorSource, String)} with the weights in a sub-manager of {@code parent} (closed with it or
     * with this model, whichever comes first).
     */
    public static ClipVisionModel load(TensorSource weights, String name, NDManager parent) {
        ClipVisionLayout.Detected d = ClipVisionLayout.detect(weights);
        return bind(weights, name, d.layout(), d.config(), parent.newSubManager());
    }

    /** Loads with a given layout and config (small test towers, quick GELU towers of other sizes), fp32. */
    public static ClipVisionModel load(TensorSource weights, String name, ClipVisionLayout layout,
            ClipVisionConfig config, Device device) {
        return bind(weights, name, layout, config, NDManager.newBaseManager(device));
    }

    private static ClipVisionModel bind(TensorSource weights, String name, ClipVisionLayout layout,
            ClipVisionConfig config, NDManager manager) {
        try {
            WeightLayout.of("CLIP vision", layout.shapes(config))
                    .ignoring(layout.passedOver())
                    .withDetail(config.describe() + ", " + (layout == ClipVisionLayout.HF ? "Hugging Face"
                            : "open_clip") + " names")
                    .withAdvice("The file is damaged or is not a CLIP image encoder ComfyUI's CLIPVisionLoader"
                            + " reads (ViT-L/14, ViT-H/14, ViT-bigG/14).")
                    .check(weights);
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (String key : ClipVisionLayout.HF.shapes(config).keySet()) {
                NDArray a = read(weights, layout, key, manager);
                a.setName(key);
                params.put(key, a);
            }
            return new ClipVisionModel(config, name, manager, params);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static NDArray read(TensorSource src, ClipVisionLayout layout, String hfKey, NDManager manager) {
        if (layout == ClipVisionLayout.HF) {
            return src.load(hfKey, manager, DataType.FLOAT32);
        }
        ClipVisionLayout.Source s = ClipVisionLayout.openClipSource(hfKey);
        if (s.part() < 0 && !s.transpose()) {
            return src.load(s.key(), manager, DataType.FLOAT32);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray full = src.load(s.key(), scope, DataType.FLOAT32);
            NDArray out;
            if (s.transpose()) {
                out = full.transpose(1, 0).duplicate(); // proj [D, P] -> visual_projection [P, D]
            } else {
                long rows = full.getShape().get(0) / 3;
                out = full.get(s.part() * rows + ":" + (s.part() + 1) * rows).duplicate(); // q | k | v rows
            }
            out.attach(manager);
            return out;
        }
    }

    /** The tower's hyper-parameters. */
    public ClipVisionConfig config() {
        return config;
    }

    /** The file name given at load. */
    public String name() {
        return name;
    }

    /** Parameters by Hugging Face name (read-only; tests and adapters compare against them). */
    public NDArray parameter(String key) {
        NDArray a = params.get(key);
        if (a == null) {
            throw new IllegalArgumentException("CLIP vision model has no parameter '" + key + "'");
        }
        return a;
    }

    @Override
    public Output encode(NDArray images, String crop, NDManager scope) {
        ClipPreprocess.Crop mode = ClipPreprocess.Crop.fromName(crop);
        Shape s = images.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("CLIP vision encode needs an image batch [B, H, W, 3], got " + s);
        }
        int b = Math.toIntExact(s.get(0));
        int h = Math.toIntExact(s.get(1));
        int w = Math.toIntExact(s.get(2));
        int c = Math.toIntExact(s.get(3));
        float[] raw;
        if (images.getDataType() == DataType.FLOAT32) {
            raw = images.toFloatArray();
        } else {
            try (NDArray f = images.toType(DataType.FLOAT32, true)) {
                raw = f.toFloatArray();
            }
        }
        float[] px = ClipPreprocess.apply(raw, b, h, w, c, config.imageSize(), mode);
        try (NDManager work = scope.newSubManager(weights.getDevice())) {
            NDArray pixels = work.create(px, new Shape(b, 3, config.imageSize(), config.imageSize()));
            return forward(pixels, scope, work);
        }
    }

    /**
     * Runs the tower on already prepared pixels.
     *
     * @param pixels [B, 3, imageSize, imageSize] normalised
     * @param scope manager of the results
     */
    public Output encodePixels(NDArray pixels, NDManager scope) {
        try (NDManager work = scope.newSubManager(weights.getDevice())) {
            NDArray moved = pixels.toDevice(weights.getDevice(), false);
            if (moved != pixels) {
                moved.attach(work);
            }
            NDArray p = moved.toType(DataType.FLOAT32, true);
            p.attach(work);
            return forward(p, scope, work);
        }
    }

    private Output forward(NDArray pixels, NDManager scope, NDManager work) {
        Shape ps = pixels.getShape();
        int size = config.imageSize();
        if (ps.dimension() != 4 || ps.get(1) != 3 || ps.get(2) != size || ps.get(3) != size) {
            throw new IllegalArgumentException("CLIP vision pixels must be [B, 3, " + size + ", " + size + "], got "
                    + ps);
        }
        long b = ps.get(0);
        int p = config.patchSize();
        int g = config.grid();
        long d = config.width();
        // patch embedding as a matmul: each p×p×3 patch (channel, row, column order, as the conv kernel) · Wᵀ
        NDArray patches = pixels.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5)
                .reshape(b, (long) g * g, 3L * p * p);
        // views and copies of weights are made in the weights' manager: move them to this run's
        NDArray kernel = Scopes.attach(params.get(ClipVisionLayout.HF_PATCH).reshape(d, 3L * p * p), work);
        NDArray kernelT = Scopes.attach(kernel.transpose(), work);
        NDArray emb = patches.matMul(kernelT); // [B, g², D]
        NDArray cls1 = Scopes.attach(params.get(ClipVisionLayout.HF_CLASS).reshape(1, 1, d), work);
        NDArray cls = cls1.broadcast(b, 1, d);
        NDArray x = NDArrays.concat(new ai.djl.ndarray.NDList(cls, emb), 1)
                .add(params.get(ClipVisionLayout.HF_POS)); // [B, T, D]
        x = layerNorm(x, "vision_model.pre_layrnorm.");
        NDArray penultimate = null;
        for (int i = 0; i < config.layers(); i++) {
            NDArray in = x;
            String prefix = "vision_model.encoder.layers." + i + ".";
            x = Scopes.scoped(() -> block(in, prefix));
            if (i == config.layers() - 2) {
                penultimate = x;
            }
        }
        NDArray pooled = layerNorm(x.get(":, 0, :"), "vision_model.post_layernorm."); // [B, D]
        NDArray projT = Scopes.attach(params.get(ClipVisionLayout.HF_PROJ).transpose(), work);
        NDArray embeds = pooled.matMul(projT); // [B, P]
        NDArray last = x.duplicate();
        NDArray pen = penultimate.duplicate();
        NDArray emb2 = embeds.duplicate();
        last.attach(scope);
        pen.attach(scope);
        emb2.attach(scope);
        return new Output(last, emb2, pen);
    }

    /** One pre-norm block. */
    private NDArray block(NDArray x, String p) {
        NDArray h = layerNorm(x, p + "layer_norm1.");
        NDArray q = linear(h, p + "self_attn.q_proj.");
        NDArray k = linear(h, p + "self_attn.k_proj.");
        NDArray v = linear(h, p + "self_attn.v_proj.");
        NDArray a = Attention.multiHead(q, k, v, config.heads(), Attention.Mode.FALLBACK);
        x = x.add(linear(a, p + "self_attn.out_proj."));
        NDArray m = linear(layerNorm(x, p + "layer_norm2."), p + "mlp.fc1.");
        m = switch (config.activation()) {
            case QUICK_GELU -> m.mul(Activation.sigmoid(m.mul(1.702f)));
            case GELU -> m.getNDArrayInternal().gelu();
        };
        return x.add(linear(m, p + "mlp.fc2."));
    }

    private NDArray linear(NDArray x, String p) {
        return Linear.linear(x, params.get(p + "weight"), params.get(p + "bias")).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, String p) {
        return LayerNorm.layerNorm(x, new Shape(config.width()), params.get(p + "weight"), params.get(p + "bias"),
                config.layerNormEps()).singletonOrThrow();
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
        return config.describe() + " from " + name;
    }
}
