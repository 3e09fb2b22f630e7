package dev.noodle.graph.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A combo whose options are the constants of an enum, spelled in JSON as ComfyUI spells them, read by a node as the
 * constant ({@code in.get(SAMPLER)} gives a {@code SamplerKind}).
 *
 * <p>The schema holds the plain {@link ComboInput} ({@link #spec()}), so editors, validation and JSON see exactly
 * ComfyUI's strings. Immutable and thread-safe.
 *
 * @param spec the combo as declared in the schema
 * @param byName the constant for each option string
 */
public record EnumInput<E extends Enum<E>>(ComboInput spec, Map<String, E> byName) {

    /** Copies the map, keeping the option order. */
    public EnumInput {
        Objects.requireNonNull(spec, "spec");
        byName = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byName));
    }

    /**
     * A required combo over every constant of {@code type}, named by {@code name}; the first constant is the default.
     */
    public static <E extends Enum<E>> EnumInput<E> of(String input, Class<E> type, Function<E, String> name) {
        return of(input, List.of(type.getEnumConstants()), name);
    }

    /** A required combo over these constants, in this order; the first is the default. */
    public static <E extends Enum<E>> EnumInput<E> of(String input, List<E> constants, Function<E, String> name) {
        Map<String, E> map = new LinkedHashMap<>();
        for (E e : constants) {
            if (map.put(name.apply(e), e) != null) {
                throw new IllegalArgumentException("input '" + input + "': two constants named " + name.apply(e));
            }
        }
        return new EnumInput<>(ComboInput.of(input, new ArrayList<>(map.keySet())), map);
    }

    /** The input's name. */
    public String name() {
        return spec.name();
    }

    /** A copy with this default constant. */
    public EnumInput<E> withDefault(E value) {
        String n = nameOf(value);
        return new EnumInput<>(new ComboInput(spec.name(), spec.options(), n, spec.optional(), spec.tooltip()), byName);
    }

    /** A copy marked optional (absent reads as the default). */
    public EnumInput<E> asOptional() {
        return new EnumInput<>(spec.asOptional(), byName);
    }

    /** A copy with this tooltip. */
    public EnumInput<E> withTooltip(String text) {
        return new EnumInput<>(new ComboInput(spec.name(), spec.options(), spec.defaultValue(), spec.optional(), text),
                byName);
    }

    /** The constant for an option string; validation has already checked it is one of the options. */
    public E parse(String option) {
        E e = byName.get(option);
        if (e == null) {
            throw new IllegalArgumentException("input '" + spec.name() + "': '" + option + "' is not one of "
                    + byName.keySet());
        }
        return e;
    }

    /** The option string of a constant. */
    public String nameOf(E value) {
        for (Map.Entry<String, E> en : byName.entrySet()) {
            if (en.getValue() == value) {
                return en.getKey();
            }
        }
        throw new IllegalArgumentException("input '" + spec.name() + "' has no option for " + value);
    }
}
