package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.nodes.sampling.SamplingHelp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plain-words explanations of the ideas a Stable Diffusion pipeline is made of — checkpoint, VAE, CLIP and prompts,
 * embeddings, LoRA, hypernetworks, clip skip, the sampler and CFG, sampler families and schedulers, few-step models
 * and the refiner — which of them a node type is about, and what its current sampler and scheduler do, for the
 * editor's Explain panel. Pure data; thread-safe.
 */
public final class Concepts {
    /** One idea, with a short title and a paragraph a newcomer can follow. */
    public record Concept(String id, String title, String text) {}

    public static final Concept CHECKPOINT = new Concept("checkpoint", "Checkpoint",
            "A checkpoint is the whole base model in one file (.safetensors, or an old .ckpt): the UNet that removes"
                    + " noise (MODEL), the CLIP text encoder that reads your prompt (CLIP) and the VAE that turns the"
                    + " result into pixels (VAE). Load Checkpoint hands out those three parts; every other add-on"
                    + " plugs into one of them. Families differ (SD 1.5, SD 2.x, SDXL and Pony): add-ons must be made"
                    + " for the same family.");
    public static final Concept VAE = new Concept("vae", "VAE",
            "The VAE translates between pixels and the small 'latent' picture the model works on (8× smaller each"
                    + " way). VAE Decode turns the finished latent into an image; VAE Encode does the reverse for"
                    + " img2img. Some checkpoints carry a weak VAE that gives washed-out colours: load a better one"
                    + " (e.g. vae-ft-mse-840000) with Load VAE and wire it into VAE Decode instead.");
    public static final Concept PROMPT = new Concept("prompt", "CLIP and prompts",
            "CLIP reads your prompt and turns it into CONDITIONING, the direction the sampler steers towards (positive)"
                    + " or away from (negative). (word:1.3) makes a word count more, (word) counts 1.1×; prompts longer"
                    + " than 75 tokens are split into chunks.");
    public static final Concept EMBEDDING = new Concept("embedding", "Embeddings (textual inversion)",
            "An embedding is a tiny file holding new 'words' the text encoder learned, such as a style or a"
                    + " character. Put it in models/embeddings and write embedding:name in a prompt (AUTOMATIC1111"
                    + " style: just the file name). It changes only what the prompt means, not the model.");
    public static final Concept LORA = new Concept("lora", "LoRA",
            "A LoRA is a small patch for the model's weights, trained to add a subject or a style. Load LoRA sits"
                    + " between Load Checkpoint and the nodes that use MODEL and CLIP; strength_model scales its"
                    + " effect on the UNet, strength_clip on the text encoder. Chain several to stack them; the"
                    + " checkpoint itself is never changed, so changing a strength is quick.");
    public static final Concept HYPERNETWORK = new Concept("hypernetwork", "Hypernetwork",
            "A hypernetwork is an older kind of add-on: two small networks that bend the keys and values the UNet's"
                    + " cross-attention reads from your prompt. It plugs into MODEL like a LoRA, with one strength.");
    public static final Concept CLIP_SKIP = new Concept("clip_skip", "Clip skip",
            "Clip skip stops the text encoder early and uses an earlier layer's understanding of the prompt. Many"
                    + " anime models were trained that way and expect it. AUTOMATIC1111's 'clip skip 2' is ComfyUI's"
                    + " CLIP Set Last Layer at −2; 1 (or −1) means no skip.");
    public static final Concept SAMPLER = new Concept("sampler", "Sampler and steps",
            "The sampler starts from random noise (fixed by the seed) and lets the MODEL remove a little noise at"
                    + " each step until a picture is left. The sampler and scheduler choose how big each step is; more"
                    + " steps take longer and usually add detail. Denoise below 1 starts from an existing latent"
                    + " instead (img2img).");
    public static final Concept CFG = new Concept("cfg", "CFG",
            "CFG (classifier-free guidance) is how strongly each step follows the positive prompt and avoids the"
                    + " negative one: the model is asked twice, with and without your prompt, and the difference is"
                    + " multiplied by cfg. Around 5–8 is usual; too high burns the colours.");
    public static final Concept SAMPLER_FAMILIES = new Concept("sampler_families", "Choosing a sampler",
            "Plain samplers (euler, heun, dpmpp_2m, uni_pc, deis, lms, ipndm) follow the model's direction without"
                    + " adding noise: the same seed gives the same picture, and more steps converge on it. Ancestral"
                    + " ones (names with 'ancestral', A1111's 'a') and SDE ones (dpmpp_sde, dpmpp_2m_sde, dpmpp_3m_sde,"
                    + " er_sde, seeds, sa_solver) add fresh noise at every step: more variety and often more detail,"
                    + " but the picture keeps changing when you change the step count. Single-step second-order"
                    + " samplers (heun, dpm_2, dpmpp_2s_ancestral, dpmpp_sde) ask the model twice per step, so each"
                    + " step costs double; multistep ones (dpmpp_2m, lms, deis, ipndm, uni_pc, res_multistep) reuse"
                    + " earlier steps to be as accurate for one call per step, the best value at 10–30 steps. The"
                    + " _cfg_pp forms (CFG++) apply guidance differently and want cfg around 1–2. Select a KSampler to"
                    + " read about its current sampler and scheduler.");
    public static final Concept SCHEDULER = new Concept("scheduler", "Schedulers",
            "The scheduler picks the noise level of each step: how much noise is left after step 1, 2, 3… down to"
                    + " none. The sampler decides how to take a step; the scheduler decides where the steps land."
                    + " karras and exponential spend more steps at low noise, where fine detail forms; normal and"
                    + " simple space them evenly in the model's own terms; beta crowds both ends; sgm_uniform suits"
                    + " LCM and turbo models. The same sampler can look quite different with another scheduler.");
    public static final Concept FEW_STEPS = new Concept("few_steps", "Turbo, LCM and Lightning models",
            "Some models and LoRAs (SD/SDXL Turbo, LCM, Lightning, Hyper) are distilled to finish in 1–8 steps."
                    + " Use few steps (Turbo: 1–4 with SDTurboScheduler; LCM: 4–8 with the lcm sampler and"
                    + " sgm_uniform or simple), cfg 1–2 (Turbo: cfg 1, no negative prompt needed) and euler,"
                    + " euler_ancestral or lcm. More steps or a usual cfg of 7 make their pictures worse, not better.");
    public static final Concept REFINER = new Concept("refiner", "The SDXL refiner",
            "The SDXL refiner is a second model that finishes what the base model started: the base runs the first"
                    + " ~80% of the steps (KSamplerAdvanced with end_at_step and return_with_leftover_noise), the"
                    + " refiner the rest (start_at_step, add_noise off). It adds fine texture and sharper detail but"
                    + " does not change the composition. It has its own text encoder (OpenCLIP-G only) and is told"
                    + " an aesthetic score (CLIPTextEncodeSDXLRefiner: about 6 for the positive, 2.5 for the"
                    + " negative).");
    public static final Concept MERGE = new Concept("merge", "Merging",
            "Merging mixes the weights of two or three models into a new one, e.g. 70% of one and 30% of another."
                    + " Save the result with Checkpoint Save to use it like any checkpoint.");
    public static final Concept MERGE_BLOCKS = new Concept("merge-blocks", "Merging by block",
            "A UNet works in three stages, and a merge can mix each with its own ratio. The input blocks shrink the"
                    + " picture step by step and decide its composition: where things are, poses, the layout. The"
                    + " middle block, at the smallest size, holds the overall meaning. The output blocks grow the"
                    + " picture back and paint detail: texture, line, colour and style. So taking the input blocks"
                    + " from one model and the output blocks from another often keeps the first one's layout in the"
                    + " second one's style. workflows/merge_blocks.json is set up to try it: sweep the two ratios"
                    + " (Run → Sweep…, input × out) and compare the grid.");
    public static final Concept INPAINT = new Concept("inpaint", "Inpainting",
            "Inpainting repaints only a masked part of an image. The mask comes from the image's transparent parts"
                    + " (Load Image); inpainting checkpoints also see the mask and the masked picture directly."
                    + " Mask nodes shape it: Solid Mask, Feather Mask (soft edges), Grow Mask, Mask Composite;"
                    + " workflows/mask-inpaint.json builds one from shapes.");
    public static final Concept CONTROL = new Concept("control", "ControlNet and T2I adapters",
            "A ControlNet steers the picture with a control image: edges, a depth map, a pose skeleton. It is a copy"
                    + " of the UNet's encoder half that reads the control image beside the noisy latent and the"
                    + " prompt; at every step its outputs are added to the UNet's skip connections and middle block,"
                    + " so the picture follows the control's shapes while the prompt still picks what they become."
                    + " A T2I adapter is a small network that turns the control image into features once and adds"
                    + " them to the UNet's encoder at every step: lighter and faster, a little looser. Strength"
                    + " scales what is added: 1 follows the control closely, lower values let the prompt drift from"
                    + " it, values above 1 press harder (and can burn the image). Start and end percent limit it to"
                    + " part of the steps: the early steps set the layout and the late ones the detail, so ending at"
                    + " 0.5–0.8 keeps the composition but frees the fine detail, and starting later lets the model"
                    + " choose the layout first. Chain several Apply ControlNet nodes to combine controls (e.g. pose"
                    + " and depth); what they add sums up. The control image is resized (center-cropped) to the"
                    + " picture's size; a control made for another base model (SD 1.5 vs SDXL) does not fit.");
    public static final Concept CLIP_VISION = new Concept("clip-vision", "CLIP vision: image embeddings",
            "CLIP was trained on hundreds of millions of pictures with their captions, so that a picture and a text"
                    + " that describes it land close together. Its image half (the CLIP vision model) cuts the image"
                    + " into 14 × 14-pixel patches and reads them with a transformer; what comes out is an image"
                    + " embedding: a list of numbers (768 for ViT-L, 1024 for ViT-H, 1280 for ViT-bigG) that stands"
                    + " for what the picture shows and how it looks, plus one vector per patch (the hidden states)."
                    + " Nothing in it is pixels: two photos of the same scene in the same style get similar"
                    + " embeddings. CLIP Vision Encode first scales the image to the model's input, 224 pixels square"
                    + " (336 for the 336-px ViT-L): crop \"center\" keeps the middle square, \"none\" squeezes the"
                    + " whole image. Style models, unCLIP checkpoints and IP-Adapters use the embedding to steer a"
                    + " picture by an image instead of, or beside, a prompt; each needs the CLIP vision model it was"
                    + " trained with.");
    public static final Concept STYLE_MODEL = new Concept("style-model", "Style models",
            "A style model (TencentARC's T2I style adapter, t2iadapter_style_sd14v1) reads the per-patch hidden"
                    + " states of a CLIP ViT-L/14 image encoding and turns them into 8 extra prompt tokens per image."
                    + " Apply Style Model appends them after your prompt's tokens, so the UNet attends to them as if"
                    + " they were words describing the image's colours, textures and mood. Strength (multiply) scales"
                    + " those tokens: lower values let the prompt lead, higher values push the picture toward the"
                    + " reference image's look. It works with SD 1.x checkpoints (768-wide tokens); the prompt still"
                    + " decides the subject.");
    public static final Concept UNCLIP = new Concept("unclip", "unCLIP and SDXL revision",
            "An unCLIP model is SD 2.1 fine-tuned to take a CLIP image embedding beside the prompt (Stable unCLIP"
                    + " 2.1: the -h file pairs with CLIP ViT-H, the -l file with ViT-L); unCLIP Checkpoint Loader also"
                    + " hands out the CLIP vision model stored in the file. unCLIPConditioning adds an image's"
                    + " embedding to a conditioning: the UNet receives it through its class input, so the picture"
                    + " takes the image's content and style while the prompt can still change it. SDXL reads"
                    + " the same kind of embedding (from clip_vision_g) where its pooled prompt vector goes: that is"
                    + " \"revision\", and an empty or zeroed prompt lets the image lead. Strength scales the image's"
                    + " pull (negative values push away from it); noise_augmentation blurs the embedding with noise"
                    + " first, so higher values keep less of the image and leave more to the prompt and the seed."
                    + " Chain several unCLIPConditioning nodes to mix images: their embeddings are added.");
    public static final Concept IP_ADAPTER = new Concept("ip-adapter", "IP-Adapter: prompting with a picture",
            "An IP-Adapter lets a reference picture prompt the model beside the text. CLIP vision turns the picture"
                    + " into numbers; the adapter's small projection turns those into a few extra \"image tokens\";"
                    + " and in every cross-attention layer of the UNet the picture's tokens get their own keys and"
                    + " values, whose attention is added to the text's (decoupled cross-attention). The text prompt"
                    + " is untouched, so both steer together. Weight scales what the picture adds: around 0.5–0.8"
                    + " leaves room for the prompt, 1 follows the picture closely. Plain adapters read CLIP's single"
                    + " image embedding (the overall look); plus and plus-face read every image patch and copy more"
                    + " detail (plus-face is trained on faces); full-face keeps one token per patch. Weight types"
                    + " spread the weight over the layers: style transfer uses the layers that carry colour and"
                    + " texture, composition those that carry the layout. Start/end limit it to part of the steps,"
                    + " as for ControlNet. The negative prompt sees an empty picture (or image_negative). An adapter"
                    + " works only with the CLIP vision model it was trained with (most: ViT-H) and its base model"
                    + " (SD 1.5 or SDXL).");

