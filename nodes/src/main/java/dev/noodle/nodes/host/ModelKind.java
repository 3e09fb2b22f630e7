package dev.noodle.nodes.host;

import java.util.List;

/** The model folders under the models root, laid out as ComfyUI does, with the file endings each lists. */
public enum ModelKind {
    CHECKPOINTS("checkpoints", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    LORAS("loras", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    VAE("vae", List.of(".safetensors", ".ckpt", ".pt", ".pth", ".bin")),
    EMBEDDINGS("embeddings", List.of(".safetensors", ".pt", ".pth", ".bin")),
    HYPERNETWORKS("hypernetworks", List.of(".safetensors", ".pt", ".pth")),
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
