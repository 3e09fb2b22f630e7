package dev.noodle.nodes.values;

import java.util.Objects;

/**
 * The GUIDER wire value, as ComfyUI's guider objects: the model, the conditioning it is steered by and the rule that
 * mixes them. CFGGuider is classifier-free guidance at {@code cfg}; BasicGuider is a guider with no negative at cfg 1
 * (the positive prediction alone); DualCFGGuider and PerpNegGuider add conditionings of their own ({@link Mode}).
 *
 * @param model the diffusion model
 * @param positive the conditioning to follow (DualCFGGuider: cond1)
 * @param negative the conditioning to steer away from, or null (BasicGuider)
 * @param cfg the guidance scale (DualCFGGuider: cfg_conds)
 * @param mode how the conditionings mix
 */
public record GuiderValue(ModelValue model, ConditioningValue positive, ConditioningValue negative, float cfg,
        Mode mode) {
    /** Checks the model and positive conditioning are present, and a guider without negative has cfg 1. */
    public GuiderValue {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(positive, "positive");
        Objects.requireNonNull(mode, "mode");
        if (negative == null && cfg != 1f) {
            throw new IllegalArgumentException("a guider without negative conditioning runs at cfg 1, not " + cfg);
        }
        if (negative == null && !(mode instanceof Cfg)) {
            throw new IllegalArgumentException(mode + " needs negative conditioning");
        }
    }

    /** A classifier-free-guidance guider (CFGGuider). */
    public GuiderValue(ModelValue model, ConditioningValue positive, ConditioningValue negative, float cfg) {
        this(model, positive, negative, cfg, Cfg.INSTANCE);
    }

    /** ComfyUI BasicGuider: the positive conditioning alone. */
    public static GuiderValue basic(ModelValue model, ConditioningValue conditioning) {
        return new GuiderValue(model, conditioning, null, 1f);
    }

    /** How a guider mixes its conditionings. */
    public sealed interface Mode {}

    /** Classifier-free guidance between positive and negative. */
    public record Cfg() implements Mode {
        /** The one instance. */
        public static final Cfg INSTANCE = new Cfg();
    }

    /**
     * DualCFGGuider's rule.
     *
     * @param cond2 the middle conditioning
     * @param cfgCond2Negative scale from the negative towards cond2
     * @param nested ComfyUI's "nested" style instead of "regular"
     */
    public record DualCfg(ConditioningValue cond2, float cfgCond2Negative, boolean nested) implements Mode {
        /** Checks cond2 is present. */
        public DualCfg {
            Objects.requireNonNull(cond2, "cond2");
        }
    }

    /**
     * PerpNegGuider's rule.
     *
     * @param empty the empty prompt's conditioning
     * @param negScale weight of the negative's part perpendicular to the positive
     */
    public record PerpNeg(ConditioningValue empty, float negScale) implements Mode {
        /** Checks the empty conditioning is present. */
        public PerpNeg {
            Objects.requireNonNull(empty, "empty");
        }
    }

    @Override
    public String toString() {
        return switch (mode) {
            case Cfg c -> negative == null ? "GUIDER basic" : "GUIDER cfg " + cfg;
            case DualCfg d -> "GUIDER dual cfg " + cfg + " / " + d.cfgCond2Negative() + (d.nested() ? " nested" : "");
            case PerpNeg p -> "GUIDER perp-neg cfg " + cfg + ", neg_scale " + p.negScale();
        };
    }
}