    public static final Concept GLIGEN = new Concept("gligen", "GLIGEN text boxes",
            "GLIGEN places things where you want them: each GLIGENTextBoxApply node names a phrase (\"a red umbrella\")"
                    + " and a box in pixels (x, y from the top-left corner, width, height). A GLIGEN model adds a"
                    + " small gated attention layer after the self-attention of every transformer block of the UNet;"
                    + " it lets the picture's features attend to one token per box, made from the phrase's CLIP"
                    + " embedding and the box's position, so the named object grows in its box while the prompt"
                    + " still sets the scene. Name objects that the prompt also mentions, chain one node per box (up"
                    + " to 30), and keep boxes inside the picture. The boxes on the positive prompt also apply to the"
                    + " negative. The published GLIGEN models are made for SD 1.x checkpoints.");

    public static final Concept LATENTS = new Concept("latents", "Working on latents: compositing and batches",
            "A latent is the picture in the model's own space, 8 times smaller than the image with 4 numbers per cell;"
                    + " latent nodes change it without decoding. Latent Composite pastes one latent into another at"
                    + " x, y (pixels, in steps of 8), feather fading its edges. ComfyUI's noisy-latent composition"
                    + " samples a background and each subject only part-way (KSampler Advanced with leftover noise),"
                    + " pastes the subjects into the background and finishes all of it in one sampler, so the pieces"
                    + " grow into one picture. LatentCompositeMasked pastes through a mask; Latent Blend, LatentAdd,"
                    + " LatentSubtract, LatentMultiply and LatentInterpolate mix latents. Every latent of a batch has"
                    + " its own starting noise: Latent From Batch keeps it, so a picture picked out of a batch samples"
                    + " again to the same result; LatentBatchSeedBehavior (fixed) gives the whole batch the first"
                    + " one's noise. SaveLatent and LoadLatent keep a latent as a .latent file (ComfyUI's format), to"
                    + " go on from it later.");

