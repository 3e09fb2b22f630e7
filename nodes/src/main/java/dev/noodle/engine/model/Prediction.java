package dev.noodle.engine.model;

/** What the UNet predicts, as far as the file tells: noise (eps), velocity (v), EDM velocity, or not stated. */
public enum Prediction {
    /** Noise prediction (SD1, SDXL, SD2-base). */
    EPS,
    /** v-prediction on the discrete schedule, stated by a {@code v_pred} key. */
    V,
    /**
     * v-prediction on the continuous EDM schedule (cosxl, cosxl_edit), stated by {@code edm_vpred.sigma_max} (and
     * {@code edm_vpred.sigma_min}) tensors holding the σ range, as ComfyUI's V_PREDICTION_EDM.
     */
    EDM_V,
    /** SD2 file without a marker: the 768-px models predict v, 512-base eps; let the user choose. */
    UNKNOWN
}
