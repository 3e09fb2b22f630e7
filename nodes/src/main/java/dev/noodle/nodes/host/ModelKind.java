package dev.noodle.nodes.host;

import java.util.List;

/** The model folders under the models root, laid out as ComfyUI does, with the file endings each lists. */
public enum ModelKind {
    CHECKPOINTS("checkpoints", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    LORAS("loras", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    VAE("vae", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    /** TAESD encoders and decoders (taesd_decoder.pth, taesdxl_encoder.safetensors …): previews and VAELoader. */
    VAE_APPROX("vae_approx", List.of(".safetensors", ".pth", ".pt", ".ckpt", ".bin")),
    EMBEDDINGS("embeddings", List.of(".safetensors", ".pt", ".pth", ".bin")),
    HYPERNETWORKS("hypernetworks", List.of(".safetensors", ".pt", ".pth")),
    /** ControlNets and T2I-Adapters (ComfyUI also lists its t2i_adapter folder under controlnet). */
    CONTROLNET("controlnet", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    /** CLIP image towers (CLIPVisionLoader). */
    CLIP_VISION("clip_vision", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    /** Style adapters (StyleModelLoader). */
    STYLE_MODELS("style_models", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    /** GLIGEN position nets (GLIGENLoader). */
    GLIGEN("gligen", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    /** IP-Adapter files (IPAdapterModelLoader, as the ComfyUI_IPAdapter_plus pack). */
    IPADAPTER("ipadapter", List.of(".safetensors", ".bin", ".pth")),
    /** Single-image upscalers: ESRGAN, Real-ESRGAN, compact … (UpscaleModelLoader). */
    UPSCALE_MODELS("upscale_models", List.of(".pth", ".pt", ".safetensors", ".ckpt", ".bin")),
    TOKENIZERS("tokenizers", List.of(".gz", ".json", ".txt"));

    private final String folder;
    private final List<String> extensions;

    ModelKind(String folder, List<String> extensions) {
        this.folder = folder;
        this.extensions = extensions;
    }

    /** Folder name under the models root. */
    public String folder() {
        return folder;
    }

    /** File endings listed in this folder (lower case). */
    public List<String> extensions() {
        return extensions;
    }
}
