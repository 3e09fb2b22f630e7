package dev.noodle.engine.text;

/**
 * Whose reading of a prompt to follow: ComfyUI's or AUTOMATIC1111's. The style decides how the text is tokenized
 * (weights syntax, {@code BREAK}, how embeddings are named) and how weights act on the encoder's output
 * ({@link #emphasis()}). Spelled in workflow JSON as the {@code prompt_style} option of the text-encode nodes
 * ({@code comfy}, {@code a1111}).
 */
public enum PromptStyle {
    /** ComfyUI: {@code (word:1.2)}, {@code embedding:name}, weights relative to the empty prompt (the default). */
    COMFY("comfy", Emphasis.COMFY),
    /**
     * AUTOMATIC1111: {@code (word)}, {@code [word]}, {@code BREAK}, embeddings by file name, z·w rescaled to the
     * chunk's mean.
     */
    A1111("a1111", Emphasis.A1111);

    private final String jsonName;
    private final Emphasis emphasis;

    PromptStyle(String jsonName, Emphasis emphasis) {
        this.jsonName = jsonName;
        this.emphasis = emphasis;
    }

    /** The name in workflow JSON and on the command line. */
    public String jsonName() {
        return jsonName;
    }

    /** How prompt weights act on the encoder's hidden states in this style. */
    public Emphasis emphasis() {
        return emphasis;
    }

    /**
     * Tokenizes a prompt as this style reads it ({@link PromptTokens#tokenize(String, ClipTokenizer, EmbeddingLookup,
     * int)} or {@link PromptTokens#tokenizeA1111(String, ClipTokenizer, EmbeddingLookup, int)}).
     *
     * @param padId the id filling positions after the end token
     */
    public PromptTokens tokenize(String prompt, ClipTokenizer tokenizer, EmbeddingLookup embeddings, int padId) {
        return switch (this) {
            case COMFY -> PromptTokens.tokenize(prompt, tokenizer, embeddings, padId);
            case A1111 -> PromptTokens.tokenizeA1111(prompt, tokenizer, embeddings, padId);
        };
    }
}
