package dev.noodle.engine.control;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.model.ModelFamily;
import dev.noodle.engine.runtime.Devices;
import dev.noodle.engine.unet.ControlResiduals;
import dev.noodle.engine.unet.UNetWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Stability control-LoRA loaded without a model (ControlNetLoader), as ComfyUI's {@code ControlLora}: the file is
 * only checked and its family read from its shapes; the ControlNet is made when sampling starts, from the UNet of
 * the model being sampled ({@link #forModel}, ComfyUI's {@code pre_run}), by {@link ControlLoraSource}. The two
 * most recent models' ControlNets are kept, so re-runs do not rebuild them; closing frees them. Thread-safe.
 */
public final class ControlLora implements ControlModel {
    private static final int KEEP = 2;

    private record Bound(UNetWeights unet, ControlModel net) {}

    private final Path path;
    private final ModelFamily family;
    private final Devices.Target target;
    private final List<Bound> bound = new ArrayList<>();

    private ControlLora(Path path, ModelFamily family, Devices.Target target) {
        this.path = path;
        this.family = family;
        this.target = target;
    }

    /**
     * Checks a control-LoRA file and reads which base model it is for: a {@code label_emb} means SDXL (with a
     * 1280-wide cross-attention context the SDXL refiner), else a 1024-wide context SD 2.x, else SD 1.x.
     *
     * @throws ModelFormatException naming the file when it is no control-LoRA
     */
    public static ControlLora of(ModelFile file, Devices.Target target) {
        String hint = "input_hint_block.0.weight";
        if (!file.contains(ControlNetFormats.LORA_MARKER) || !file.contains(hint)
                || file.info(hint).shape().length != 4) {
            throw new ModelFormatException(file.path() + ": not a control-LoRA: it needs the '"
                    + ControlNetFormats.LORA_MARKER + "' marker and a 4-d '" + hint + "'.");
        }
        long context = -1;
        boolean label = false;
        for (String k : file.keys()) {
            label |= k.startsWith("label_emb.");
            if (k.endsWith("attn2.to_k.down") || k.endsWith("attn2.to_k.weight")) {
                long[] s = file.info(k).shape();
                if (s.length == 2) {
                    context = s[1];
                }
            }
        }
        ModelFamily f = label ? (context == 1280 ? ModelFamily.SDXL_REFINER : ModelFamily.SDXL)
                : context == 1024 ? ModelFamily.SD2 : ModelFamily.SD1;
        return new ControlLora(file.path(), f, target);
    }

    @Override
    public synchronized ControlModel forModel(UNetWeights unet, ModelFamily modelFamily) {
        for (Bound b : bound) {
            if (b.unet() == unet) {
                return b.net();
            }
        }
        ControlModel net = ControlModels.load(path, new ControlModels.Request(target, unet, modelFamily));
        bound.add(new Bound(unet, net));
        if (bound.size() > KEEP) {
            bound.remove(0).net().close();
        }
        return net;
    }

    @Override
    public ModelFamily family() {
        return family;
    }

    @Override
    public boolean hintOnly() {
        return false;
    }

    @Override
    public ControlResiduals residuals(NDArray x, NDArray timesteps, NDArray context, NDArray y, NDArray hint,
            NDManager scope) {
        throw new IllegalStateException(path.getFileName() + " is a control-LoRA: it runs as the ControlNet made"
                + " from the sampled model (forModel), not on its own");
    }

    @Override
    public synchronized long sizeBytes() {
        return bound.stream().mapToLong(b -> b.net().sizeBytes()).sum();
    }

    @Override
    public synchronized void close() {
        for (Bound b : bound) {
            b.net().close();
        }
        bound.clear();
    }

    @Override
    public String toString() {
        return "control-LoRA " + path.getFileName() + " (" + family.displayName() + ")";
    }
}
