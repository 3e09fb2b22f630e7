package dev.noodle.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt tokenized for CLIP: chunks of 77 positions (start, up to 75 tokens, end, padding), each position with a
 * weight, plus textual-inversion embedding slots. Follows ComfyUI's {@code SDTokenizer.tokenize_with_weights}:
 * words are separated by spaces; a word whose tokens do not fit in the current chunk moves whole to the next one,
 * unless it has 8 or more tokens, in which case it is split at the chunk boundary. Commas get no special treatment.
 * Immutable.
 *
 * @param chunks the chunks, at least one
 * @param empty the empty prompt's chunk (start, end, padding): the baseline of prompt weighting
 * @param warnings user-facing warnings (for example unknown embeddings), empty when none
 */
public record PromptTokens(List<Chunk> chunks, Chunk empty, List<String> warnings) {
    /** Positions per chunk: start + 75 + end. */
    public static final int CHUNK_LENGTH = 77;

    /** Words with at least this many tokens may be split across chunks (ComfyUI's {@code max_word_length}). */
    static final int MAX_WORD_LENGTH = 8;

    static final String EMBEDDING_PREFIX = "embedding:";

    /**
     * One embedding vector at one position; the position's id in {@link Chunk#ids} is a placeholder (0).
     *
     * @param position index in the chunk
     * @param name embedding name as written in the prompt
     * @param vector the vector, one token position wide
     */
    public record EmbeddingSlot(int position, String name, float[] vector) {}

    /**
     * One 77-position chunk.
     *
     * @param ids token ids (placeholders 0 at embedding slots)
     * @param weights per-position weights (1 for start, end and padding)
     * @param slots embedding vectors to inject, by position
     */
    public record Chunk(int[] ids, float[] weights, List<EmbeddingSlot> slots) {
        public Chunk {
            ids = ids.clone();
            weights = weights.clone();
            slots = List.copyOf(slots);
        }

        @Override
        public int[] ids() {
            return ids.clone();
        }

        @Override
        public float[] weights() {
            return weights.clone();
        }

        /** Whether any weight differs from 1. */
        public boolean hasWeights() {
            for (float w : weights) {
                if (w != 1f) {
                    return true;
                }
            }
            return false;
        }
    }

    public PromptTokens {
        chunks = List.copyOf(chunks);
        warnings = List.copyOf(warnings);
    }

    /** Whether any position of any chunk has a weight other than 1. */
    public boolean hasWeights() {
        return chunks.stream().anyMatch(Chunk::hasWeights);
    }

    /** Tokenizes a prompt, padding with the end token (SD1/SDXL CLIP-L). */
    public static PromptTokens tokenize(String prompt, ClipTokenizer tokenizer, EmbeddingLookup embeddings) {
        return tokenize(prompt, tokenizer, embeddings, tokenizer.endId());
    }

    /** The empty prompt: start, end, then padding. */
    public static PromptTokens empty(ClipTokenizer tokenizer, int padId) {
        return tokenize("", tokenizer, EmbeddingLookup.NONE, padId);
    }

    private record Item(int id, float weight, String embedding, float[] vector) {}

    /** Tokenizes a prompt; {@code padId} fills positions after the end token (ComfyUI pads SD1 with the end id). */
    public static PromptTokens tokenize(String prompt, ClipTokenizer tokenizer, EmbeddingLookup embeddings,
            int padId) {
        List<String> warnings = new ArrayList<>();
        List<List<Item>> groups = new ArrayList<>();
        for (PromptParser.WeightedSegment seg : PromptParser.parse(prompt)) {
            float w = (float) seg.weight();
            for (String word : seg.text().replace('\n', ' ').split(" ")) {
                if (word.isEmpty()) {
                    continue;
                }
                if (word.startsWith(EMBEDDING_PREFIX)) {
                    word = addEmbedding(word.substring(EMBEDDING_PREFIX.length()), w, embeddings, groups, warnings);
                    if (word.isEmpty()) {
                        continue;
                    }
                }
                List<Item> g = new ArrayList<>();
                int exact = tokenizer.idOf(word + "</w>");
                for (int id : exact >= 0 ? new int[] {exact} : tokenizer.encode(word)) {
                    g.add(new Item(id, w, null, null));
                }
                groups.add(g);
            }
        }
        return new PromptTokens(pack(groups, tokenizer.startId(), tokenizer.endId(), padId),
                pack(List.of(), tokenizer.startId(), tokenizer.endId(), padId).get(0), warnings);
    }

    /** Tokens per chunk between the start and end tokens. */
    static final int CHUNK_BODY = CHUNK_LENGTH - 2;

    /** A1111's default {@code comma_padding_backtrack}: how far back a comma may pull a chunk boundary. */
    static final int COMMA_BACKTRACK = 20;

