package dev.noodle.engine.sampling;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The guidance mix with a model's {@link GuidancePatch}es, as ComfyUI's {@code cfg_function}: the linear CFG mix
 * uncond + s·(cond − uncond) (Ho &amp; Salimans 2022), or the last mix-replacing patch in its place, then every
 * post-guidance patch in order. All estimates are denoised latents [B, C, H, W]. Stateless.
 */
public final class Guidance {
    private Guidance() {}

    /**
     * Mixes the conditional and unconditional estimates at scale {@code scale}.
     *
     * @param patches the model's guidance patches, in the order they were applied
     * @param cond conditional denoised estimate [B, C, H, W]
     * @param uncond unconditional estimate, or null where it was not computed (cfg 1: zeros, as ComfyUI)
     * @param scale the guidance scale
     * @param x the noisy latent the estimates are for [B, C, H, W]
     * @param sigma its noise level
     * @return the guided estimate [B, C, H, W], in x's manager
     */
    public static NDArray cfg(List<GuidancePatch> patches, NDArray cond, NDArray uncond, float scale, NDArray x,
            float sigma) {
        NDArray u = uncond == null ? cond.zerosLike() : uncond;
        GuidancePatch mix = null;
        for (GuidancePatch p : patches) {
            if (p.replacesMix()) {
                mix = p;
            }
        }
        NDArray out = switch (mix) {
            case null -> u.add(cond.sub(u).mul(scale));
            case GuidancePatch.RescaleCfg r -> rescale(r.multiplier(), cond, u, scale, x, sigma);
            case GuidancePatch.CfgNorm n -> throw new IllegalStateException("CFGNorm does not replace the mix");
        };
        return post(patches, out, cond);
    }

    /**
     * Applies the post-guidance patches alone to an already guided estimate (guiders with their own mix, such as
     * Perp-Neg, which ComfyUI runs without the mix-replacing patch).
     *
     * @param guided the guided estimate [B, C, H, W]
     * @param cond the conditional estimate it was guided from
     */
    public static NDArray post(List<GuidancePatch> patches, NDArray guided, NDArray cond) {
        NDArray out = guided;
        for (GuidancePatch p : patches) {
            if (p instanceof GuidancePatch.CfgNorm n) {
                out = norm(n.strength(), out, cond);
            }
        }
        return out;
    }

    // RescaleCFG on the v-prediction of a σ_data = 1 VP model (Lin et al. 2024, eq. 15-16; ComfyUI RescaleCFG):
    // v = (x/(σ²+1) − D)·sqrt(σ²+1)/σ for each estimate; v_cfg = v_u + s·(v_c − v_u);
    // v_final = φ·v_cfg·std(v_c)/std(v_cfg) + (1 − φ)·v_cfg, std per batch row, unbiased;
    // back to a denoised estimate: x/(σ²+1) − v_final·σ/sqrt(σ²+1).
    private static NDArray rescale(float phi, NDArray cond, NDArray uncond, float scale, NDArray x, float sigma) {
        double s2 = (double) sigma * sigma + 1.0;
        NDArray xs = x.div((float) s2); // [B, C, H, W]
        float toV = (float) (Math.sqrt(s2) / sigma);
        NDArray vc = xs.sub(cond).mul(toV);
        NDArray vu = xs.sub(uncond).mul(toV);
        NDArray vcfg = vu.add(vc.sub(vu).mul(scale));
        NDArray rescaled = vcfg.mul(std(vc).div(std(vcfg)));
        NDArray vfinal = rescaled.mul(phi).add(vcfg.mul(1f - phi));
        return xs.sub(vfinal.mul((float) (sigma / Math.sqrt(s2))));
    }

    // torch.std(t, dim=(1, 2, 3), keepdim=True): unbiased standard deviation per batch row, [B, 1, 1, 1]
    private static NDArray std(NDArray t) {
        int[] axes = {1, 2, 3};
        long n = t.getShape().size() / t.getShape().get(0);
        NDArray centred = t.sub(t.sum(axes, true).div((float) n));
        return centred.square().sum(axes, true).div((float) (n - 1)).sqrt();
    }

    // CFGNorm: scale = clamp(|cond|₂ / (|guided|₂ + 1e-8), 0, 1) over the channel axis; out = guided·scale·strength
    private static NDArray norm(float strength, NDArray guided, NDArray cond) {
        NDArray nc = cond.square().sum(new int[] {1}, true).sqrt(); // [B, 1, H, W]
        NDArray ng = guided.square().sum(new int[] {1}, true).sqrt();
        NDArray scale = nc.div(ng.add(1e-8f)).clip(0f, 1f);
        return guided.mul(scale).mul(strength);
    }
}
