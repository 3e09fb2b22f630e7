package dev.noodle.engine.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * The textual-inversion embeddings placed in the prompt, in order of first appearance, each with the number of
     * token positions its vectors fill (all its uses together); empty when the prompt uses none.
     */
    public Map<String, Integer> embeddingPositions() {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        for (Chunk c : chunks) {
            for (EmbeddingSlot s : c.slots()) {
                out.merge(s.name(), 1, Integer::sum);
            }
        }
        return out;
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
     * (A1111's SD 2.x rule). Textual-inversion embeddings are not recognised.
     */
    public static PromptTokens tokenizeA1111(String prompt, ClipTokenizer tokenizer, int padId) {
        return tokenizeA1111(prompt, tokenizer, EmbeddingLookup.NONE, padId);
    }

    /**
     * As {@link #tokenizeA1111(String, ClipTokenizer, int)}, with AUTOMATIC1111's textual inversion: wherever the
     * tokens of an embedding's name appear in the prompt (longest name first, no {@code embedding:} prefix), its
     * vectors take their place, one position each, carrying the surrounding weight; an embedding never straddles
     * two chunks (it starts the next one when it does not fit). An embedding whose width does not fit the encoder is
     * skipped with a warning and its name stays plain text.
     */
    public static PromptTokens tokenizeA1111(String prompt, ClipTokenizer tokenizer, EmbeddingLookup embeddings,
            int padId) {
        Map<Integer, List<Trigger>> triggers = triggers(tokenizer, embeddings);
        int comma = tokenizer.idOf(",</w>");
        List<String> warnings = new ArrayList<>();
        List<Chunk> chunks = new ArrayList<>();
        List<Item> body = new ArrayList<>();
        int lastComma = -1;
        for (A1111PromptParser.Segment seg : A1111PromptParser.parse(prompt)) {
            if (seg.isBreak()) {
                chunks.add(a1111Chunk(body, tokenizer, padId));
                body = new ArrayList<>();
                lastComma = -1;
                continue;
            }
            float w = (float) seg.weight();
            int[] tokens = tokenizer.encode(seg.text());
            int pos = 0;
            while (pos < tokens.length) {
                int token = tokens[pos];
                if (token == comma) {
                    lastComma = body.size();
                } else if (body.size() == CHUNK_BODY && lastComma != -1
                        && body.size() - lastComma <= COMMA_BACKTRACK) {
                    int cut = lastComma + 1;
                    List<Item> moved = new ArrayList<>(body.subList(cut, body.size()));
                    chunks.add(a1111Chunk(body.subList(0, cut), tokenizer, padId));
                    body = moved;
                    lastComma = -1;
                }
                if (body.size() == CHUNK_BODY) {
                    chunks.add(a1111Chunk(body, tokenizer, padId));
                    body = new ArrayList<>();
                    lastComma = -1;
                }
                Trigger t = triggerAt(triggers, tokens, pos);
                float[][] vectors = t == null ? null : vectorsOf(t.name(), embeddings, warnings);
                if (vectors == null) {
                    body.add(new Item(token, w, null, null));
                    pos++;
                    continue;
                }
                if (body.size() + vectors.length > CHUNK_BODY) {
                    chunks.add(a1111Chunk(body, tokenizer, padId));
                    body = new ArrayList<>();
                    lastComma = -1;
                }
                for (float[] v : vectors) {
                    body.add(new Item(0, w, t.name(), v.clone()));
                }
                pos += t.ids().length;
            }
        }
        if (!body.isEmpty() || chunks.isEmpty()) {
            chunks.add(a1111Chunk(body, tokenizer, padId));
        }
        Chunk empty = a1111Chunk(List.of(), tokenizer, padId);
        return new PromptTokens(chunks, empty, warnings);
    }

    private record Trigger(String name, int[] ids) {}

    // embedding names by their first token, longest token sequence first
    private static Map<Integer, List<Trigger>> triggers(ClipTokenizer tokenizer, EmbeddingLookup embeddings) {
        Map<Integer, List<Trigger>> m = new HashMap<>();
        for (String name : embeddings.names()) {
            int[] ids = tokenizer.encode(name);
            if (ids.length > 0) {
                m.computeIfAbsent(ids[0], k -> new ArrayList<>()).add(new Trigger(name, ids));
            }
        }
        m.values().forEach(l -> l.sort((a, b) -> Integer.compare(b.ids().length, a.ids().length)));
        return m;
    }

    private static Trigger triggerAt(Map<Integer, List<Trigger>> triggers, int[] tokens, int pos) {
        for (Trigger t : triggers.getOrDefault(tokens[pos], List.of())) {
            if (pos + t.ids().length <= tokens.length
                    && Arrays.equals(tokens, pos, pos + t.ids().length, t.ids(), 0, t.ids().length)) {
                return t;
            }
        }
        return null;
    }

    private static float[][] vectorsOf(String name, EmbeddingLookup embeddings, List<String> warnings) {
        try {
            return embeddings.find(name);
        } catch (RuntimeException e) { // a damaged file or one made for another text encoder
            String w = "Embedding '" + name + "' skipped: " + e.getMessage();
            if (!warnings.contains(w)) {
                warnings.add(w);
            }
            return null;
        }
    }

    /** Wraps up to 75 positions as start, body, end-padding, end; positions after the first end get {@code pad}. */
    private static Chunk a1111Chunk(List<Item> body, ClipTokenizer tok, int pad) {
        int[] ids = new int[CHUNK_LENGTH];
        float[] w = new float[CHUNK_LENGTH];
        java.util.Arrays.fill(ids, tok.endId());
        java.util.Arrays.fill(w, 1f);
        ids[0] = tok.startId();
        List<EmbeddingSlot> slots = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            Item it = body.get(i);
            ids[1 + i] = it.id();
            w[1 + i] = it.weight();
            if (it.vector() != null) {
                slots.add(new EmbeddingSlot(1 + i, it.embedding(), it.vector()));
            }
        }
        boolean seenEnd = false;
        for (int i = 0; i < CHUNK_LENGTH; i++) {
            if (seenEnd) {
                ids[i] = pad;
            } else if (ids[i] == tok.endId()) {
                seenEnd = true;
            }
        }
        return new Chunk(ids, w, slots);
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
