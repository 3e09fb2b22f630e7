package dev.noodle.engine.sampling;

/**
 * A change to how guidance mixes the conditional and unconditional estimates, carried by a model (ComfyUI's
 * {@code sampler_cfg_function} / {@code sampler_post_cfg_function} model options). Immutable; applied by
 * {@link Guidance} for every guider.
 */
public sealed interface GuidancePatch {
    /**
     * Whether this patch replaces the linear CFG mix (ComfyUI {@code set_model_sampler_cfg_function}: the last such
     * patch wins) rather than adjusting its result afterwards ({@code set_model_sampler_post_cfg_function}: all
     * applied, in order).
     */
    boolean replacesMix();

    /**
     * RescaleCFG (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps Are Flawed", eq. 15-16): the
     * guided v-prediction is rescaled to the standard deviation of the conditional one, blended by
     * {@code multiplier} with the plain guided value.
     *
     * @param multiplier φ in [0, 1]: 0 = plain CFG, 1 = fully rescaled
     */
    record RescaleCfg(float multiplier) implements GuidancePatch {
        /** Checks the multiplier is finite. */
        public RescaleCfg {
            if (!Float.isFinite(multiplier)) {
                throw new IllegalArgumentException("RescaleCFG multiplier must be finite, got " + multiplier);
            }
        }

        @Override
        public boolean replacesMix() {
            return true;
        }
    }

    /**
     * CFGNorm (ComfyUI {@code comfy_extras/nodes_cfg.py}): after guidance, each pixel's channel vector is shrunk so
     * its norm does not exceed the conditional estimate's, then scaled by {@code strength}.
     *
     * @param strength factor on the normalised result (1 = normalise only)
     */
    record CfgNorm(float strength) implements GuidancePatch {
        /** Checks the strength is finite. */
        public CfgNorm {
            if (!Float.isFinite(strength)) {
                throw new IllegalArgumentException("CFGNorm strength must be finite, got " + strength);
            }
        }

        @Override
        public boolean replacesMix() {
            return false;
        }
    }
}