    /** Every concept, in the order a pipeline uses them. */
    public static final List<Concept> ALL = List.of(CHECKPOINT, PROMPT, EMBEDDING, LORA, HYPERNETWORK, CLIP_SKIP,
            SAMPLER, CFG, SAMPLER_FAMILIES, SCHEDULER, FEW_STEPS, REFINER, VAE, MERGE, MERGE_BLOCKS, INPAINT,
            CONTROL, CLIP_VISION, STYLE_MODEL, UNCLIP, IP_ADAPTER, GLIGEN, LATENTS);

    private static final Map<String, List<Concept>> BY_TYPE = Map.ofEntries(
            Map.entry("CheckpointLoaderSimple", List.of(CHECKPOINT)),
            Map.entry("CheckpointSave", List.of(CHECKPOINT, MERGE)),
            Map.entry("ModelSave", List.of(MERGE)),
            Map.entry("CLIPSave", List.of(PROMPT, MERGE)),
            Map.entry("VAESave", List.of(VAE)),
            Map.entry("CLIPTextEncode", List.of(PROMPT, EMBEDDING)),
            Map.entry("CLIPTextEncodeSDXL", List.of(PROMPT, EMBEDDING)),
            Map.entry("NoodleCLIPTextEncodeClipSkip", List.of(PROMPT, CLIP_SKIP, EMBEDDING)),
            Map.entry("CLIPSetLastLayer", List.of(CLIP_SKIP)),
            Map.entry("LoraLoader", List.of(LORA)),
            Map.entry("LoraLoaderModelOnly", List.of(LORA)),
            Map.entry("HypernetworkLoader", List.of(HYPERNETWORK)),
            Map.entry("VAELoader", List.of(VAE)),
            Map.entry("VAEDecode", List.of(VAE)),
            Map.entry("VAEEncode", List.of(VAE)),
            Map.entry("VAEDecodeTiled", List.of(VAE)),
            Map.entry("VAEEncodeTiled", List.of(VAE)),
            Map.entry("KSampler", List.of(SAMPLER, CFG, SAMPLER_FAMILIES, SCHEDULER)),
            Map.entry("KSamplerAdvanced", List.of(SAMPLER, CFG, SAMPLER_FAMILIES, SCHEDULER, REFINER)),
            Map.entry("KSamplerSelect", List.of(SAMPLER_FAMILIES, FEW_STEPS)),
            Map.entry("SamplerCustom", List.of(SAMPLER, CFG, SAMPLER_FAMILIES)),
            Map.entry("SamplerCustomAdvanced", List.of(SAMPLER, SAMPLER_FAMILIES)),
            Map.entry("BasicScheduler", List.of(SCHEDULER)),
            Map.entry("KarrasScheduler", List.of(SCHEDULER)),
            Map.entry("SDTurboScheduler", List.of(FEW_STEPS, SCHEDULER)),
            Map.entry("CLIPTextEncodeSDXLRefiner", List.of(REFINER, PROMPT)),
            Map.entry("EmptyLatentImage", List.of(SAMPLER)),
            Map.entry("ModelMergeSimple", List.of(MERGE)),
            Map.entry("ModelMergeAdd", List.of(MERGE)),
            Map.entry("ModelMergeSubtract", List.of(MERGE)),
            Map.entry("CLIPMergeSimple", List.of(MERGE)),
            Map.entry("ModelMergeBlocks", List.of(MERGE, MERGE_BLOCKS)),
            Map.entry("ModelMergeSD1", List.of(MERGE, MERGE_BLOCKS)),
            Map.entry("ModelMergeSD2", List.of(MERGE, MERGE_BLOCKS)),
            Map.entry("ModelMergeSDXL", List.of(MERGE, MERGE_BLOCKS)),
            Map.entry("CLIPMergeAdd", List.of(MERGE)),
            Map.entry("CLIPMergeSubtract", List.of(MERGE)),
            Map.entry("NoodleCheckpointMerger", List.of(MERGE)),
            Map.entry("VAEEncodeForInpaint", List.of(INPAINT, VAE)),
            Map.entry("SetLatentNoiseMask", List.of(INPAINT)),
            Map.entry("InpaintModelConditioning", List.of(INPAINT)),
            Map.entry("LoadImage", List.of(INPAINT)),
            Map.entry("ControlNetApply", List.of(CONTROL)),
            Map.entry("ControlNetApplyAdvanced", List.of(CONTROL)),
            Map.entry("ControlNetLoader", List.of(CONTROL)),
            Map.entry("DiffControlNetLoader", List.of(CONTROL)),
            Map.entry("CLIPVisionLoader", List.of(CLIP_VISION)),
            Map.entry("CLIPVisionEncode", List.of(CLIP_VISION)),
            Map.entry("StyleModelLoader", List.of(STYLE_MODEL, CLIP_VISION)),
            Map.entry("StyleModelApply", List.of(STYLE_MODEL, CLIP_VISION)),
            Map.entry("unCLIPCheckpointLoader", List.of(UNCLIP, CHECKPOINT, CLIP_VISION)),
            Map.entry("unCLIPConditioning", List.of(UNCLIP, CLIP_VISION)),
            Map.entry("IPAdapterModelLoader", List.of(IP_ADAPTER)),
            Map.entry("IPAdapterUnifiedLoader", List.of(IP_ADAPTER, CLIP_VISION)),
            Map.entry("IPAdapter", List.of(IP_ADAPTER, CLIP_VISION)),
            Map.entry("IPAdapterAdvanced", List.of(IP_ADAPTER, CLIP_VISION)),
            Map.entry("PrepImageForClipVision", List.of(IP_ADAPTER, CLIP_VISION)),
            Map.entry("Canny", List.of(CONTROL)),
            Map.entry("GLIGENLoader", List.of(GLIGEN)),
            Map.entry("GLIGENTextBoxApply", List.of(GLIGEN)),
            Map.entry("LatentComposite", List.of(LATENTS)),
            Map.entry("LatentCompositeMasked", List.of(LATENTS)),
            Map.entry("LatentFromBatch", List.of(LATENTS)),
            Map.entry("LatentBatchSeedBehavior", List.of(LATENTS)),
            Map.entry("SaveLatent", List.of(LATENTS)),
            Map.entry("LoadLatent", List.of(LATENTS)),
            Map.entry("LoadImageMask", List.of(INPAINT)),
            Map.entry("SolidMask", List.of(INPAINT)),
            Map.entry("FeatherMask", List.of(INPAINT)),
            Map.entry("GrowMask", List.of(INPAINT)),
            Map.entry("MaskComposite", List.of(INPAINT)));

