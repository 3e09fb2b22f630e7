package dev.noodle.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.noodle.graph.node.NodeRegistry;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import dev.noodle.nodes.host.NodeEnvironment;
import dev.noodle.nodes.host.NoodleNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that the guidance, conditioning, model-sampling, sampler, pixel-image and custom-combo nodes have exactly
 * ComfyUI's shapes.
 *
 * <p>The expected table is written by hand from ComfyUI's Python definitions ({@code nodes.py},
 * {@code comfy_extras/nodes_custom_sampler.py}, {@code nodes_model_advanced.py}, {@code nodes_perpneg.py},
 * {@code nodes_cfg.py}, {@code nodes_ip2p.py}, {@code nodes_model_merging.py},
 * {@code nodes_model_merging_model_specific.py}, {@code nodes_post_processing.py}, {@code nodes_images.py},
 * {@code nodes_logic.py} and {@code comfy/samplers.py}'s name lists): node id, display name,
 * category, then every input in order as {@code name:TYPE=default[min,max,step;round]} (combos as
 * {@code name:COMBO[options]}, seeds suffixed {@code +control_after_generate}, optional inputs prefixed {@code ?}),
 * then every output as {@code TYPE:name}. Noodle's few documented differences are applied explicitly below.
 */
class ComfyShapesTest {
    @TempDir
    Path dir;

    /** comfy/samplers.py SAMPLER_NAMES: KSAMPLER_NAMES + ["ddim", "uni_pc", "uni_pc_bh2"]. */
    static final String SAMPLER_NAMES = "euler,euler_cfg_pp,euler_ancestral,euler_ancestral_cfg_pp,heun,heunpp2,"
            + "exp_heun_2_x0,exp_heun_2_x0_sde,dpm_2,dpm_2_ancestral,lms,dpm_fast,dpm_adaptive,dpmpp_2s_ancestral,"
            + "dpmpp_2s_ancestral_cfg_pp,dpmpp_sde,dpmpp_sde_gpu,dpmpp_2m,dpmpp_2m_cfg_pp,dpmpp_2m_sde,"
            + "dpmpp_2m_sde_gpu,dpmpp_2m_sde_heun,dpmpp_2m_sde_heun_gpu,dpmpp_3m_sde,dpmpp_3m_sde_gpu,ddpm,lcm,ipndm,"
            + "ipndm_v,deis,res_multistep,res_multistep_cfg_pp,res_multistep_ancestral,"
            + "res_multistep_ancestral_cfg_pp,gradient_estimation,gradient_estimation_cfg_pp,er_sde,seeds_2,seeds_3,"
            + "sa_solver,sa_solver_pece,ddim,uni_pc,uni_pc_bh2";

    /** comfy/samplers.py SCHEDULER_NAMES (the order of SCHEDULER_HANDLERS). */
    static final String SCHEDULER_NAMES =
            "simple,sgm_uniform,karras,exponential,ddim_uniform,beta,normal,linear_quadratic,kl_optimal";

    static final String CFG = "cfg:FLOAT=8.0[0.0,100.0,0.1;0.01]";
    static final String ETA = "eta:FLOAT=1.0[0.0,100.0,0.01;0.0]";
    static final String S_NOISE = "s_noise:FLOAT=1.0[0.0,100.0,0.01;0.0]";
    static final String NOISE_DEVICE = "noise_device:COMBO[gpu,cpu]";
    static final String SAMPLER_OUT = "SAMPLER:SAMPLER";
    static final String COND_OUT = "CONDITIONING:CONDITIONING";
    static final String SIGMAS_OUT = "SIGMAS:SIGMAS";
    static final String SIGMA_MAX = "sigma_max:FLOAT=14.614642[0.0,5000.0,0.01;0.0]";
    static final String SIGMA_MIN = "sigma_min:FLOAT=0.0291675[0.0,5000.0,0.01;0.0]";

    /** ComfyUI's seed widget: default 0, range [0, 0xffffffffffffffff], control_after_generate. */
    static final String SEED = "INT=0[0,18446744073709551615,1]+control_after_generate";

    /**
     * Noodle's one deliberate difference in ranges: ints are signed 64-bit, so a seed's maximum is
     * {@link Long#MAX_VALUE} rather than ComfyUI's 2^64-1 (see {@code IntInput.seed}).
     */
    static final String NOODLE_SEED = "INT=0[0,9223372036854775807,1]+control_after_generate";

    /**
     * Optional inputs Noodle adds after ComfyUI's (README, Workflows): KSampler's and KSamplerAdvanced's
     * {@code noise_mode} picks A1111's GPU seed noise. Optional and last, so ComfyUI workflows load unchanged.
     */
    static final Map<String, List<String>> NOODLE_EXTRA_INPUTS = Map.of(
            "KSampler", List.of("?noise_mode:COMBO[comfy,a1111]"),
            "KSamplerAdvanced", List.of("?noise_mode:COMBO[comfy,a1111]"),
            // ComfyUI's frontend keeps CustomCombo's index in a hidden widget right after choice (widgets_values
            // [choice, index, option0, ...]) and sends it in the prompt, where the node returns it as INDEX.
            "CustomCombo", List.of("?index:INT=0[-1,2147483647,1]"));

    /** ComfyUI's shape with Noodle's documented differences applied. */
    static List<String> noodleExpected(String type, List<String> comfy) {
        List<String> out = new ArrayList<>();
        for (String item : comfy) {
            if (item.equals("->")) {
                out.addAll(NOODLE_EXTRA_INPUTS.getOrDefault(type, List.of()));
            }
            out.add(item.endsWith(":" + SEED) ? item.replace(SEED, NOODLE_SEED) : item);
        }
        return out;
    }

