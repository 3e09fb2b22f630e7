package dev.noodle.nodes.host;

import dev.noodle.nodes.image.ScaleNodes;
import dev.noodle.nodes.latent.InpaintNodes;
import dev.noodle.nodes.loaders.LoraNodes;
import dev.noodle.nodes.loaders.VaeLoaderNodes;
import dev.noodle.nodes.model.CheckpointSaveNode;
import dev.noodle.nodes.model.MergeNodes;
import dev.noodle.nodes.model.ModelSamplingDiscrete;

import dev.noodle.graph.node.NodeRegistry;

/** Registers the checkpoint add-on nodes: LoRA, hypernetwork, VAE files, merging, inpainting, scaling. */
final class AddonNodes {
    private AddonNodes() {}

    static void register(NodeRegistry r, NodeEnvironment env) {
        r.register(new LoraNodes.LoraLoader(env));
        r.register(new LoraNodes.LoraLoaderModelOnly(env));
        r.register(new LoraNodes.HypernetworkLoader(env));
        r.register(new VaeLoaderNodes.VaeLoader(env));
        r.register(new VaeLoaderNodes.VaeDecodeTiled());
        r.register(new VaeLoaderNodes.VaeEncodeTiled());
        r.register(new MergeNodes.ModelMergeSimple());
        r.register(new MergeNodes.ModelMergeSubtract());
        r.register(new MergeNodes.ModelMergeAdd());
        r.register(new MergeNodes.ClipMergeSimple());
        r.register(new MergeNodes.CheckpointMerger());
        r.register(new CheckpointSaveNode(env));
        r.register(new InpaintNodes.VaeEncodeForInpaint());
        r.register(new InpaintNodes.SetLatentNoiseMask());
        r.register(new InpaintNodes.InpaintModelConditioning());
        r.register(new ScaleNodes.LatentUpscale());
        r.register(new ScaleNodes.LatentUpscaleBy());
        r.register(new ScaleNodes.ImageScale());
        r.register(new ScaleNodes.ImageScaleBy());
        r.register(new ModelSamplingDiscrete());
    }
}
