package dev.noodle.engine.model;

/**
 * The Stable Diffusion checkpoint families Noodle runs, each plain or as its 9-channel inpainting variant, and the
 * SDXL refiner (its own UNet and OpenCLIP bigG alone; it has no inpainting variant).
 */
public enum ModelFamily {
    SD1(false, 768, 0.18215f),
    SD1_INPAINT(true, 768, 0.18215f),
    SD2(false, 1024, 0.18215f),
    SD2_INPAINT(true, 1024, 0.18215f),
    SDXL(false, 2048, 0.13025f),
    SDXL_INPAINT(true, 2048, 0.13025f),
    SDXL_REFINER(false, 1280, 0.13025f);

    private final boolean inpainting;
    private final int contextWidth;
    private final float latentScale;

    ModelFamily(boolean inpainting, int contextWidth, float latentScale) {
        this.inpainting = inpainting;
        this.contextWidth = contextWidth;
        this.latentScale = latentScale;
    }

    /** Whether the UNet takes 9 input channels (latent + mask + masked-image latent). */
    public boolean inpainting() {
        return inpainting;
    }

    /** Cross-attention context width: 768 (CLIP-L), 1024 (OpenCLIP H), 2048 (CLIP-L ‖ bigG), 1280 (bigG alone). */
    public int contextWidth() {
        return contextWidth;
    }

    /** VAE latent scale factor (0.18215 for SD1/2, 0.13025 for SDXL). */
    public float latentScale() {
        return latentScale;
    }

    /** "SD 1.x", "SD 2.x inpainting", "SDXL", "SDXL refiner": the family as users call it. */
    public String displayName() {
        String name = switch (base()) {
            case SD1 -> "SD 1.x";
            case SD2 -> "SD 2.x";
            case SDXL_REFINER -> "SDXL refiner";
            default -> "SDXL";
        };
        return inpainting ? name + " inpainting" : name;
    }

    /**
     * Whether the family works in SDXL's latent space (the SDXL VAE, its latent scale and preview colours): SDXL,
     * its inpainting variant and the refiner.
     */
    public boolean sdxlLatents() {
        return this == SDXL || this == SDXL_INPAINT || this == SDXL_REFINER;
    }

    /** The family without the inpainting variant. */
    public ModelFamily base() {
        return switch (this) {
            case SD1, SD1_INPAINT -> SD1;
            case SD2, SD2_INPAINT -> SD2;
            case SDXL, SDXL_INPAINT -> SDXL;
            case SDXL_REFINER -> SDXL_REFINER;
        };
    }

    /**
     * The family with or without the inpainting variant.
     *
     * @throws IllegalArgumentException for an inpainting SDXL refiner, which does not exist
     */
    public ModelFamily withInpainting(boolean inpaint) {
        return switch (base()) {
            case SD1 -> inpaint ? SD1_INPAINT : SD1;
            case SD2 -> inpaint ? SD2_INPAINT : SD2;
            case SDXL_REFINER -> {
                if (inpaint) {
                    throw new IllegalArgumentException("there is no inpainting variant of the SDXL refiner");
                }
                yield SDXL_REFINER;
            }
            default -> inpaint ? SDXL_INPAINT : SDXL;
        };
    }
}
