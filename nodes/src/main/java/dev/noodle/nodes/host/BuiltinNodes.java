package dev.noodle.nodes.host;

import dev.noodle.nodes.conditioning.ClipVisionNodes;
import dev.noodle.nodes.conditioning.ConditioningEditNodes;
import dev.noodle.nodes.conditioning.ControlNetNodes;
import dev.noodle.nodes.conditioning.GligenTextBoxApply;
import dev.noodle.nodes.conditioning.ConditioningNodes;
import dev.noodle.nodes.conditioning.SdxlConditioningNodes;
import dev.noodle.nodes.image.ImageNodes;
import dev.noodle.nodes.image.CannyNode;
import dev.noodle.nodes.image.MaskNodes;
import dev.noodle.nodes.image.PixelNodes;
import dev.noodle.nodes.image.ScaleNodes;
import dev.noodle.nodes.conditioning.InstructPixToPixConditioning;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.latent.LatentNodes;
import dev.noodle.nodes.latent.VaeNodes;
import dev.noodle.nodes.loaders.ClipVisionLoaderNodes;
import dev.noodle.nodes.loaders.LoaderNodes;
import dev.noodle.nodes.loaders.LoraNodes;
import dev.noodle.nodes.loaders.GligenLoader;
import dev.noodle.nodes.loaders.VaeLoaderNodes;
import dev.noodle.nodes.model.CheckpointSaveNode;
import dev.noodle.nodes.model.LoraSaveNode;
import dev.noodle.nodes.model.GuidancePatchNodes;
import dev.noodle.nodes.model.MergeNodes;
import dev.noodle.nodes.model.ModelSamplingContinuous;
import dev.noodle.nodes.model.ModelSamplingDiscrete;
import dev.noodle.nodes.model.SaveNodes;
import dev.noodle.nodes.sampling.CustomSamplerNodes;
import dev.noodle.nodes.sampling.GuiderNodes;
import dev.noodle.nodes.sampling.SamplerNodes;
import dev.noodle.nodes.sampling.SamplerOptionNodes;
import dev.noodle.nodes.sampling.SigmaNodes;
import dev.noodle.nodes.utils.CustomCombo;
import dev.noodle.nodes.utils.PreviewAny;
import dev.noodle.nodes.utils.PrimitiveNodes;
import dev.noodle.nodes.utils.StringNodes;

import dev.noodle.graph.node.NodeDefinition;
import dev.noodle.graph.pack.NodePack;
import dev.noodle.graph.pack.PackContext;
import java.util.List;

/**
 * Noodle's own nodes, registered through the same {@link NodePack} service a third-party pack uses (listed in this
 * module's {@code META-INF/services/dev.noodle.graph.pack.NodePack}): loading, text encoding, sampling, latents, VAE,
 * images (save, load, invert, blend, stitch), LoRA and other add-ons, merging, inpainting and scaling, and the
 * primitive, text, custom-combo and preview-as-text utilities, by ComfyUI class name.
 *
 * <p>Stateless; the nodes it creates read their folders from the context's {@link NodeEnvironment}.
 */
public final class BuiltinNodes implements NodePack {
    /** The pack name Noodle's own nodes are listed under. */
    public static final String NAME = "noodle";
    /** Noodle's version, shown beside the built-in pack. */
    public static final String VERSION = "0.1.0";

