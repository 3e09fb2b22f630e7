package dev.noodle.engine.adapters;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTensor;
import dev.noodle.engine.io.pickle.PickleTree;
import dev.noodle.engine.runtime.Scopes;
import dev.noodle.engine.unet.AttentionHook;
import dev.noodle.engine.unet.UNetWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * An AUTOMATIC1111 hypernetwork ({@code modules/hypernetworks/hypernetwork.py}): per attention width D two small
 * MLPs, hn_k and hn_v, that rewrite the key/value input c of attention layers of that width:
 * k_in = c + hn_k(c)·strength, v_in = c + hn_v(c)·strength. Each MLP is Linear(D·s_i → D·s_{i+1}) layers following
 * {@code layer_structure} (e.g. [1, 2, 1]), each followed by the activation (except the last unless
 * {@code activate_output}), an optional LayerNorm, and dropout (identity at inference, but it occupies a
 * {@code linear.N} index). Like A1111 and ComfyUI, {@link #hook} applies to every attention (self and cross) whose
 * input width has modules. Weights live in this object's manager; close to free them. Thread-safe.
 */
public final class Hypernetwork implements AutoCloseable {
    /** One MLP layer: a linear map, then optional activation and layer norm. */
    private record Layer(NDArray weight, NDArray bias, boolean activate, NDArray normWeight, NDArray normBias) {}

    private final String name;
    private final String activation;
    private final Map<Integer, List<Layer>[]> modules;
    private final NDManager owner;

    private Hypernetwork(String name, String activation, Map<Integer, List<Layer>[]> modules, NDManager owner) {
        this.name = name;
        this.activation = activation;
        this.modules = modules;
        this.owner = owner;
    }

    /** Loads an A1111 {@code .pt} hypernetwork onto the CPU in float32 (through the safe pickle reader). */
    public static Hypernetwork load(Path file) {
        String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
        try (PickleCheckpoint pk = PickleCheckpoint.open(file)) {
            return parse(stem, pk, NDManager.newBaseManager());
        }
    }

    @SuppressWarnings("unchecked")
    private static Hypernetwork parse(String name, PickleCheckpoint pk, NDManager owner) {
        try {
            Object root = pk.root();
            String where = "hypernetwork '" + name + "' (" + pk.path() + ")";
            List<Double> structure = new ArrayList<>();
            for (Object o : PickleTree.list(PickleTree.get(root, "layer_structure"))) {
                structure.add(((Number) o).doubleValue());
            }
            if (structure.isEmpty()) {
                structure = List.of(1.0, 2.0, 1.0); // A1111's default for files without the key
            }
            if (structure.size() < 2 || structure.get(0) != 1.0 || structure.get(structure.size() - 1) != 1.0) {
                throw new ModelFormatException(where + ": layer_structure " + structure + " must start and end"
                        + " with 1");
            }
            Object act = PickleTree.get(root, "activation_func");
            String activation = act == null ? "linear" : act.toString().toLowerCase(Locale.ROOT);
            checkActivation(activation, where);
            boolean layerNorm = flag(root, "is_layer_norm", false);
            boolean dropout = flag(root, "use_dropout", false);
            boolean activateOutput = flag(root, "activate_output", true);
            boolean lastDropout = flag(root, "last_layer_dropout", false);
            List<?> dropoutStructure = PickleTree.list(PickleTree.get(root, "dropout_structure"));
            Map<Integer, List<Layer>[]> modules = new LinkedHashMap<>();
            if (!(root instanceof Map<?, ?> dict)) {
                throw new ModelFormatException(where + " is not an A1111 hypernetwork (top level is not a dict)");
            }
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getKey() instanceof Long width)) {
                    continue;
                }
                List<?> pair = PickleTree.list(e.getValue());
                if (pair.size() != 2) {
                    throw new ModelFormatException(where + ": width " + width + " should hold [k, v] state dicts, has "
                            + pair.size() + " entries");
                }
                List<Layer>[] kv = new List[2];
                for (int i = 0; i < 2; i++) {
                    kv[i] = mlp(pk, (Map<Object, Object>) pair.get(i), width.intValue(), structure, activation,
                            layerNorm, dropout, activateOutput, lastDropout, dropoutStructure, owner,
                            where + " width " + width + (i == 0 ? " k" : " v"));
                }
                modules.put(width.intValue(), kv);
            }
            if (modules.isEmpty()) {
                throw new ModelFormatException(where + " has no per-width modules (integer keys such as 768)");
            }
            return new Hypernetwork(name, activation, modules, owner);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static boolean flag(Object root, String key, boolean dflt) {
        Object v = PickleTree.get(root, key);
        return v instanceof Boolean b ? b : dflt;
    }

    private static List<Layer> mlp(PickleCheckpoint pk, Map<Object, Object> sd, int width, List<Double> structure,
            String activation, boolean layerNorm, boolean dropout, boolean activateOutput, boolean lastDropout,
            List<?> dropoutStructure, NDManager owner, String where) {
        Map<Object, Object> state = new HashMap<>(sd);
        for (String[] old : new String[][] {{"linear1", "linear.0"}, {"linear2", "linear.1"}}) {
            for (String p : new String[] {".weight", ".bias"}) {
                Object v = state.remove(old[0] + p);
                if (v != null) {
                    state.put(old[1] + p, v);
                }
            }
        }
        int n = structure.size();
        int index = 0;
        List<Layer> layers = new ArrayList<>();
        TreeSet<String> used = new TreeSet<>();
        for (int i = 0; i < n - 1; i++) {
            long in = (long) (width * structure.get(i));
            long out = (long) (width * structure.get(i + 1));
            String lin = "linear." + index++;
            NDArray w = tensor(pk, state, lin + ".weight", new long[] {out, in}, owner, where, used);
            NDArray b = tensor(pk, state, lin + ".bias", new long[] {out}, owner, where, used);
            boolean activate = !activation.equals("linear") && (i < n - 2 || activateOutput);
            if (activate) {
                index++;
            }
            NDArray nw = null;
            NDArray nb = null;
            if (layerNorm) {
                String ln = "linear." + index++;
                nw = tensor(pk, state, ln + ".weight", new long[] {out}, owner, where, used);
                nb = tensor(pk, state, ln + ".bias", new long[] {out}, owner, where, used);
            }
            boolean drop = dropoutStructure.isEmpty()
                    ? dropout && (i < n - 3 || lastDropout && i < n - 2)
                    : ((Number) dropoutStructure.get(i + 1)).doubleValue() > 0;
            if (drop) {
                index++;
            }
            layers.add(new Layer(w, b, activate, nw, nb));
        }
        List<String> extra = new ArrayList<>();
        for (Map.Entry<Object, Object> e : state.entrySet()) {
            Object k = e.getKey();
            if (e.getValue() instanceof PickleTensor && !used.contains(k.toString())) { // skip _metadata etc.
                extra.add(k.toString());
            }
        }
        if (!extra.isEmpty()) {
            throw new ModelFormatException(where + ": unexpected keys " + extra + " for layer_structure " + structure
                    + ", activation " + activation + ", layer norm " + layerNorm + ", dropout " + dropout
                    + "; the file's settings do not describe its weights");
        }
        return layers;
    }

    private static NDArray tensor(PickleCheckpoint pk, Map<Object, Object> state, String key, long[] shape,
            NDManager owner, String where, TreeSet<String> used) {
        if (!(state.get(key) instanceof PickleTensor t)) {
            throw new ModelFormatException(where + ": missing '" + key + "' (has " + new TreeSet<>(
                    state.keySet().stream().map(Object::toString).toList()) + ")");
        }
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(where + ": '" + key + "' has shape " + java.util.Arrays.toString(
                    t.shape()) + ", expected " + java.util.Arrays.toString(shape));
        }
        used.add(key);
        return pk.load(t, owner, DataType.FLOAT32);
    }

    private static void checkActivation(String a, String where) {
        switch (a) {
            case "linear", "relu", "leakyrelu", "elu", "swish", "hardswish", "tanh", "sigmoid", "softsign", "mish",
                    "silu" -> { }
            default -> throw new ModelFormatException(where + " uses activation '" + a + "', which Noodle does not"
                    + " support (linear, relu, leakyrelu, elu, swish, tanh, sigmoid, softsign, mish, silu)");
        }
    }

    /** The name (file stem). */
    public String name() {
        return name;
    }

    /** The attention widths this hypernetwork has modules for (e.g. 768, 320, 640, 1280). */
    public java.util.Set<Integer> widths() {
        return java.util.Collections.unmodifiableSet(modules.keySet());
    }

    /**
     * How many attention layers of a UNet {@link #hook} rewrites at a non-zero strength: the self- and
     * cross-attention layers whose key/value input width has modules, read from their {@code to_k} weights
     * [out, in] (or [out, in, 1, 1]).
     */
    public int layersPatched(UNetWeights unet) {
        int n = 0;
        for (String k : unet.keys()) {
            if ((k.endsWith(".attn1.to_k.weight") || k.endsWith(".attn2.to_k.weight"))
                    && modules.containsKey((int) unet.get(k).getShape().get(1))) {
                n++;
            }
        }
        return n;
    }

    /**
     * Rewrites an attention's key/value input.
     *
     * @param context [B, T, D] (D must be one of {@link #widths()})
     * @return k_in = c + hn_k(c)·strength and v_in = c + hn_v(c)·strength, [B, T, D] each, in context's manager
     */
    public AttentionHook.KeyValue apply(NDArray context, float strength) {
        int d = (int) context.getShape().get(context.getShape().dimension() - 1);
        List<Layer>[] kv = modules.get(d);
        if (kv == null) {
            throw new IllegalArgumentException("hypernetwork '" + name + "' has no modules for width " + d
                    + " (has " + modules.keySet() + ")");
        }
        return new AttentionHook.KeyValue(residual(context, kv[0], strength), residual(context, kv[1], strength));
    }

    /** An attention hook applying this hypernetwork at {@code strength} to every attention of a known width. */
    public AttentionHook hook(float strength) {
        return (input, cross) -> {
            int d = (int) input.getShape().get(input.getShape().dimension() - 1);
            return strength == 0f || !modules.containsKey(d) ? null : apply(input, strength);
        };
    }

    // c + mlp(c)·s, computed in float32, returned in c's dtype and manager
    private NDArray residual(NDArray c, List<Layer> layers, float strength) {
        return Scopes.scoped(() -> {
            NDArray x = c.getDataType() == DataType.FLOAT32 ? c : c.toType(DataType.FLOAT32, true);
            NDArray h = x;
            for (Layer l : layers) {
                h = Linear.linear(h, onDevice(l.weight(), h), onDevice(l.bias(), h)).singletonOrThrow();
                if (l.activate()) {
                    h = activate(h);
                }
                if (l.normWeight() != null) {
                    NDArray g = onDevice(l.normWeight(), h);
                    h = LayerNorm.layerNorm(h, new Shape(g.getShape().get(0)), g, onDevice(l.normBias(), h), 1e-5f)
                            .singletonOrThrow();
                }
            }
            NDArray out = x.add(h.mul(strength));
            return out.getDataType() == c.getDataType() ? out : out.toType(c.getDataType(), true);
        });
    }

    private static NDArray onDevice(NDArray w, NDArray like) {
        return w.getDevice().equals(like.getDevice()) ? w : w.toDevice(like.getDevice(), true);
    }

    // torch.nn activations as A1111 maps the names ("swish" is Hardswish there)
    private NDArray activate(NDArray x) {
        return switch (activation) {
            case "relu" -> x.maximum(0f);
            case "leakyrelu" -> x.maximum(0f).add(x.minimum(0f).mul(0.01f));
            case "elu" -> x.maximum(0f).add(x.minimum(0f).exp().sub(1f));
            case "swish", "hardswish" -> x.mul(x.add(3f).clip(0f, 6f)).div(6f);
            case "tanh" -> x.tanh();
            case "sigmoid" -> Activation.sigmoid(x);
            case "softsign" -> x.div(x.abs().add(1f));
            case "mish" -> x.mul(softplus(x).tanh());
            case "silu" -> x.mul(Activation.sigmoid(x));
            default -> x;
        };
    }

    // log(1 + e^x), stable: max(x, 0) + log(1 + e^(-abs(x)))
    private static NDArray softplus(NDArray x) {
        return x.maximum(0f).add(x.abs().neg().exp().add(1f).log());
    }

    @Override
    public void close() {
        owner.close();
    }
}