    /** Expected shapes: node id → [display, category, inputs..., "->", outputs...]. */
    static Map<String, List<String>> expected() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("DualCFGGuider", List.of("Dual CFG Guider", "sampling/guiders", "model:MODEL", "cond1:CONDITIONING",
                "cond2:CONDITIONING", "negative:CONDITIONING", "cfg_conds:FLOAT=8.0[0.0,100.0,0.1;0.01]",
                "cfg_cond2_negative:FLOAT=8.0[0.0,100.0,0.1;0.01]", "style:COMBO[regular,nested]", "->",
                "GUIDER:GUIDER"));
        m.put("PerpNegGuider", List.of("PerpNegGuider", "_for_testing", "model:MODEL", "positive:CONDITIONING",
                "negative:CONDITIONING", "empty_conditioning:CONDITIONING", CFG,
                "neg_scale:FLOAT=1.0[0.0,100.0,0.01;0.0]", "->", "GUIDER:GUIDER"));
        m.put("RescaleCFG", List.of("RescaleCFG", "advanced/model", "model:MODEL",
                "multiplier:FLOAT=0.7[0.0,1.0,0.01;0.0]", "->", "MODEL:MODEL"));
        m.put("CFGNorm", List.of("CFGNorm", "advanced/guidance", "model:MODEL",
                "strength:FLOAT=1.0[0.0,100.0,0.01;0.0]", "->", "MODEL:patched_model"));
        m.put("ConditioningZeroOut", List.of("ConditioningZeroOut", "advanced/conditioning",
                "conditioning:CONDITIONING", "->", COND_OUT));
        m.put("ConditioningSetTimestepRange", List.of("ConditioningSetTimestepRange", "advanced/conditioning",
                "conditioning:CONDITIONING", "start:FLOAT=0.0[0.0,1.0,0.001;0.0]", "end:FLOAT=1.0[0.0,1.0,0.001;0.0]",
                "->", COND_OUT));
        // nodes.py maps "ConditioningAverage " (trailing space), so the display name falls back to the id.
        m.put("ConditioningAverage", List.of("ConditioningAverage", "conditioning",
                "conditioning_to:CONDITIONING", "conditioning_from:CONDITIONING",
                "conditioning_to_strength:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", COND_OUT));
        m.put("ConditioningConcat", List.of("Conditioning (Concat)", "conditioning", "conditioning_to:CONDITIONING",
                "conditioning_from:CONDITIONING", "->", COND_OUT));
        m.put("ConditioningSetAreaPercentage", List.of("Conditioning (Set Area with Percentage)", "conditioning",
                "conditioning:CONDITIONING", "width:FLOAT=1.0[0.0,1.0,0.01;0.0]", "height:FLOAT=1.0[0.0,1.0,0.01;0.0]",
                "x:FLOAT=0.0[0.0,1.0,0.01;0.0]", "y:FLOAT=0.0[0.0,1.0,0.01;0.0]",
                "strength:FLOAT=1.0[0.0,10.0,0.01;0.0]", "->", COND_OUT));
        m.put("ConditioningSetAreaStrength", List.of("ConditioningSetAreaStrength", "conditioning",
                "conditioning:CONDITIONING", "strength:FLOAT=1.0[0.0,10.0,0.01;0.0]", "->", COND_OUT));
        m.put("ConditioningSetMask", List.of("Conditioning (Set Mask)", "conditioning", "conditioning:CONDITIONING",
                "mask:MASK", "strength:FLOAT=1.0[0.0,10.0,0.01;0.0]", "set_cond_area:COMBO[default,mask bounds]", "->",
                COND_OUT));
        m.put("ModelSamplingDiscrete", List.of("ModelSamplingDiscrete", "advanced/model", "model:MODEL",
                "sampling:COMBO[eps,v_prediction,lcm,x0,img_to_img]", "zsnr:BOOLEAN=false", "->", "MODEL:MODEL"));
        m.put("ModelSamplingContinuousEDM", List.of("ModelSamplingContinuousEDM", "advanced/model", "model:MODEL",
                "sampling:COMBO[v_prediction,edm,edm_playground_v2.5,eps,cosmos_rflow]",
                "sigma_max:FLOAT=120.0[0.0,1000.0,0.001;0.0]", "sigma_min:FLOAT=0.002[0.0,1000.0,0.001;0.0]", "->",
                "MODEL:MODEL"));
        m.put("ModelSamplingContinuousV", List.of("ModelSamplingContinuousV", "advanced/model", "model:MODEL",
                "sampling:COMBO[v_prediction]", "sigma_max:FLOAT=500.0[0.0,1000.0,0.001;0.0]",
                "sigma_min:FLOAT=0.03[0.0,1000.0,0.001;0.0]", "->", "MODEL:MODEL"));
        // comfy_extras/nodes_model_merging.py and nodes_model_merging_model_specific.py
        String ratio = ":FLOAT=1.0[0.0,1.0,0.01;0.0]";
        List<String> blocks = new ArrayList<>(List.of("ModelMergeBlocks", "advanced/model_merging", "model1:MODEL",
                "model2:MODEL", "input" + ratio, "middle" + ratio, "out" + ratio, "->", "MODEL:MODEL"));
        m.put("ModelMergeBlocks", blocks);
        for (String sd : List.of("ModelMergeSD1", "ModelMergeSD2", "ModelMergeSDXL")) {
            boolean xl = sd.equals("ModelMergeSDXL");
            String sep = xl ? "" : ".";
            List<String> row = new ArrayList<>(List.of(sd, "advanced/model_merging/model_specific", "model1:MODEL",
                    "model2:MODEL", "time_embed." + ratio, "label_emb." + ratio));
            for (int i = 0; i < (xl ? 9 : 12); i++) {
                row.add("input_blocks." + i + sep + ratio);
            }
            for (int i = 0; i < 3; i++) {
                row.add("middle_block." + i + sep + ratio);
            }
            for (int i = 0; i < (xl ? 9 : 12); i++) {
                row.add("output_blocks." + i + sep + ratio);
            }
            row.addAll(List.of("out." + ratio, "->", "MODEL:MODEL"));
            m.put(sd, row);
        }
        m.put("ModelMergeSimple", List.of("ModelMergeSimple", "advanced/model_merging", "model1:MODEL",
                "model2:MODEL", "ratio" + ratio, "->", "MODEL:MODEL"));
        m.put("ModelMergeSubtract", List.of("ModelMergeSubtract", "advanced/model_merging", "model1:MODEL",
                "model2:MODEL", "multiplier:FLOAT=1.0[-10.0,10.0,0.01;0.0]", "->", "MODEL:MODEL"));
        // comfy_extras/nodes_lora_extract.py; an output node with no outputs
        m.put("LoraSave", List.of("Extract and Save Lora", "_for_testing",
                "filename_prefix:STRING=loras/ComfyUI_extracted_lora", "rank:INT=8[1,4096,1]",
                "lora_type:COMBO[standard,full_diff]", "bias_diff:BOOLEAN=true", "?model_diff:MODEL",
                "?text_encoder_diff:CLIP", "->"));
        m.put("ModelMergeAdd", List.of("ModelMergeAdd", "advanced/model_merging", "model1:MODEL", "model2:MODEL",
                "->", "MODEL:MODEL"));
        m.put("CLIPMergeSimple", List.of("CLIPMergeSimple", "advanced/model_merging", "clip1:CLIP", "clip2:CLIP",
                "ratio" + ratio, "->", "CLIP:CLIP"));
        m.put("CLIPMergeSubtract", List.of("CLIPMergeSubtract", "advanced/model_merging", "clip1:CLIP",
                "clip2:CLIP", "multiplier:FLOAT=1.0[-10.0,10.0,0.01;0.0]", "->", "CLIP:CLIP"));
        m.put("CLIPMergeAdd", List.of("CLIPMergeAdd", "advanced/model_merging", "clip1:CLIP", "clip2:CLIP", "->",
                "CLIP:CLIP"));
        m.put("CheckpointSave", List.of("Save Checkpoint", "advanced/model_merging", "model:MODEL", "clip:CLIP",
                "vae:VAE", "filename_prefix:STRING=checkpoints/ComfyUI", "->"));
        m.put("VAESave", List.of("VAESave", "advanced/model_merging", "vae:VAE",
                "filename_prefix:STRING=vae/ComfyUI_vae", "->"));
        m.put("CLIPSave", List.of("CLIPSave", "advanced/model_merging", "clip:CLIP",
                "filename_prefix:STRING=clip/ComfyUI", "->"));
        m.put("ModelSave", List.of("ModelSave", "advanced/model_merging", "model:MODEL",
                "filename_prefix:STRING=diffusion_models/ComfyUI", "->"));
        // nodes.py ControlNetApply (DEPRECATED, "Apply ControlNet (OLD)") and ControlNetApplyAdvanced
        m.put("ControlNetApply", List.of("Apply ControlNet (OLD)", "conditioning/controlnet",
                "conditioning:CONDITIONING", "control_net:CONTROL_NET", "image:IMAGE",
                "strength:FLOAT=1.0[0.0,10.0,0.01;0.0]", "->", COND_OUT));
        m.put("ControlNetApplyAdvanced", List.of("Apply ControlNet", "conditioning/controlnet",
                "positive:CONDITIONING", "negative:CONDITIONING", "control_net:CONTROL_NET", "image:IMAGE",
                "strength:FLOAT=1.0[0.0,10.0,0.01;0.0]", "start_percent:FLOAT=0.0[0.0,1.0,0.001;0.0]",
                "end_percent:FLOAT=1.0[0.0,1.0,0.001;0.0]", "?vae:VAE", "->", "CONDITIONING:positive",
                "CONDITIONING:negative"));
        // nodes.py ControlNetLoader and DiffControlNetLoader; the combo lists the (empty) controlnet folder and
        // Noodle's demo ControlNet
        String controlNetName = "control_net_name:COMBO[noodle-demo-controlnet.safetensors]";
        m.put("ControlNetLoader", List.of("Load ControlNet Model", "loaders", controlNetName, "->",
                "CONTROL_NET:CONTROL_NET"));
        m.put("DiffControlNetLoader", List.of("Load ControlNet Model (diff)", "loaders", "model:MODEL",
                controlNetName, "->", "CONTROL_NET:CONTROL_NET"));
        // ComfyUI_IPAdapter_plus IPAdapterPlus.py: IPAdapterModelLoader, IPAdapterSimple ("IPAdapter"),
        // IPAdapterAdvanced (WEIGHT_TYPES, combine_embeds and embeds_scaling lists in the pack's order)
        m.put("IPAdapterModelLoader", List.of("IPAdapter Model Loader", "ipadapter/loaders",
                "ipadapter_file:COMBO[]", "->", "IPADAPTER:IPADAPTER"));
        m.put("IPAdapterUnifiedLoader", List.of("IPAdapter Unified Loader", "ipadapter", "model:MODEL",
                "preset:COMBO[LIGHT - SD1.5 only (low strength),STANDARD (medium strength),VIT-G (medium strength),"
                        + "PLUS (high strength),PLUS FACE (portraits),FULL FACE - SD1.5 only (portraits stronger)]",
                "?ipadapter:IPADAPTER", "->", "MODEL:model", "IPADAPTER:ipadapter"));
        m.put("IPAdapter", List.of("IPAdapter", "ipadapter", "model:MODEL", "ipadapter:IPADAPTER", "image:IMAGE",
                "weight:FLOAT=1.0[-1.0,3.0,0.05;0.0]", "start_at:FLOAT=0.0[0.0,1.0,0.001;0.0]",
                "end_at:FLOAT=1.0[0.0,1.0,0.001;0.0]",
                "weight_type:COMBO[standard,prompt is more important,style transfer]", "?attn_mask:MASK", "->",
                "MODEL:MODEL"));
        m.put("IPAdapterAdvanced", List.of("IPAdapter Advanced", "ipadapter", "model:MODEL", "ipadapter:IPADAPTER",
                "image:IMAGE", "weight:FLOAT=1.0[-1.0,5.0,0.05;0.0]",
                "weight_type:COMBO[linear,ease in,ease out,ease in-out,reverse in-out,weak input,weak output,"
                        + "weak middle,strong middle,style transfer,composition,strong style transfer,"
                        + "style and composition,style transfer precise,composition precise]",
                "combine_embeds:COMBO[concat,add,subtract,average,norm average]",
                "start_at:FLOAT=0.0[0.0,1.0,0.001;0.0]", "end_at:FLOAT=1.0[0.0,1.0,0.001;0.0]",
                "embeds_scaling:COMBO[V only,K+V,K+V w/ C penalty,K+mean(V) w/ C penalty]", "?image_negative:IMAGE",
                "?attn_mask:MASK", "?clip_vision:CLIP_VISION", "->", "MODEL:MODEL"));
        m.put("PrepImageForClipVision", List.of("Prep Image For ClipVision", "ipadapter/utils", "image:IMAGE",
                "interpolation:COMBO[LANCZOS,BICUBIC,HAMMING,BILINEAR,BOX,NEAREST]",
                "crop_position:COMBO[top,bottom,left,right,center,pad]", "sharpening:FLOAT=0.0[0.0,1.0,0.05;0.0]",
                "->", "IMAGE:IMAGE"));
        // nodes.py CLIPVisionLoader, CLIPVisionEncode, StyleModelLoader, StyleModelApply; the file lists are the
        // (empty) folders and Noodle's demo files
        m.put("CLIPVisionLoader", List.of("Load CLIP Vision", "loaders",
                "clip_name:COMBO[noodle-demo-clip-vision.safetensors]", "->",
                "CLIP_VISION:CLIP_VISION"));
        m.put("CLIPVisionEncode", List.of("CLIP Vision Encode", "conditioning", "clip_vision:CLIP_VISION",
                "image:IMAGE", "crop:COMBO[center,none]", "->", "CLIP_VISION_OUTPUT:CLIP_VISION_OUTPUT"));
        m.put("StyleModelLoader", List.of("Load Style Model", "loaders",
                "style_model_name:COMBO[noodle-demo-style-model.safetensors]", "->",
                "STYLE_MODEL:STYLE_MODEL"));
        // nodes.py unCLIPCheckpointLoader and unCLIPConditioning (no display-name mapping: the class names); the
        // checkpoint list holds only Noodle's demo model here
        m.put("unCLIPCheckpointLoader", List.of("unCLIPCheckpointLoader", "loaders",
                "ckpt_name:COMBO[noodle-demo-tiny-sd15.safetensors]", "->", "MODEL:MODEL", "CLIP:CLIP", "VAE:VAE",
                "CLIP_VISION:CLIP_VISION"));
        m.put("unCLIPConditioning", List.of("unCLIPConditioning", "conditioning", "conditioning:CONDITIONING",
                "clip_vision_output:CLIP_VISION_OUTPUT", "strength:FLOAT=1.0[-10.0,10.0,0.01;0.0]",
                "noise_augmentation:FLOAT=0.0[0.0,1.0,0.01;0.0]", "->", COND_OUT));
        m.put("StyleModelApply", List.of("Apply Style Model", "conditioning/style_model", "conditioning:CONDITIONING",
                "style_model:STYLE_MODEL", "clip_vision_output:CLIP_VISION_OUTPUT",
                "strength:FLOAT=1.0[0.0,10.0,0.001;0.0]", "strength_type:COMBO[multiply,attn_bias]", "->",
                COND_OUT));
        // comfy_extras/nodes_upscale_model.py UpscaleModelLoader and ImageUpscaleWithModel (the list: Noodle's demo file)
        m.put("UpscaleModelLoader", List.of("Load Upscale Model", "loaders",
                "model_name:COMBO[noodle-demo-upscaler-x4.pth]", "->",
                "UPSCALE_MODEL:UPSCALE_MODEL"));
        m.put("ImageUpscaleWithModel", List.of("Upscale Image (using Model)", "image/upscaling",
                "upscale_model:UPSCALE_MODEL", "image:IMAGE", "->", "IMAGE:IMAGE"));
        // nodes.py GLIGENLoader and GLIGENTextBoxApply (no display names mapped: the ids show)
        m.put("GLIGENLoader", List.of("GLIGENLoader", "loaders", "gligen_name:COMBO[]", "->", "GLIGEN:GLIGEN"));
        m.put("GLIGENTextBoxApply", List.of("GLIGENTextBoxApply", "conditioning/gligen",
                "conditioning_to:CONDITIONING", "clip:CLIP", "gligen_textbox_model:GLIGEN", "text:STRING=",
                "width:INT=64[8,16384,8]", "height:INT=64[8,16384,8]", "x:INT=0[0,16384,8]", "y:INT=0[0,16384,8]",
                "->", COND_OUT));
        m.put("InstructPixToPixConditioning", List.of("InstructPixToPixConditioning",
                "conditioning/instructpix2pix", "positive:CONDITIONING", "negative:CONDITIONING", "vae:VAE",
                "pixels:IMAGE", "->", "CONDITIONING:positive", "CONDITIONING:negative", "LATENT:latent"));
        m.put("SamplerEulerAncestral", List.of("SamplerEulerAncestral", "sampling/samplers", ETA, S_NOISE, "->",
                SAMPLER_OUT));
        m.put("SamplerEulerAncestralCFGPP", List.of("SamplerEulerAncestralCFG++", "sampling/samplers",
                "eta:FLOAT=1.0[0.0,1.0,0.01;0.0]", "s_noise:FLOAT=1.0[0.0,10.0,0.01;0.0]", "->", SAMPLER_OUT));
        m.put("SamplerLMS", List.of("SamplerLMS", "sampling/samplers", "order:INT=4[1,100,1]", "->", SAMPLER_OUT));
        m.put("SamplerDPMPP_3M_SDE", List.of("SamplerDPMPP_3M_SDE", "sampling/samplers", ETA, S_NOISE,
                NOISE_DEVICE, "->", SAMPLER_OUT));
        m.put("SamplerDPMPP_2M_SDE", List.of("SamplerDPMPP_2M_SDE", "sampling/samplers",
                "solver_type:COMBO[midpoint,heun]", ETA, S_NOISE, NOISE_DEVICE, "->", SAMPLER_OUT));
        m.put("SamplerDPMPP_SDE", List.of("SamplerDPMPP_SDE", "sampling/samplers", ETA, S_NOISE,
                "r:FLOAT=0.5[0.0,100.0,0.01;0.0]", NOISE_DEVICE, "->", SAMPLER_OUT));
        m.put("SamplerDPMPP_2S_Ancestral", List.of("SamplerDPMPP_2S_Ancestral", "sampling/samplers", ETA, S_NOISE,
                "->", SAMPLER_OUT));
        m.put("SamplerDPMAdaptative", List.of("SamplerDPMAdaptative", "sampling/samplers", "order:INT=3[2,3,1]",
                "rtol:FLOAT=0.05[0.0,100.0,0.01;0.0]", "atol:FLOAT=0.0078[0.0,100.0,0.01;0.0]",
                "h_init:FLOAT=0.05[0.0,100.0,0.01;0.0]", "pcoeff:FLOAT=0.0[0.0,100.0,0.01;0.0]",
                "icoeff:FLOAT=1.0[0.0,100.0,0.01;0.0]", "dcoeff:FLOAT=0.0[0.0,100.0,0.01;0.0]",
                "accept_safety:FLOAT=0.81[0.0,100.0,0.01;0.0]", "eta:FLOAT=0.0[0.0,100.0,0.01;0.0]", S_NOISE, "->",
                SAMPLER_OUT));
        m.put("SamplerER_SDE", List.of("SamplerER_SDE", "sampling/samplers",
                "solver_type:COMBO[ER-SDE,Reverse-time SDE,ODE]", "max_stage:INT=3[1,3,1]", ETA, S_NOISE, "->",
                SAMPLER_OUT));
        m.put("SamplerSEEDS2", List.of("SamplerSEEDS2", "sampling/samplers", "solver_type:COMBO[phi_1,phi_2]", ETA,
                S_NOISE, "r:FLOAT=0.5[0.01,1.0,0.01;0.0]", "->", SAMPLER_OUT));
        m.put("SamplerSASolver", List.of("SamplerSASolver", "sampling/samplers", "model:MODEL",
                "eta:FLOAT=1.0[0.0,10.0,0.01;0.0]", "sde_start_percent:FLOAT=0.2[0.0,1.0,0.001;0.0]",
                "sde_end_percent:FLOAT=0.8[0.0,1.0,0.001;0.0]", S_NOISE, "predictor_order:INT=3[1,6,1]",
                "corrector_order:INT=4[0,6,1]", "use_pece:BOOLEAN=false", "simple_order_2:BOOLEAN=false", "->",
                SAMPLER_OUT));
        m.put("KSamplerSelect", List.of("KSamplerSelect", "sampling/samplers",
                "sampler_name:COMBO[" + SAMPLER_NAMES + "]", "->", SAMPLER_OUT));
        m.put("BasicScheduler", List.of("BasicScheduler", "sampling/schedulers", "model:MODEL",
                "scheduler:COMBO[" + SCHEDULER_NAMES + "]", "steps:INT=20[1,10000,1]",
                "denoise:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", SIGMAS_OUT));
        m.put("KSampler", List.of("KSampler", "sampling", "model:MODEL",
                "seed:" + SEED, "steps:INT=20[1,10000,1]", CFG,
                "sampler_name:COMBO[" + SAMPLER_NAMES + "]", "scheduler:COMBO[" + SCHEDULER_NAMES + "]",
                "positive:CONDITIONING", "negative:CONDITIONING", "latent_image:LATENT",
                "denoise:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", "LATENT:LATENT"));
        m.put("KSamplerAdvanced", List.of("KSampler (Advanced)", "sampling", "model:MODEL",
                "add_noise:COMBO[enable,disable]", "noise_seed:" + SEED,
                "steps:INT=20[1,10000,1]", CFG, "sampler_name:COMBO[" + SAMPLER_NAMES + "]",
                "scheduler:COMBO[" + SCHEDULER_NAMES + "]", "positive:CONDITIONING", "negative:CONDITIONING",
                "latent_image:LATENT", "start_at_step:INT=0[0,10000,1]", "end_at_step:INT=10000[0,10000,1]",
                "return_with_leftover_noise:COMBO[disable,enable]", "->", "LATENT:LATENT"));
        m.put("CFGGuider", List.of("CFG Guider", "sampling/guiders", "model:MODEL", "positive:CONDITIONING",
                "negative:CONDITIONING", CFG, "->", "GUIDER:GUIDER"));
        m.put("BasicGuider", List.of("Basic Guider", "sampling/guiders", "model:MODEL",
                "conditioning:CONDITIONING", "->", "GUIDER:GUIDER"));
        m.put("SamplerCustom", List.of("SamplerCustom", "sampling/custom_sampling", "model:MODEL",
                "add_noise:BOOLEAN=true", "noise_seed:" + SEED, CFG, "positive:CONDITIONING",
                "negative:CONDITIONING", "sampler:SAMPLER", "sigmas:SIGMAS", "latent_image:LATENT", "->",
                "LATENT:output", "LATENT:denoised_output"));
        m.put("SamplerCustomAdvanced", List.of("SamplerCustomAdvanced", "sampling/custom_sampling", "noise:NOISE",
                "guider:GUIDER", "sampler:SAMPLER", "sigmas:SIGMAS", "latent_image:LATENT", "->", "LATENT:output",
                "LATENT:denoised_output"));
        m.put("RandomNoise", List.of("RandomNoise", "sampling/noise", "noise_seed:" + SEED, "->", "NOISE:NOISE"));
        m.put("DisableNoise", List.of("DisableNoise", "sampling/noise", "->", "NOISE:NOISE"));
        m.put("KarrasScheduler", List.of("KarrasScheduler", "sampling/schedulers", "steps:INT=20[1,10000,1]",
                SIGMA_MAX, SIGMA_MIN, "rho:FLOAT=7.0[0.0,100.0,0.01;0.0]", "->", SIGMAS_OUT));
        m.put("ExponentialScheduler", List.of("ExponentialScheduler", "sampling/schedulers",
                "steps:INT=20[1,10000,1]", SIGMA_MAX, SIGMA_MIN, "->", SIGMAS_OUT));
        m.put("PolyexponentialScheduler", List.of("PolyexponentialScheduler", "sampling/schedulers",
                "steps:INT=20[1,10000,1]", SIGMA_MAX, SIGMA_MIN, "rho:FLOAT=1.0[0.0,100.0,0.01;0.0]", "->",
                SIGMAS_OUT));
        m.put("LaplaceScheduler", List.of("LaplaceScheduler", "sampling/schedulers", "steps:INT=20[1,10000,1]",
                SIGMA_MAX, SIGMA_MIN, "mu:FLOAT=0.0[-10.0,10.0,0.1;0.0]", "beta:FLOAT=0.5[0.0,10.0,0.1;0.0]", "->",
                SIGMAS_OUT));
        m.put("SDTurboScheduler", List.of("SDTurboScheduler", "sampling/schedulers", "model:MODEL",
                "steps:INT=1[1,10,1]", "denoise:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", SIGMAS_OUT));
        m.put("BetaSamplingScheduler", List.of("BetaSamplingScheduler", "sampling/schedulers", "model:MODEL",
                "steps:INT=20[1,10000,1]", "alpha:FLOAT=0.6[0.0,50.0,0.01;0.0]", "beta:FLOAT=0.6[0.0,50.0,0.01;0.0]",
                "->", SIGMAS_OUT));
        m.put("VPScheduler", List.of("VPScheduler", "sampling/schedulers", "steps:INT=20[1,10000,1]",
                "beta_d:FLOAT=19.9[0.0,5000.0,0.01;0.0]", "beta_min:FLOAT=0.1[0.0,5000.0,0.01;0.0]",
                "eps_s:FLOAT=0.001[0.0,1.0,1.0E-4;0.0]", "->", SIGMAS_OUT));
        m.put("SplitSigmas", List.of("SplitSigmas", "sampling/sigmas", "sigmas:SIGMAS", "step:INT=0[0,10000,1]",
                "->", "SIGMAS:high_sigmas", "SIGMAS:low_sigmas"));
        m.put("SplitSigmasDenoise", List.of("SplitSigmasDenoise", "sampling/sigmas", "sigmas:SIGMAS",
                "denoise:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", "SIGMAS:high_sigmas", "SIGMAS:low_sigmas"));
        m.put("FlipSigmas", List.of("FlipSigmas", "sampling/sigmas", "sigmas:SIGMAS", "->", SIGMAS_OUT));
        // nodes.py, comfy_extras/nodes_post_processing.py, nodes_images.py and nodes_logic.py
        // comfy_extras/nodes_canny.py
        m.put("Canny", List.of("Canny", "image/preprocessors", "image:IMAGE",
                "low_threshold:FLOAT=0.4[0.01,0.99,0.01;0.0]", "high_threshold:FLOAT=0.8[0.01,0.99,0.01;0.0]", "->",
                "IMAGE:IMAGE"));
        // image operations (nodes.py, comfy_extras/nodes_images.py, nodes_mask.py, nodes_post_processing.py)
        m.put("ImageBatch", List.of("Batch Images", "image", "image1:IMAGE", "image2:IMAGE", "->", "IMAGE:IMAGE"));
        m.put("ImageFromBatch", List.of("Get Image from Batch", "image/batch", "image:IMAGE",
                "batch_index:INT=0[-16384,16384,1]",
                "length:INT=1[1,4096,1]", "->", "IMAGE:IMAGE"));
        m.put("RepeatImageBatch", List.of("Repeat Image Batch", "image/batch", "image:IMAGE", "amount:INT=1[1,4096,1]",
                "->", "IMAGE:IMAGE"));
        m.put("EmptyImage", List.of("EmptyImage", "image", "width:INT=512[1,16384,1]", "height:INT=512[1,16384,1]",
                "batch_size:INT=1[1,4096,1]", "color:INT=0[0,16777215,1]", "->", "IMAGE:IMAGE"));
        m.put("GetImageSize", List.of("Get Image Size", "image", "image:IMAGE", "->", "INT:width", "INT:height",
                "INT:batch_size"));
        m.put("ImagePadForOutpaint", List.of("Pad Image for Outpainting", "image", "image:IMAGE",
                "left:INT=0[0,16384,8]", "top:INT=0[0,16384,8]", "right:INT=0[0,16384,8]", "bottom:INT=0[0,16384,8]",
                "feathering:INT=40[0,16384,1]", "->", "IMAGE:IMAGE", "MASK:MASK"));
        m.put("ImageCompositeMasked", List.of("Image Composite Masked", "image", "destination:IMAGE", "source:IMAGE",
                "x:INT=0[0,16384,1]", "y:INT=0[0,16384,1]", "resize_source:BOOLEAN=false", "?mask:MASK", "->",
                "IMAGE:IMAGE"));
        m.put("ImageCrop", List.of("Crop Image", "image/transform", "image:IMAGE", "width:INT=512[1,16384,1]",
                "height:INT=512[1,16384,1]", "x:INT=0[0,16384,1]", "y:INT=0[0,16384,1]", "->", "IMAGE:IMAGE"));
        m.put("ImageScaleToTotalPixels", List.of("Scale Image to Total Pixels", "image/upscaling", "image:IMAGE",
                "upscale_method:COMBO[nearest-exact,bilinear,area,bicubic,lanczos]",
                "megapixels:FLOAT=1.0[0.01,16.0,0.01;0.0]", "resolution_steps:INT=1[1,256,1]", "->", "IMAGE:IMAGE"));
        m.put("ImageBlur", List.of("Image Blur", "image/postprocessing", "image:IMAGE", "blur_radius:INT=1[1,31,1]",
                "sigma:FLOAT=1.0[0.1,10.0,0.1;0.0]", "->", "IMAGE:IMAGE"));
        m.put("ImageSharpen", List.of("Image Sharpen", "image/postprocessing", "image:IMAGE",
                "sharpen_radius:INT=1[1,31,1]", "sigma:FLOAT=1.0[0.1,10.0,0.01;0.0]",
                "alpha:FLOAT=1.0[0.0,5.0,0.01;0.0]", "->", "IMAGE:IMAGE"));
        m.put("ImageQuantize", List.of("Image Quantize", "image/postprocessing", "image:IMAGE",
                "colors:INT=256[1,256,1]", "dither:COMBO[none,floyd-steinberg,bayer-2,bayer-4,bayer-8,bayer-16]",
                "->", "IMAGE:IMAGE"));
        m.put("ImageInvert", List.of("Invert Image", "image", "image:IMAGE", "->", "IMAGE:IMAGE"));
        m.put("ImageBlend", List.of("Image Blend", "image/postprocessing", "image1:IMAGE", "image2:IMAGE",
                "blend_factor:FLOAT=0.5[0.0,1.0,0.01;0.0]",
                "blend_mode:COMBO[normal,multiply,screen,overlay,soft_light,difference]", "->", "IMAGE:IMAGE"));
        m.put("ImageStitch", List.of("Image Stitch", "image/transform", "image1:IMAGE",
                "direction:COMBO[right,down,left,up]", "match_image_size:BOOLEAN=true", "spacing_width:INT=0[0,1024,2]",
                "spacing_color:COMBO[white,black,red,green,blue]", "?image2:IMAGE", "->", "IMAGE:IMAGE"));
        // nodes.py LoadImageMask; comfy_extras/nodes_mask.py; nodes_compositing.py. LoadImageMask lists the input
        // folder's images, here (an empty folder) only the example image made on first use.
        String mask = "mask:MASK";
        String xy0 = "[0,16384,1]";
        m.put("LoadImageMask", List.of("Load Image (as Mask)", "mask", "image:COMBO[noodle-inpaint-example.png]",
                "channel:COMBO[alpha,red,green,blue]", "->", "MASK:MASK"));
        m.put("ImageToMask", List.of("Convert Image to Mask", "mask", "image:IMAGE",
                "channel:COMBO[red,green,blue,alpha]", "->", "MASK:MASK"));
        m.put("ImageColorToMask", List.of("Image Color to Mask", "mask", "image:IMAGE",
                "color:INT=0[0,16777215,1]", "->", "MASK:MASK"));
        m.put("MaskPreview", List.of("Preview Mask", "mask", mask, "->"));
        m.put("MaskToImage", List.of("Convert Mask to Image", "mask", mask, "->", "IMAGE:IMAGE"));
        m.put("SolidMask", List.of("Solid Mask", "mask", "value:FLOAT=1.0[0.0,1.0,0.01;0.0]",
                "width:INT=512[1,16384,1]", "height:INT=512[1,16384,1]", "->", "MASK:MASK"));
        m.put("InvertMask", List.of("Invert Mask", "mask", mask, "->", "MASK:MASK"));
        m.put("CropMask", List.of("Crop Mask", "mask", mask, "x:INT=0" + xy0, "y:INT=0" + xy0,
                "width:INT=512[1,16384,1]", "height:INT=512[1,16384,1]", "->", "MASK:MASK"));
        m.put("MaskComposite", List.of("Mask Composite", "mask", "destination:MASK", "source:MASK", "x:INT=0" + xy0,
                "y:INT=0" + xy0, "operation:COMBO[multiply,add,subtract,and,or,xor]", "->", "MASK:MASK"));
        m.put("FeatherMask", List.of("Feather Mask", "mask", mask, "left:INT=0" + xy0, "top:INT=0" + xy0,
                "right:INT=0" + xy0, "bottom:INT=0" + xy0, "->", "MASK:MASK"));
        m.put("GrowMask", List.of("Grow Mask", "mask", mask, "expand:INT=0[-16384,16384,1]",
                "tapered_corners:BOOLEAN=true", "->", "MASK:MASK"));
        m.put("ThresholdMask", List.of("Threshold Mask", "mask", mask, "value:FLOAT=0.5[0.0,1.0,0.01;0.0]", "->",
                "MASK:MASK"));
        m.put("JoinImageWithAlpha", List.of("Join Image with Alpha", "mask/compositing", "image:IMAGE",
                "alpha:MASK", "->", "IMAGE:IMAGE"));
        m.put("SplitImageWithAlpha", List.of("Split Image with Alpha", "mask/compositing", "image:IMAGE", "->",
                "IMAGE:IMAGE", "MASK:MASK"));
        // the options are written on the node in the frontend, so the schema's combo lists none
        m.put("CustomCombo", List.of("Custom Combo", "utils", "choice:COMBO[]", "->", "STRING:STRING", "INT:INDEX"));
        m.put("SetFirstSigma", List.of("SetFirstSigma", "sampling/sigmas", "sigmas:SIGMAS",
                "sigma:FLOAT=136.0[0.0,20000.0,0.001;0.0]", "->", SIGMAS_OUT));
        // latent operations: nodes.py, comfy_extras/nodes_latent.py, comfy_extras/nodes_mask.py
        String px = "[0,16384,8]";
        m.put("LatentComposite", List.of("Latent Composite", "latent", "samples_to:LATENT", "samples_from:LATENT",
                "x:INT=0" + px, "y:INT=0" + px, "feather:INT=0" + px, "->", "LATENT:LATENT"));
        m.put("LatentCompositeMasked", List.of("Latent Composite Masked", "latent", "destination:LATENT",
                "source:LATENT", "x:INT=0" + px, "y:INT=0" + px, "resize_source:BOOLEAN=false", "?mask:MASK", "->",
                "LATENT:LATENT"));
        m.put("LatentBlend", List.of("Latent Blend", "_for_testing", "samples1:LATENT", "samples2:LATENT",
                "blend_factor:FLOAT=0.5[0.0,1.0,0.01;0.0]", "->", "LATENT:LATENT"));
        m.put("LatentAdd", List.of("LatentAdd", "latent/advanced", "samples1:LATENT", "samples2:LATENT", "->",
                "LATENT:LATENT"));
        m.put("LatentSubtract", List.of("LatentSubtract", "latent/advanced", "samples1:LATENT", "samples2:LATENT",
                "->", "LATENT:LATENT"));
        m.put("LatentMultiply", List.of("LatentMultiply", "latent/advanced", "samples:LATENT",
                "multiplier:FLOAT=1.0[-10.0,10.0,0.01;0.0]", "->", "LATENT:LATENT"));
        m.put("LatentInterpolate", List.of("LatentInterpolate", "latent/advanced", "samples1:LATENT",
                "samples2:LATENT", "ratio:FLOAT=1.0[0.0,1.0,0.01;0.0]", "->", "LATENT:LATENT"));
        m.put("LatentBatch", List.of("LatentBatch", "latent/batch", "samples1:LATENT", "samples2:LATENT", "->",
                "LATENT:LATENT"));
        m.put("LatentFromBatch", List.of("Latent From Batch", "latent/batch", "samples:LATENT",
                "batch_index:INT=0[0,63,1]", "length:INT=1[1,64,1]", "->", "LATENT:LATENT"));
        m.put("LatentBatchSeedBehavior", List.of("LatentBatchSeedBehavior", "latent/advanced", "samples:LATENT",
                "seed_behavior:COMBO[random,fixed]=fixed", "->", "LATENT:LATENT"));
        m.put("RepeatLatentBatch", List.of("Repeat Latent Batch", "latent/batch", "samples:LATENT",
                "amount:INT=1[1,64,1]", "->", "LATENT:LATENT"));
        m.put("EmptyLatentImage", List.of("Empty Latent Image", "latent", "width:INT=512[16,16384,8]",
                "height:INT=512[16,16384,8]", "batch_size:INT=1[1,4096,1]", "->", "LATENT:LATENT"));
        m.put("LatentCrop", List.of("Crop Latent", "latent/transform", "samples:LATENT", "width:INT=512[64,16384,8]",
                "height:INT=512[64,16384,8]", "x:INT=0" + px, "y:INT=0" + px, "->", "LATENT:LATENT"));
        m.put("LatentFlip", List.of("Flip Latent", "latent/transform", "samples:LATENT",
                "flip_method:COMBO[x-axis: vertically,y-axis: horizontally]", "->", "LATENT:LATENT"));
        m.put("LatentRotate", List.of("Rotate Latent", "latent/transform", "samples:LATENT",
                "rotation:COMBO[none,90 degrees,180 degrees,270 degrees]", "->", "LATENT:LATENT"));
        m.put("SaveLatent", List.of("SaveLatent", "_for_testing", "samples:LATENT",
                "filename_prefix:STRING=latents/ComfyUI", "->"));
        // the options are the input folder's .latent files: none in this empty folder
        m.put("LoadLatent", List.of("LoadLatent", "_for_testing", "latent:COMBO[]", "->", "LATENT:LATENT"));
        return m;
    }

    /** Renders one input as in the expected table. */
    static String render(InputSpec in) {
        String head = (in.optional() ? "?" : "") + in.name() + ":";
        return head + switch (in) {
            case IntInput i -> "INT=" + i.defaultValue() + "[" + i.min() + "," + unsigned(i.max()) + ","
                    + i.step() + "]" + (i.controlAfterGenerate() ? "+control_after_generate" : "");
            case FloatInput f -> "FLOAT=" + f.defaultValue() + "[" + f.min() + "," + f.max() + "," + f.step() + ";"
                    + f.round() + "]";
            case BoolInput b -> "BOOLEAN=" + b.defaultValue();
            case StringInput s -> "STRING=" + s.defaultValue();
            // ComfyUI's combo default is its first option; any other default would show here.
            case ComboInput c -> "COMBO[" + String.join(",", c.currentOptions()) + "]"
                    + (java.util.Objects.equals(c.effectiveDefault(),
                            c.currentOptions().isEmpty() ? null : c.currentOptions().getFirst())
                            ? "" : "=" + c.effectiveDefault());
            case SocketInput<?> s -> s.typeName();
        };
    }

    /** ComfyUI's seed max is 0xffffffffffffffff; Noodle may store it as -1 in a signed long. */
    private static String unsigned(long v) {
        return Long.toUnsignedString(v);
    }

    static List<String> actual(NodeSchema s) {
        List<String> out = new ArrayList<>();
        out.add(s.displayName());
        out.add(s.category());
        for (InputSpec in : s.inputs()) {
            out.add(render(in));
        }
        out.add("->");
        for (OutputSpec o : s.outputs()) {
            out.add(o.type().name() + ":" + o.name());
        }
        return out;
    }

    @Test
    void nodeShapesMatchComfyUi() {
        NodeRegistry registry = NoodleNodes.standardRegistry(NodeEnvironment.of(dir.resolve("models"),
                dir.resolve("output")));
        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : expected().entrySet()) {
            var def = registry.find(e.getKey());
            if (def.isEmpty()) {
                differences.add(e.getKey() + ": not registered");
                continue;
            }
            List<String> got = actual(def.get().schema());
            List<String> want = noodleExpected(e.getKey(), e.getValue());
            if (!got.equals(want)) {
                differences.add(e.getKey() + ":\n  expected " + want + "\n  actual   " + got);
            }
        }
        assertEquals("", String.join("\n", differences));
    }
}
