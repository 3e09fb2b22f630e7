package dev.noodle.app.ui;

import dev.noodle.app.ui.vm.GraphEditorViewModel;

/** Builds the text-to-image pipeline through the view-model. */
final class TestGraphs {
    private TestGraphs() {}

    /** Returns ids: checkpoint, positive, negative, sampler, decode, save, latent. */
    static String[] buildPipeline(GraphEditorViewModel vm) {
        String ckpt = vm.addNode("CheckpointLoaderSimple", 0, 0);
        String pos = vm.addNode("CLIPTextEncode", 320, 0);
        String neg = vm.addNode("CLIPTextEncode", 320, 260);
        String latent = vm.addNode("EmptyLatentImage", 320, 520);
        String sampler = vm.addNode("KSampler", 640, 0);
        String decode = vm.addNode("VAEDecode", 960, 0);
        String save = vm.addNode("SaveImage", 1280, 0);
        vm.setInput(pos, "text", "a bowl of noodles");
        vm.connect(ckpt, 1, pos, "clip");
        vm.connect(ckpt, 1, neg, "clip");
        vm.connect(ckpt, 0, sampler, "model");
        vm.connect(pos, 0, sampler, "positive");
        vm.connect(neg, 0, sampler, "negative");
        vm.connect(latent, 0, sampler, "latent_image");
        vm.connect(sampler, 0, decode, "samples");
        vm.connect(ckpt, 2, decode, "vae");
        vm.connect(decode, 0, save, "images");
        return new String[] {ckpt, pos, neg, sampler, decode, save, latent};
    }
}