    /** Created by {@link java.util.ServiceLoader}. */
    public BuiltinNodes() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public List<NodeDefinition> nodes(PackContext context) {
        NodeEnvironment env = context.service(NodeEnvironment.class);
        return List.of(
                new LoaderNodes.CheckpointLoaderSimple(env),
                new dev.noodle.nodes.loaders.UnclipCheckpointLoader(env),
                new ConditioningNodes.ClipTextEncode(),
                new ConditioningNodes.ClipTextEncodeClipSkip(),
                new ConditioningNodes.ClipSetLastLayer(),
                new SdxlConditioningNodes.ClipTextEncodeSdxl(),
                new SdxlConditioningNodes.ClipTextEncodeSdxlRefiner(),
                new ConditioningNodes.ConditioningCombine(),
                new ConditioningNodes.ConditioningSetArea(),
                new ConditioningEditNodes.ConditioningAverage(),
                new ConditioningEditNodes.ConditioningConcat(),
                new ConditioningEditNodes.ConditioningSetAreaPercentage(),
                new ConditioningEditNodes.ConditioningSetAreaStrength(),
                new ConditioningEditNodes.ConditioningSetMask(),
                new ConditioningEditNodes.ConditioningZeroOut(),
                new ConditioningEditNodes.ConditioningSetTimestepRange(),
                new ControlNetNodes.ControlNetApply(),
                new ControlNetNodes.ControlNetApplyAdvanced(),
                new dev.noodle.nodes.conditioning.UnclipNodes.UnclipConditioning(),
                // ComfyUI_IPAdapter_plus: IP-Adapter loaders and apply nodes
                new dev.noodle.nodes.loaders.IpAdapterLoaders.IPAdapterModelLoader(env),
                new dev.noodle.nodes.loaders.IpAdapterLoaders.IPAdapterUnifiedLoader(env),
                new dev.noodle.nodes.model.IpAdapterNodes.IPAdapter(),
                new dev.noodle.nodes.model.IpAdapterNodes.IPAdapterAdvanced(),
                new dev.noodle.nodes.model.IpAdapterNodes.PrepImageForClipVision(),
                new GligenTextBoxApply(),
                new LatentNodes.EmptyLatentImage(),
                new LatentNodes.RepeatLatentBatch(),
                // latent operations: compositing, arithmetic, batches, transforms, .latent files
                new dev.noodle.nodes.latent.LatentOpNodes.LatentComposite(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentCompositeMasked(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentBlend(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentAdd(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentSubtract(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentMultiply(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentInterpolate(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentBatch(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentFromBatch(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentBatchSeedBehavior(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentCrop(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentFlip(),
                new dev.noodle.nodes.latent.LatentOpNodes.LatentRotate(),
                new dev.noodle.nodes.latent.LatentFileNodes.SaveLatent(env),
                new dev.noodle.nodes.latent.LatentFileNodes.LoadLatent(env),
                new SamplerNodes.KSampler(),
                new SamplerNodes.KSamplerAdvanced(),
                new SigmaNodes.BasicScheduler(),
                new SigmaNodes.KarrasScheduler(),
                new SigmaNodes.ExponentialScheduler(),
                new SigmaNodes.PolyexponentialScheduler(),
                new SigmaNodes.LaplaceScheduler(),
                new SigmaNodes.SDTurboScheduler(),
                new SigmaNodes.BetaSamplingScheduler(),
                new SigmaNodes.VPScheduler(),
                new SigmaNodes.AlignYourStepsScheduler(),
                new SigmaNodes.SplitSigmas(),
                new SigmaNodes.SplitSigmasDenoise(),
                new SigmaNodes.FlipSigmas(),
                new SigmaNodes.SetFirstSigma(),
                new CustomSamplerNodes.KSamplerSelect(),
                new SamplerOptionNodes.SamplerEulerAncestral(),
                new SamplerOptionNodes.SamplerEulerAncestralCFGPP(),
                new SamplerOptionNodes.SamplerLMS(),
                new SamplerOptionNodes.SamplerDPMPP_3M_SDE(),
                new SamplerOptionNodes.SamplerDPMPP_2M_SDE(),
                new SamplerOptionNodes.SamplerDPMPP_SDE(),
                new SamplerOptionNodes.SamplerDPMPP_2S_Ancestral(),
                new SamplerOptionNodes.SamplerDPMAdaptative(),
                new SamplerOptionNodes.SamplerER_SDE(),
                new SamplerOptionNodes.SamplerSASolver(),
                new SamplerOptionNodes.SamplerSEEDS2(),
                new CustomSamplerNodes.RandomNoise(),
                new CustomSamplerNodes.DisableNoise(),
                new CustomSamplerNodes.BasicGuider(),
                new CustomSamplerNodes.CFGGuider(),
                new GuiderNodes.DualCFGGuider(),
                new GuiderNodes.PerpNegGuider(),
                new CustomSamplerNodes.SamplerCustom(),
                new CustomSamplerNodes.SamplerCustomAdvanced(),
                new VaeNodes.VaeDecode(),
                new VaeNodes.VaeEncode(),
                new ImageNodes.SaveImage(env),
                new ImageNodes.PreviewImage(env),
                new ImageNodes.LoadImage(env),
                new PixelNodes.ImageInvert(),
                new PixelNodes.ImageBlend(),
                new CannyNode(),
                new PixelNodes.ImageStitch(),
                // masks: load, convert, combine, feather, grow, alpha
                new MaskNodes.LoadImageMask(env),
                new MaskNodes.ImageToMask(),
                new MaskNodes.ImageColorToMask(),
                new MaskNodes.MaskToImage(),
                new MaskNodes.SolidMask(),
                new MaskNodes.InvertMask(),
                new MaskNodes.CropMask(),
                new MaskNodes.MaskComposite(),
                new MaskNodes.FeatherMask(),
                new MaskNodes.GrowMask(),
                new MaskNodes.ThresholdMask(),
                new MaskNodes.MaskPreview(env),
                new MaskNodes.JoinImageWithAlpha(),
                new MaskNodes.SplitImageWithAlpha(),
                // checkpoint add-ons: LoRA, hypernetwork, VAE files, merging, saving, inpainting, scaling
                new LoraNodes.LoraLoader(env),
                new LoraNodes.LoraLoaderModelOnly(env),
                new LoraNodes.HypernetworkLoader(env),
                new VaeLoaderNodes.VaeLoader(env),
                new dev.noodle.nodes.loaders.ControlNetLoaderNodes.ControlNetLoader(env),
                new dev.noodle.nodes.loaders.ControlNetLoaderNodes.DiffControlNetLoader(env),
                new GligenLoader(env),
                new VaeLoaderNodes.VaeDecodeTiled(),
                new VaeLoaderNodes.VaeEncodeTiled(),
                // guidance by images: CLIP vision towers and style models
                new ClipVisionLoaderNodes.ClipVisionLoader(env),
                new ClipVisionNodes.ClipVisionEncode(),
                new ClipVisionLoaderNodes.StyleModelLoader(env),
                new ClipVisionNodes.StyleModelApply(),
                // upscale models (ESRGAN, Real-ESRGAN, compact)
                new dev.noodle.nodes.image.UpscaleModelNodes.UpscaleModelLoader(env),
                new dev.noodle.nodes.image.UpscaleModelNodes.ImageUpscaleWithModel(),
                new MergeNodes.ModelMergeSimple(),
                new MergeNodes.ModelMergeSubtract(),
                new MergeNodes.ModelMergeAdd(),
                new MergeNodes.ClipMergeSimple(),
                new MergeNodes.ModelMergeBlocks(),
                new MergeNodes.ModelMergeSD1(),
                new MergeNodes.ModelMergeSD2(),
                new MergeNodes.ModelMergeSDXL(),
                new MergeNodes.ClipMergeSubtract(),
                new MergeNodes.ClipMergeAdd(),
                new MergeNodes.CheckpointMerger(),
                new CheckpointSaveNode(env),
                new SaveNodes.VaeSave(env),
                new SaveNodes.ClipSave(env),
                new SaveNodes.ModelSave(env),
                new LoraSaveNode(env),
                new InpaintNodes.VaeEncodeForInpaint(),
                new InpaintNodes.SetLatentNoiseMask(),
                new InpaintNodes.InpaintModelConditioning(),
                new InstructPixToPixConditioning(),
                new ScaleNodes.LatentUpscale(),
                new ScaleNodes.LatentUpscaleBy(),
                new ScaleNodes.ImageScale(),
                new ScaleNodes.ImageScaleBy(),
                // image batches, placement and filters
                new dev.noodle.nodes.image.ImageBatchNodes.ImageBatch(),
                new dev.noodle.nodes.image.ImageBatchNodes.ImageFromBatch(),
                new dev.noodle.nodes.image.ImageBatchNodes.RepeatImageBatch(),
                new dev.noodle.nodes.image.ImageBatchNodes.EmptyImage(),
                new dev.noodle.nodes.image.ImageBatchNodes.GetImageSize(),
                new dev.noodle.nodes.image.ImageCompositeNodes.ImagePadForOutpaint(),
                new dev.noodle.nodes.image.ImageCompositeNodes.ImageCompositeMasked(),
                new dev.noodle.nodes.image.ImageCompositeNodes.ImageCrop(),
                new dev.noodle.nodes.image.ImageCompositeNodes.ImageScaleToTotalPixels(),
                new dev.noodle.nodes.image.ImageFilterNodes.ImageBlur(),
                new dev.noodle.nodes.image.ImageFilterNodes.ImageSharpen(),
                new dev.noodle.nodes.image.ImageFilterNodes.ImageQuantize(),
                new ModelSamplingDiscrete(),
                new ModelSamplingContinuous.ContinuousEdm(),
                new ModelSamplingContinuous.ContinuousV(),
                new GuidancePatchNodes.RescaleCFG(),
                new GuidancePatchNodes.CFGNorm(),
                // utilities shared workflows wire around the pipeline: primitives, text, preview as text
                new PrimitiveNodes.PrimitiveInt(),
                new PrimitiveNodes.PrimitiveFloat(),
                new PrimitiveNodes.PrimitiveString(),
                new PrimitiveNodes.PrimitiveStringMultiline(),
                new PrimitiveNodes.PrimitiveBoolean(),
                new StringNodes.StringConcatenate(),
                new StringNodes.StringLength(),
                new StringNodes.CaseConverter(),
                new StringNodes.StringTrim(),
                new StringNodes.StringReplace(),
                new StringNodes.StringContains(),
                new StringNodes.StringCompare(),
                new CustomCombo(),
                new PreviewAny());
    }
}
