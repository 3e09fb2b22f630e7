package dev.noodle.nodes.library;

import java.util.Locale;
import java.util.Optional;

/**
 * The base model a file was made for, as model pages name it: SD 1.x, SD 2.x, SDXL, the SDXL refiner, and Pony
 * (an SDXL fine-tune whose LoRAs and embeddings are published apart from plain SDXL ones). {@link #UNKNOWN} when
 * neither the file nor its sidecar files tell.
 */
public enum BaseModel {
    SD1("sd15", "SD 1.x"),
    SD2("sd2", "SD 2.x"),
    SDXL("sdxl", "SDXL"),
    SDXL_REFINER("sdxl-refiner", "SDXL refiner"),
    PONY("pony", "Pony (SDXL)"),
    UNKNOWN("unknown", "an unknown base model");

    private final String id;
    private final String displayName;

    BaseModel(String id, String displayName) {
        this.id = id;
        this.displayName = displayName;
    }

    /** Short name used on the command line and in the database: sd15, sd2, sdxl, sdxl-refiner, pony, unknown. */
    public String id() {
        return id;
    }

    /** "SD 1.x", "SDXL", "Pony (SDXL)": the base as users call it. */
    public String displayName() {
        return displayName;
    }

    /** Whether a file of this base runs on the SDXL architecture (SDXL and Pony). */
    public boolean sdxlFamily() {
        return this == SDXL || this == PONY;
    }

    /**
     * Whether a list filtered by {@code filter} shows this base: the same base, or Pony under an SDXL filter (Pony
     * files run on SDXL checkpoints).
     */
    public boolean shownUnder(BaseModel filter) {
        return this == filter || (filter == SDXL && this == PONY);
    }

    /** Parses a command-line or database name (sd15, sd1, sd2, sdxl, sdxl-refiner, pony, unknown). */
    public static Optional<BaseModel> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String t = text.strip().toLowerCase(Locale.ROOT).replace(" ", "").replace("_", "-");
        return Optional.ofNullable(switch (t) {
            case "sd15", "sd1", "sd1.5", "sd1.x", "sd14", "sd1.4" -> SD1;
            case "sd2", "sd2.x", "sd20", "sd21", "sd2.0", "sd2.1" -> SD2;
            case "sdxl", "xl" -> SDXL;
            case "sdxl-refiner", "refiner" -> SDXL_REFINER;
            case "pony" -> PONY;
            case "unknown" -> UNKNOWN;
            default -> null;
        });
    }

    /**
     * The base a model page or sidecar names: Civitai's {@code baseModel} ("SD 1.5", "SD 2.1 768", "SDXL 1.0",
     * "SDXL Turbo", "Pony", "Illustrious" …) or A1111's {@code "sd version"} ("SD1", "SD2", "SDXL"). Empty for
     * bases Noodle does not run (Flux, SD 3 …) and for "Unknown".
     */
    public static Optional<BaseModel> fromLabel(String label) {
        if (label == null || label.isBlank()) {
            return Optional.empty();
        }
        String l = label.strip().toLowerCase(Locale.ROOT);
        if (l.contains("pony")) {
            return Optional.of(PONY);
        }
        if (l.contains("refiner")) {
            return Optional.of(SDXL_REFINER);
        }
        if (l.startsWith("sdxl") || l.startsWith("sd xl") || l.equals("xl") || l.startsWith("illustrious")
                || l.startsWith("noobai")) {
            return Optional.of(SDXL);
        }
        if (l.matches("sd ?1([.].*|)") || l.startsWith("sd 1") || l.startsWith("sd1")) {
            return Optional.of(SD1);
        }
        if (l.startsWith("sd 2") || l.startsWith("sd2")) {
            return Optional.of(SD2);
        }
        return Optional.empty();
    }
}