    private Concepts() {}

    /** The node types that have concepts. */
    public static java.util.Set<String> nodeTypes() {
        return BY_TYPE.keySet();
    }

    /** The concepts a node type is about (empty for plumbing nodes). */
    public static List<Concept> forNodeType(String type) {
        return BY_TYPE.getOrDefault(type, List.of());
    }

    /**
     * What the node's current {@code sampler_name} and {@code scheduler} choices do, one concept per such combo
     * input (titled "sampler_name: euler"), from {@link SamplingHelp}; a linked or unknown value has none.
     */
    public static List<Concept> currentChoices(NodeInstance node, NodeSchema schema) {
        List<Concept> out = new ArrayList<>();
        for (InputSpec in : schema.inputs()) {
            if (!(in instanceof ComboInput combo)) {
                continue;
            }
            InputValue v = node.input(in.name());
            String value = v == null ? combo.effectiveDefault()
                    : v instanceof Literal l && l.value() instanceof String str ? str : null;
            SamplingHelp.forOption(in.name(), value).ifPresent(text ->
                    out.add(new Concept("option-" + in.name(), in.name() + ": " + value, text)));
        }
        return out;
    }

    /**
     * How the parts plug together, for when nothing is selected: the path of a picture through a pipeline, then
     * one line per add-on saying where it plugs in.
     */
    public static String overview() {
        List<String> lines = new ArrayList<>();
        lines.add("A workflow flows left to right: Load Checkpoint gives MODEL, CLIP and VAE → CLIP Text Encode turns"
                + " your prompts into CONDITIONING → the KSampler turns noise into a LATENT, steered by the"
                + " conditioning → VAE Decode turns the latent into an IMAGE → Save Image writes it.");
        lines.add("Add-ons plug into that path: a LoRA between the checkpoint and everything using MODEL and CLIP; a"
                + " hypernetwork on MODEL; embeddings inside the prompt text; clip skip on CLIP; a separate VAE into"
                + " VAE Decode; a ControlNet or T2I adapter, or GLIGEN text boxes, on the CONDITIONING, between the"
                + " prompts and the sampler.");
        lines.add("Select a node to read about it; hover a wire to see what flows on it.");
        return String.join("\n\n", lines);
    }
}
