package dev.noodle.engine.text;

import java.nio.file.Path;

/**
 * The CLIP tokenizer files are not installed. The message says exactly where to put which file and that Noodle can
 * download it ({@link TokenizerDownloader}).
 */
public class TokenizerMissingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path directory;

    public TokenizerMissingException(Path directory) {
        super("The CLIP tokenizer is missing. Put " + ClipTokenizer.OPENAI_VOCAB_FILE + " (from "
                + TokenizerDownloader.OPENAI_URL + ") into " + directory.toAbsolutePath()
                + ", or put vocab.json and merges.txt of openai/clip-vit-large-patch14 into that folder. Or run"
                + " `./noodle fetch-tokenizer` and Noodle will download " + ClipTokenizer.OPENAI_VOCAB_FILE
                + " for you (about 1.3 MB, checked with SHA-256 " + TokenizerDownloader.OPENAI_SHA256 + ").");
        this.directory = directory;
    }

    /** The folder the tokenizer files belong in ({@code <models>/tokenizers}). */
    public Path directory() {
        return directory;
    }
}
