package dev.noodle.engine.text;

import dev.noodle.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

/**
 * Generates a small CLIP-style BPE vocabulary so the offline demo runs without OpenAI's file: the 512 byte symbols
 * plus merges learned (classic BPE, Sennrich et al. 2016) from a fixed list of common prompt words, written in the
 * OpenAI gzip format. The start and end tokens come last, at ids {@code size - 2} and {@code size - 1}.
 * Deterministic: the same bytes every time. Stateless and thread-safe.
 */
public final class DemoVocabulary {
    /** Upper bound on learned merges. */
    public static final int MAX_MERGES = 400;

    /** The {@link ClipTokenizer#source()} of {@link #tokenizer()}. */
    public static final String SOURCE = "Noodle demo vocabulary";

    /** The training words, most frequent first (word i counts as {@code n - i} occurrences). */
    static final String WORDS = """
            a an the of and with in on at by for to from photo picture portrait painting drawing illustration
            render sketch cat dog bird horse fox owl lion tiger wolf fish dragon robot man woman girl boy child
            person people face eyes hair smile red orange yellow green blue purple pink black white gray grey
            brown golden silver dark light bright colorful beautiful cute detailed realistic photorealistic
            cinematic lighting sunset sunrise night day sky clouds mountain mountains forest tree trees river
            lake ocean sea beach city street house castle garden flowers flower field snow rain winter summer
            spring autumn landscape background foreground high quality best masterpiece sharp focus soft
            style art artwork digital oil watercolor anime cartoon fantasy science fiction futuristic ancient
            old young small large big tiny giant sitting standing walking running flying wearing holding hat
            dress shirt jacket glasses table chair window door room book cup car boat train space planet moon
            sun star stars fire water ice stone wood metal glass gold hd 4k 8k ultra very highly intricate
            elegant epic dramatic moody vibrant vintage studio camera lens bokeh depth wide angle close up
            view scene atmosphere trending artstation octane unreal engine concept character design
            """;

    private DemoVocabulary() {}

    private static final class Holder {
        static final List<String[]> MERGES = learn();
    }

    /** The learned merges, in rank order (computed once; callers get copies). */
    public static List<String[]> merges() {
        List<String[]> out = new ArrayList<>(Holder.MERGES.size());
        Holder.MERGES.forEach(m -> out.add(m.clone()));
        return out;
    }

    private static List<String[]> learn() {
        Map<List<String>, Integer> words = new java.util.HashMap<>();
        String[] list = WORDS.strip().split("\\s+");
        for (int rank = 0; rank < list.length; rank++) {
            String w = list[rank];
            List<String> sym = new ArrayList<>();
            ByteEncoder.encode(w).codePoints().forEach(cp -> sym.add(new String(Character.toChars(cp))));
            sym.set(sym.size() - 1, sym.get(sym.size() - 1) + "</w>");
            words.merge(sym, list.length - rank, Integer::sum); // earlier words count as more frequent
        }
        Set<String> vocab = new HashSet<>(ByteEncoder.symbolsInVocabOrder());
        ByteEncoder.symbolsInVocabOrder().forEach(s -> vocab.add(s + "</w>"));
        List<String[]> merges = new ArrayList<>();
        while (merges.size() < MAX_MERGES) {
            TreeMap<String, Integer> pairs = new TreeMap<>();
            words.forEach((sym, n) -> {
                for (int i = 0; i + 1 < sym.size(); i++) {
                    if (!vocab.contains(sym.get(i) + sym.get(i + 1))) {
                        pairs.merge(sym.get(i) + ' ' + sym.get(i + 1), n, Integer::sum);
                    }
                }
            });
            if (pairs.isEmpty()) {
                break;
            }
            String best = null;
            int bestCount = 0;
            for (Map.Entry<String, Integer> e : pairs.entrySet()) { // sorted: ties go to the smallest pair text
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            String[] pair = best.split(" ");
            merges.add(pair);
            vocab.add(pair[0] + pair[1]);
            Map<List<String>, Integer> next = new java.util.HashMap<>();
            words.forEach((sym, n) -> next.merge(applyMerge(sym, pair[0], pair[1]), n, Integer::sum));
            words = next;
        }
        return java.util.Collections.unmodifiableList(merges);
    }

    private static List<String> applyMerge(List<String> sym, String a, String b) {
        List<String> out = new ArrayList<>(sym.size());
        for (int i = 0; i < sym.size(); i++) {
            if (i + 1 < sym.size() && sym.get(i).equals(a) && sym.get(i + 1).equals(b)) {
                out.add(a + b);
                i++;
            } else {
                out.add(sym.get(i));
            }
        }
        return out;
    }

    /** A tokenizer over the demo vocabulary (no file needed). */
    public static ClipTokenizer tokenizer() {
        return ClipTokenizer.fromMerges(merges(), SOURCE);
    }

    /** Writes the vocabulary in OpenAI's gzip format to {@code target} atomically ({@link AtomicFiles}). */
    public static Path write(Path target) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes);
                Writer w = new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            w.write("#version: 0.2 - Noodle demo vocabulary\n");
            for (String[] m : merges()) {
                w.write(m[0] + " " + m[1] + "\n");
            }
        }
        AtomicFiles.writeBytes(target, bytes.toByteArray());
        return target;
    }
}
