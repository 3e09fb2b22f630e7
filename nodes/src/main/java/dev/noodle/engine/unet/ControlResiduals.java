package dev.noodle.engine.unet;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Feature maps a control model (ControlNet, T2I-Adapter) adds inside one UNet pass, as LDM's {@code apply_control}
 * places them: {@code input[i]} is added to the output of input block i before it becomes a skip connection (T2I
 * adapters), {@code middle} to the middle block's output, and {@code output[i]} to skip connection i when the
 * output blocks take it (ControlNet's zero-conv outputs: one per input block). Entries may be null (nothing added
 * there); lists may be shorter than the number of input blocks. Immutable; the arrays belong to the caller's scope.
 *
 * @param input per input block, added to its output, or null entries
 * @param middle added to the middle block's output, or null
 * @param output per input block, added to its skip connection, or null entries
 */
public record ControlResiduals(List<NDArray> input, NDArray middle, List<NDArray> output) {
    /** Nothing added anywhere. */
    public static final ControlResiduals NONE = new ControlResiduals(List.of(), null, List.of());

    public ControlResiduals {
        input = Collections.unmodifiableList(new ArrayList<>(input));
        output = Collections.unmodifiableList(new ArrayList<>(output));
    }

    /** Residuals of a ControlNet: one per input block (skip connections) and the middle block's. */
    public static ControlResiduals ofSkips(List<NDArray> perInputBlock, NDArray middle) {
        return new ControlResiduals(List.of(), middle, perInputBlock);
    }

    /** Residuals of a T2I adapter: added to input block outputs (null where it adds nothing), and to the middle. */
    public static ControlResiduals ofInputs(List<NDArray> perInputBlock, NDArray middle) {
        return new ControlResiduals(perInputBlock, middle, List.of());
    }

    /** Every map times {@code factor} (a control's strength). */
    public ControlResiduals times(float factor) {
        return new ControlResiduals(scale(input, factor), middle == null ? null : middle.mul(factor),
                scale(output, factor));
    }

    /** The sum of both, place by place (chained controls: ComfyUI's control_merge adds the previous control's). */
    public ControlResiduals plus(ControlResiduals o) {
        return new ControlResiduals(add(input, o.input), add(middle, o.middle), add(output, o.output));
    }

    /** The input-block residual at i, or null. */
    public NDArray inputAt(int i) {
        return i < input.size() ? input.get(i) : null;
    }

    /** The skip residual at input block i, or null. */
    public NDArray outputAt(int i) {
        return i < output.size() ? output.get(i) : null;
    }

    private static List<NDArray> scale(List<NDArray> maps, float f) {
        List<NDArray> r = new ArrayList<>();
        for (NDArray a : maps) {
            r.add(a == null ? null : a.mul(f));
        }
        return r;
    }

    private static List<NDArray> add(List<NDArray> a, List<NDArray> b) {
        List<NDArray> r = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            r.add(add(i < a.size() ? a.get(i) : null, i < b.size() ? b.get(i) : null));
        }
        return r;
    }

    private static NDArray add(NDArray a, NDArray b) {
        return a == null ? b : b == null ? a : a.add(b);
    }
}
