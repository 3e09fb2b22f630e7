package dev.noodle.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer, as in OpenAI CLIP's {@code simple_tokenizer.py} and ComfyUI.
 *
 * <p>Text is whitespace-collapsed, stripped and lower-cased, split with CLIP's regular expression, each piece is
 * mapped byte by byte to printable characters (GPT-2's byte encoder), {@code </w>} is appended to the last symbol and
 * the merges are applied lowest rank first. Loads the OpenAI {@code bpe_simple_vocab_16e6.txt.gz} format and the
 * Hugging Face {@code vocab.json} + {@code merges.txt} format. Immutable and thread-safe (the BPE cache is
 * concurrent).
 */
public final class ClipTokenizer {
    /** File name of the OpenAI vocabulary. */
    public static final String OPENAI_VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz";

    /** Number of merges OpenAI CLIP uses from its vocabulary file (49152 - 256 - 2). */
    public static final int OPENAI_MERGE_COUNT = 48_894;

    static final String START = "<|startoftext|>";
    static final String END = "<|endoftext|>";
    private static final int MAX_CACHE = 50_000;

    /** CLIP's split: special tokens, English contractions, letter runs, single digits, other-symbol runs. */
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final Map<String, Integer> encoder;
    private final String[] decoder;
    private final Map<String, Integer> ranks;
    private final int startId;
    private final int endId;
    private final String source;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> encoder, Map<String, Integer> ranks, String source) {
        this.encoder = Collections.unmodifiableMap(encoder);
        this.ranks = Collections.unmodifiableMap(ranks);
        this.source = source;
        Integer s = encoder.get(START);
        Integer e = encoder.get(END);
        if (s == null || e == null) {
            throw new TokenizerFormatException(source + " has no " + START + " / " + END
                    + " tokens; it is not a CLIP vocabulary. Use " + OPENAI_VOCAB_FILE + " or CLIP's vocab.json.");
        }
        this.startId = s;
        this.endId = e;
        int max = 0;
        for (int id : encoder.values()) {
            max = Math.max(max, id);
        }
        this.decoder = new String[max + 1];
        encoder.forEach((k, v) -> decoder[v] = k);
    }

    /**
     * Builds a tokenizer from BPE merges in rank order: vocabulary = 256 byte symbols, the same with {@code </w>},
     * one token per merge, then the start and end tokens.
     */
    public static ClipTokenizer fromMerges(List<String[]> merges, String source) {
        Map<String, Integer> enc = new HashMap<>();
        List<String> vocab = new ArrayList<>(ByteEncoder.symbolsInVocabOrder());
        int n = vocab.size();
        for (int i = 0; i < n; i++) {
            vocab.add(vocab.get(i) + "</w>");
        }
        Map<String, Integer> ranks = new HashMap<>();
        for (String[] m : merges) {
            ranks.putIfAbsent(pairKey(m[0], m[1]), ranks.size());
            vocab.add(m[0] + m[1]);
        }
        vocab.add(START);
        vocab.add(END);
        for (int i = 0; i < vocab.size(); i++) {
            enc.put(vocab.get(i), i); // later duplicates win, as in dict(zip(vocab, ids))
        }
        return new ClipTokenizer(enc, ranks, source);
    }

    /**
     * Loads the OpenAI gzip format: a header line, then one merge per line; at most {@link #OPENAI_MERGE_COUNT}
     * merges are used (smaller files, such as {@link DemoVocabulary}'s, use all of theirs).
     */
    public static ClipTokenizer loadOpenAi(Path gz) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return readOpenAi(in, gz.toString());
        } catch (IOException e) {
            throw new TokenizerFormatException("Cannot read the CLIP vocabulary " + gz + ": " + e.getMessage()
                    + ". Delete it and let Noodle download it again, or copy " + OPENAI_VOCAB_FILE
                    + " from the openai/CLIP repository.", e);
        }
    }

    /** Reads the OpenAI format from an already decompressed stream. */
    static ClipTokenizer readOpenAi(InputStream plain, String source) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(plain, StandardCharsets.UTF_8));
        String header = r.readLine();
        if (header == null) {
            throw new TokenizerFormatException(source + " is empty; it should hold CLIP's BPE merges.");
        }
        List<String[]> merges = new ArrayList<>();
        String line;
        int lineNo = 1;
        while (merges.size() < OPENAI_MERGE_COUNT && (line = r.readLine()) != null) {
            lineNo++;
            merges.add(parseMerge(line, source, lineNo));
        }
        return fromMerges(merges, source);
    }

    /** Loads the Hugging Face format: {@code vocab.json} (token → id) and {@code merges.txt} ({@code #version} header). */
    public static ClipTokenizer loadHuggingFace(Path vocabJson, Path mergesTxt) {
        Map<String, Integer> enc = new HashMap<>();
        try {
            JsonNode root = new ObjectMapper().readTree(vocabJson.toFile());
            if (root == null || !root.isObject()) {
                throw new TokenizerFormatException(vocabJson + " is not a JSON object of token → id.");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getValue().canConvertToInt() || f.getValue().asInt() < 0) {
                    throw new TokenizerFormatException(vocabJson + ": token '" + f.getKey()
                            + "' has id " + f.getValue() + ", expected a non-negative integer.");
                }
                enc.put(f.getKey(), f.getValue().asInt());
            }
            Map<String, Integer> ranks = new HashMap<>();
            List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if ((i == 0 && l.startsWith("#version")) || l.isBlank()) {
                    continue;
                }
                String[] m = parseMerge(l, mergesTxt.toString(), i + 1);
                ranks.putIfAbsent(pairKey(m[0], m[1]), ranks.size());
            }
            return new ClipTokenizer(enc, ranks, vocabJson.getParent() + "/{vocab.json, merges.txt}");
        } catch (IOException e) {
            throw new TokenizerFormatException("Cannot read the CLIP tokenizer files " + vocabJson + " and "
                    + mergesTxt + ": " + e.getMessage(), e);
        }
    }

    /**
     * Finds the tokenizer in {@code <models>/tokenizers/}: {@value #OPENAI_VOCAB_FILE}, else {@code vocab.json} +
     * {@code merges.txt}; throws {@link TokenizerMissingException} saying where to put which file.
     */
    public static ClipTokenizer find(Path modelsRoot) {
        Path dir = modelsRoot.resolve("tokenizers");
        Path gz = dir.resolve(OPENAI_VOCAB_FILE);
        if (Files.isRegularFile(gz)) {
            return loadOpenAi(gz);
        }
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            return loadHuggingFace(vocab, merges);
        }
        throw new TokenizerMissingException(dir);
    }

    private static String[] parseMerge(String line, String source, int lineNo) {
        String[] parts = line.split(" ");
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new TokenizerFormatException(source + " line " + lineNo + ": expected a merge 'a b', found '"
                    + (line.length() > 40 ? line.substring(0, 40) + "…" : line) + "'.");
        }
        return parts;
    }

    private static String pairKey(String a, String b) {
        return a + ' ' + b;
    }

    /** Id of {@code <|startoftext|>} (49406 for the OpenAI vocabulary). */
    public int startId() {
        return startId;
    }

    /** Id of {@code <|endoftext|>} (49407 for the OpenAI vocabulary); also the default pad id. */
    public int endId() {
        return endId;
    }

    /** Number of ids (largest id + 1). */
    public int vocabSize() {
        return decoder.length;
    }

    /** Where the vocabulary came from, for messages. */
    public String source() {
        return source;
    }

    /** The id of an exact vocabulary entry such as {@code cat</w>}, or -1. */
    public int idOf(String token) {
        Integer id = encoder.get(token);
        return id == null ? -1 : id;
    }

    /** The vocabulary entry for an id (e.g. {@code cat</w>}). */
    public String token(int id) {
        if (id < 0 || id >= decoder.length || decoder[id] == null) {
            throw new IllegalArgumentException("Token id " + id + " is not in the vocabulary " + source);
        }
        return decoder[id];
    }

    /** CLIP's text cleanup: collapse whitespace runs to one space, strip, lower-case. */
    static String clean(String text) {
        return WHITESPACE.matcher(text).replaceAll(" ").strip().toLowerCase(java.util.Locale.ROOT);
    }

    /** Tokenizes text without start/end tokens. */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(clean(text));
        while (m.find()) {
            String piece = m.group();
            int[] ids = cache.get(piece);
            if (ids == null) {
                ids = bpeIds(piece);
                if (cache.size() < MAX_CACHE) {
                    cache.put(piece, ids);
                }
            }
            for (int id : ids) {
                out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Tokenizes text and wraps it as start, tokens, end (no padding). */
    public int[] encodeWithSpecials(String text) {
        int[] body = encode(text);
        int[] out = new int[body.length + 2];
        out[0] = startId;
        System.arraycopy(body, 0, out, 1, body.length);
        out[out.length - 1] = endId;
        return out;
    }

    /** Turns ids back into text (spaces where {@code </w>} ends a word), skipping start/end tokens. */
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            if (id != startId && id != endId) {
                sb.append(token(id));
            }
        }
        return ByteEncoder.decode(sb.toString().replace("</w>", " ")).strip();
    }

    private int[] bpeIds(String piece) {
        if (piece.equals(START) || piece.equals(END)) {
            return new int[] {piece.equals(START) ? startId : endId};
        }
        List<String> word = new ArrayList<>();
        String mapped = ByteEncoder.encode(piece);
        mapped.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
        word.set(word.size() - 1, word.get(word.size() - 1) + "</w>");
        while (word.size() > 1) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(pairKey(word.get(i), word.get(i + 1)));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            String a = word.get(best);
            String b = word.get(best + 1);
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(a) && word.get(i + 1).equals(b)) {
                    merged.add(a + b);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word.clear();
            word.addAll(merged);
        }
        int[] ids = new int[word.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = encoder.get(word.get(i));
            if (id == null) {
                throw new TokenizerFormatException("The vocabulary " + source + " has no entry for the BPE symbol '"
                        + word.get(i) + "' of '" + piece + "'; the vocabulary and merges do not belong together.");
            }
            ids[i] = id;
        }
        return ids;
    }
}
