package dev.noodle.graph.spec;

import java.util.Objects;

/**
 * The type of a socket on a node, named like ComfyUI's types ({@code "MODEL"}, {@code "LATENT"}, ...).
 *
 * <p>Immutable and thread-safe. {@link #ANY} ({@code "*"}) connects to everything.
 */
public record PortType(String name) {
    public static final PortType MODEL = new PortType("MODEL");
    public static final PortType CLIP = new PortType("CLIP");
    public static final PortType VAE = new PortType("VAE");
    public static final PortType CONDITIONING = new PortType("CONDITIONING");
    public static final PortType LATENT = new PortType("LATENT");
    public static final PortType IMAGE = new PortType("IMAGE");
    public static final PortType MASK = new PortType("MASK");
    public static final PortType UPSCALE_MODEL = new PortType("UPSCALE_MODEL");
    public static final PortType CONTROL_NET = new PortType("CONTROL_NET");
    public static final PortType CLIP_VISION = new PortType("CLIP_VISION");
    public static final PortType CLIP_VISION_OUTPUT = new PortType("CLIP_VISION_OUTPUT");
    public static final PortType STYLE_MODEL = new PortType("STYLE_MODEL");
    public static final PortType GLIGEN = new PortType("GLIGEN");
    public static final PortType IPADAPTER = new PortType("IPADAPTER");
    public static final PortType SIGMAS = new PortType("SIGMAS");
    public static final PortType SAMPLER = new PortType("SAMPLER");
    public static final PortType NOISE = new PortType("NOISE");
    public static final PortType GUIDER = new PortType("GUIDER");
    public static final PortType INT = new PortType("INT");
    public static final PortType FLOAT = new PortType("FLOAT");
    public static final PortType STRING = new PortType("STRING");
    public static final PortType BOOLEAN = new PortType("BOOLEAN");
    public static final PortType ANY = new PortType("*");

    /** Creates a port type; the name must be non-blank. */
    public PortType {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("port type name must not be blank");
        }
    }

    /** Returns the port type with this name. */
    public static PortType of(String name) {
        return new PortType(name);
    }

    /** Returns true when an output of type {@code from} may feed an input of this type. */
    public boolean accepts(PortType from) {
        return from != null && (name.equals(from.name) || isAny() || from.isAny());
    }

    /** Returns true for the wildcard type {@code "*"}. */
    public boolean isAny() {
        return "*".equals(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
