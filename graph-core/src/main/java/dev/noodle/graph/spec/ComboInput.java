package dev.noodle.graph.spec;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A choice among strings whose options are computed when needed (e.g. files in a models folder).
 *
 * @param options evaluated at validation and UI time; must be cheap and thread-safe
 * @param defaultValue the preselected option, or null for the first option
 */
public record ComboInput(
        String name,
        Supplier<List<String>> options,
        String defaultValue,
        boolean optional,
        String tooltip)
        implements InputSpec {

    /** Checks the supplier is present. */
    public ComboInput {
        Objects.requireNonNull(options, "options");
        tooltip = tooltip == null ? "" : tooltip;
    }

    /** A required combo over a fixed list; the first entry is the default. */
    public static ComboInput of(String name, List<String> options) {
        List<String> copy = List.copyOf(options);
        return new ComboInput(name, () -> copy, null, false, "");
    }

    /** A required combo over a fixed list. */
    public static ComboInput of(String name, String... options) {
        return of(name, List.of(options));
    }

    /** A required combo whose options are computed on each call (e.g. a folder listing). */
    public static ComboInput dynamic(String name, Supplier<List<String>> options) {
        return new ComboInput(name, options, null, false, "");
    }

    /**
     * A combo whose options the user writes on the node itself (ComfyUI's {@code CustomCombo}): the schema lists no
     * options, and any text is a valid value. The options live with the node in the workflow file, not in the schema.
     */
    public static ComboInput userDefined(String name) {
        return new ComboInput(name, new UserOptions(), null, false, "");
    }

    /** Whether the options are written by the user on the node, so that any text is accepted ({@link #userDefined}). */
    public boolean isUserDefined() {
        return options instanceof UserOptions;
    }

    /** The schema-side options of a user-defined combo: none. Kept by copies that reuse {@link #options()}. */
    private static final class UserOptions implements Supplier<List<String>> {
        @Override
        public List<String> get() {
            return List.of();
        }
    }

    /**
     * Options that also accept values they do not list, as ComfyUI's {@code VALIDATE_INPUTS} does for
     * {@code LoadImage} (a mask saved as {@code clipspace/clipspace-mask-1.png [input]} is valid without being
     * offered).
     */
    public interface OpenOptions extends Supplier<List<String>> {
        /** Whether {@code value} is a valid choice, listed or not. Cheap and thread-safe. */
        boolean accepts(String value);
    }

    /** A required combo over {@code options}, which may accept values beyond those listed. */
    public static ComboInput open(String name, OpenOptions options) {
        return new ComboInput(name, options, null, false, "");
    }

    /** Whether {@code value} is a valid choice: one of the current options, or one the options accept. */
    public boolean accepts(String value) {
        if (value == null) {
            return false;
        }
        return currentOptions().contains(value) || options instanceof OpenOptions o && o.accepts(value);
    }

    /** The current options, never null. */
    public List<String> currentOptions() {
        List<String> list = options.get();
        return list == null ? List.of() : list;
    }

    /** The default value, or the first current option when none was given (null when there are no options). */
    public String effectiveDefault() {
        if (defaultValue != null) {
            return defaultValue;
        }
        List<String> list = currentOptions();
        return list.isEmpty() ? null : list.get(0);
    }

    /** A copy marked optional. */
    public ComboInput asOptional() {
        return new ComboInput(name, options, defaultValue, true, tooltip);
    }
}
