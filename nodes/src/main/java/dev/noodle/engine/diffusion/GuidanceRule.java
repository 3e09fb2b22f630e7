package dev.noodle.engine.diffusion;

import dev.noodle.engine.sampling.CfgDenoiser;
import dev.noodle.engine.sampling.Denoiser;
import dev.noodle.engine.sampling.DualCfgDenoiser;
import dev.noodle.engine.sampling.GuidancePatch;
import dev.noodle.engine.sampling.ModelSampling;
import dev.noodle.engine.sampling.PerpNegDenoiser;
import java.util.List;

/**
 * How a run mixes its conditionings into one denoised estimate (ComfyUI's guider classes): classifier-free guidance
 * between the request's positive and negative, or a guider with conditionings of its own. Each gives its lists
 * opposite areas ({@link OppositeAreas}) in ComfyUI's key order first. Immutable.
 */
public sealed interface GuidanceRule {
    /** KSampler's and CFGGuider's rule: CFG at the request's scale (its negative unused at cfg 1). */
    GuidanceRule CFG = new Cfg();

    /**
     * The denoiser for a run.
     *
     * @param model the network with area/mask/timestep-range conditioning
     * @param r the request: its positive, negative and cfg
     * @param patches the model's guidance patches
     */
    Denoiser denoiser(ModelSampling sampling, ConditionedUNet model, SamplingRequest r, List<GuidancePatch> patches);

    /** Classifier-free guidance (CfgDenoiser). */
    record Cfg() implements GuidanceRule {
        @Override
        public Denoiser denoiser(ModelSampling sampling, ConditionedUNet model, SamplingRequest r,
                List<GuidancePatch> patches) {
            // the negative goes along at cfg 1 too: CfgDenoiser skips it there except for the CFG++ samplers'
            // unconditional estimate (ComfyUI's disable_cfg1_optimization); none (BasicGuider) stays none
            boolean one = Math.abs(r.cfg() - 1f) < 1e-6f;
            List<List<CondEntry>> c = OppositeAreas.apply(List.of(r.positive(), r.negative()));
            List<CondEntry> negative = c.get(1).isEmpty() && one ? null : c.get(1);
            return new CfgDenoiser<>(sampling, model, c.get(0), negative, r.cfg(), patches);
        }
    }

    /**
     * DualCFGGuider: the request's positive is cond1 and its negative the negative.
     *
     * @param cond2 the middle conditioning
     * @param cfgConds scale from cond2 towards cond1
     * @param cfgCond2Negative scale from the negative towards cond2
     * @param nested the "nested" style
     */
    record DualCfg(List<CondEntry> cond2, float cfgConds, float cfgCond2Negative, boolean nested)
            implements GuidanceRule {
        /** Copies the list. */
        public DualCfg {
            cond2 = List.copyOf(cond2);
        }

        @Override
        public Denoiser denoiser(ModelSampling sampling, ConditionedUNet model, SamplingRequest r,
                List<GuidancePatch> patches) {
            List<List<CondEntry>> c = OppositeAreas.apply(List.of(r.positive(), cond2, r.negative()));
            return new DualCfgDenoiser<>(sampling, model, c.get(0), c.get(1), c.get(2), cfgConds, cfgCond2Negative,
                    nested, patches);
        }
    }

    /**
     * PerpNegGuider: the request's positive, negative and cfg, measured from an empty prompt.
     *
     * @param empty the empty prompt's conditioning
     * @param negScale weight of the negative's perpendicular part
     */
    record PerpNeg(List<CondEntry> empty, float negScale) implements GuidanceRule {
        /** Copies the list. */
        public PerpNeg {
            empty = List.copyOf(empty);
        }

        @Override
        public Denoiser denoiser(ModelSampling sampling, ConditionedUNet model, SamplingRequest r,
                List<GuidancePatch> patches) {
            List<List<CondEntry>> c = OppositeAreas.apply(List.of(r.positive(), empty, r.negative()));
            return new PerpNegDenoiser<>(sampling, model, c.get(0), c.get(2), c.get(1), r.cfg(), negScale, patches);
        }
    }
}
