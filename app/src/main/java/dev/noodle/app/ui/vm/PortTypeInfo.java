package dev.noodle.app.ui.vm;

import dev.noodle.graph.spec.PortType;
import java.util.Locale;
import java.util.Map;

/** Plain-language explanations of what travels on each wire type, for tooltips and the explanation panel. */
public final class PortTypeInfo {
    private static final Map<String, String> TEXT =
            Map.ofEntries(
                    Map.entry("MODEL", "the diffusion model (UNet) that removes noise step by step"),
                    Map.entry("CLIP", "the text encoder that turns words into numbers the model understands"),
                    Map.entry("VAE", "the image autoencoder that converts between pixels and latents"),
                    Map.entry("CONDITIONING", "encoded text (a prompt) that steers what the model draws"),
                    Map.entry("LATENT",
                            "a compressed 1/8-size image the sampler works on (4 channels, not pixels yet)"),
                    Map.entry("IMAGE", "a decoded picture in pixels (RGB, values 0..1)"),
                    Map.entry("MASK", "a single-channel image marking which area to change"),
                    Map.entry("UPSCALE_MODEL", "a network that enlarges images"),
                    Map.entry("CONTROL_NET", "a ControlNet or T2I-Adapter: steers the layout from a control image"
                            + " (edges, depth, pose)"),
                    Map.entry("CLIP_VISION", "the image encoder that turns a picture into numbers (CLIP's image"
                            + " tower)"),
                    Map.entry("CLIP_VISION_OUTPUT", "an encoded picture: what an image prompt is made of"),
                    Map.entry("STYLE_MODEL", "a style adapter that turns an encoded picture into extra prompt"
                            + " tokens"),
                    Map.entry("GLIGEN", "a grounding model that places described objects in boxes"),
                    Map.entry("IPADAPTER", "an IP-Adapter: lets a reference picture prompt the model beside the"
                            + " text"),
                    Map.entry("SIGMAS",
                            "the noise levels (σ) a sampler steps through, highest first, usually ending in 0"),
                    Map.entry("SAMPLER", "the sampling algorithm a custom sampler runs, e.g. euler"),
                    Map.entry("NOISE", "the starting noise a custom sampler adds: seeded, or none"),
                    Map.entry("GUIDER", "the model with the prompts that steer it and how strongly (CFG)"),
                    Map.entry("*", "any kind of value"));

    private PortTypeInfo() {}

    /** What a value of this type is, in one phrase. */
    public static String describe(PortType type) {
        return TEXT.getOrDefault(type.name(), "a " + type.name().toLowerCase(Locale.ROOT) + " value");
    }

    /** The CSS style class for ports and wires of this type, e.g. {@code type-latent}. */
    public static String styleClass(PortType type) {
        String n = type.name().equals("*") ? "any" : type.name();
        return "type-" + n.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A hint for fixing a refused wire between two types. */
    static String hint(PortType from, PortType to) {
        if (from.name().equals("LATENT") && to.name().equals("IMAGE")) {
            return "Decode the latent first with a VAE Decode node.";
        }
        if (from.name().equals("IMAGE") && to.name().equals("LATENT")) {
            return "Encode the image first with a VAE Encode node.";
        }
        return "Look for a node that turns " + from.name() + " into " + to.name() + ".";
    }
}
