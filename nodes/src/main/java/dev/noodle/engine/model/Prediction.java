package dev.noodle.engine.model;

/** What the UNet predicts, as far as the file tells: noise (eps), velocity (v), or not stated. */
public enum Prediction {
    /** Noise prediction (SD1, SDXL, SD2-base). */
    EPS,
    /** v-prediction, stated by a {@code v_pred} or {@code edm_vpred.*} key. */
    V,
    /** SD2 file without a marker: the 768-px models predict v, 512-base eps; let the user choose. */
    UNKNOWN
}