    /**
     * Tokenizes a prompt as AUTOMATIC1111 does ({@code sd_hijack_clip.tokenize_line}): {@link A1111PromptParser}
     * pieces are tokenized whole; a chunk holds 75 tokens; when a chunk is full and a comma lies at most 20 tokens
     * back, the tokens after the comma move to the next chunk; {@code BREAK} starts a new chunk; chunks are padded
     * with the end id, wrapped in start/end, and every position after the first end token becomes {@code padId}
     * (A1111's SD 2.x rule). Textual-inversion triggers are not recognised in this mode.
     */
    public static PromptTokens tokenizeA1111(String prompt, ClipTokenizer tokenizer, int padId) {
        int comma = tokenizer.idOf(",</w>");
        List<Chunk> chunks = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Float> ws = new ArrayList<>();
        int lastComma = -1;
        for (A1111PromptParser.Segment seg : A1111PromptParser.parse(prompt)) {
            if (seg.isBreak()) {
                chunks.add(a1111Chunk(ids, ws, tokenizer, padId));
                ids = new ArrayList<>();
                ws = new ArrayList<>();
                lastComma = -1;
                continue;
            }
            for (int token : tokenizer.encode(seg.text())) {
                if (token == comma) {
                    lastComma = ids.size();
                } else if (ids.size() == CHUNK_BODY && lastComma != -1
                        && ids.size() - lastComma <= COMMA_BACKTRACK) {
                    int cut = lastComma + 1;
                    List<Integer> movedIds = new ArrayList<>(ids.subList(cut, ids.size()));
                    List<Float> movedWs = new ArrayList<>(ws.subList(cut, ws.size()));
                    chunks.add(a1111Chunk(ids.subList(0, cut), ws.subList(0, cut), tokenizer, padId));
                    ids = movedIds;
                    ws = movedWs;
                    lastComma = -1;
                }
                if (ids.size() == CHUNK_BODY) {
                    chunks.add(a1111Chunk(ids, ws, tokenizer, padId));
                    ids = new ArrayList<>();
                    ws = new ArrayList<>();
                    lastComma = -1;
                }
                ids.add(token);
                ws.add((float) seg.weight());
            }
        }
        if (!ids.isEmpty() || chunks.isEmpty()) {
            chunks.add(a1111Chunk(ids, ws, tokenizer, padId));
        }
        Chunk empty = a1111Chunk(List.of(), List.of(), tokenizer, padId);
        return new PromptTokens(chunks, empty, List.of());
    }

    /** Wraps up to 75 tokens as start, tokens, end-padding, end; positions after the first end get {@code pad}. */
    private static Chunk a1111Chunk(List<Integer> body, List<Float> weights, ClipTokenizer tok, int pad) {
        int[] ids = new int[CHUNK_LENGTH];
        float[] w = new float[CHUNK_LENGTH];
        java.util.Arrays.fill(ids, tok.endId());
        java.util.Arrays.fill(w, 1f);
        ids[0] = tok.startId();
        for (int i = 0; i < body.size(); i++) {
            ids[1 + i] = body.get(i);
            w[1 + i] = weights.get(i);
        }
        boolean seenEnd = false;
        for (int i = 0; i < CHUNK_LENGTH; i++) {
            if (seenEnd) {
                ids[i] = pad;
            } else if (ids[i] == tok.endId()) {
                seenEnd = true;
            }
        }
        return new Chunk(ids, w, List.of());
    }

    /** Adds an embedding group; returns text left over to tokenize (trailing commas), else "". */
    private static String addEmbedding(String name, float w, EmbeddingLookup lookup, List<List<Item>> groups,
            List<String> warnings) {
        String leftover = "";
        float[][] vectors = lookup.find(name);
        if (vectors == null) {
            String stripped = name.replaceAll("^,+|,+$", "");
            if (stripped.length() < name.length() && !stripped.isEmpty()) {
                vectors = lookup.find(stripped);
                // ComfyUI keeps the text after the stripped name (the commas) as a word of its own
                leftover = name.substring(Math.min(name.length(), stripped.length()));
                name = stripped;
            }
        }
        if (vectors == null) {
            warnings.add("Unknown embedding '" + name + "' (written as embedding:" + name
                    + "); it was ignored. Put the file into the embeddings folder.");
            return leftover;
        }
        List<Item> g = new ArrayList<>();
        for (float[] v : vectors) {
            g.add(new Item(0, w, name, v.clone()));
        }
        if (!g.isEmpty()) {
            groups.add(g);
        }
        return leftover;
    }

    private static List<Chunk> pack(List<List<Item>> groups, int start, int end, int pad) {
        List<List<Item>> batches = new ArrayList<>();
        List<Item> batch = new ArrayList<>();
        batch.add(new Item(start, 1f, null, null));
        batches.add(batch);
        Item endItem = new Item(end, 1f, null, null);
        Item padItem = new Item(pad, 1f, null, null);
        for (List<Item> group : groups) {
            boolean large = group.size() >= MAX_WORD_LENGTH;
            List<Item> rest = group;
            while (!rest.isEmpty()) {
                if (rest.size() + batch.size() > CHUNK_LENGTH - 1) {
                    int room = CHUNK_LENGTH - batch.size() - 1;
                    if (large) {
                        batch.addAll(rest.subList(0, room));
                        batch.add(endItem);
                        rest = rest.subList(room, rest.size());
                    } else {
                        batch.add(endItem);
                        batch.addAll(java.util.Collections.nCopies(room, padItem));
                    }
                    batch = new ArrayList<>();
                    batch.add(new Item(start, 1f, null, null));
                    batches.add(batch);
                } else {
                    batch.addAll(rest);
                    rest = List.of();
                }
            }
        }
        batch.add(endItem);
        batch.addAll(java.util.Collections.nCopies(CHUNK_LENGTH - batch.size(), padItem));
        List<Chunk> chunks = new ArrayList<>();
        for (List<Item> b : batches) {
            int[] ids = new int[b.size()];
            float[] ws = new float[b.size()];
            List<EmbeddingSlot> slots = new ArrayList<>();
            for (int i = 0; i < b.size(); i++) {
                Item it = b.get(i);
                ids[i] = it.id();
                ws[i] = it.weight();
                if (it.vector() != null) {
                    slots.add(new EmbeddingSlot(i, it.embedding(), it.vector()));
                }
            }
            chunks.add(new Chunk(ids, ws, slots));
        }
        return chunks;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PromptTokens[");
        for (Chunk c : chunks) {
            sb.append(Arrays.toString(c.ids)).append(' ');
        }
        return sb.append(warnings).append(']').toString();
    }
}
