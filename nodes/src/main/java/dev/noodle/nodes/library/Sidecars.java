package dev.noodle.nodes.library;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * What the files other tools keep beside a model say about it: Civitai's {@code <stem>.civitai.info} (the model
 * version as Civitai's API returns it: {@code trainedWords}, {@code baseModel}, {@code description},
 * {@code downloadUrl}, {@code modelId}/{@code id}, {@code model.name}, {@code files[].hashes.SHA256}), A1111's
 * {@code <stem>.json} user metadata ({@code "activation text"}, {@code "sd version"}, {@code description},
 * {@code notes}) and a preview image ({@code <stem>.preview.png}, else {@code <stem>.png}). A damaged or hostile
 * sidecar is ignored with a one-line problem; it never stops a model from being filed. Stateless.
 */
public final class Sidecars {
    /** Largest sidecar JSON read (Civitai's include image lists; 8 MiB is far above any real one). */
    static final long MAX_JSON_BYTES = 8L << 20;

    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                    .maxStringLength((int) MAX_JSON_BYTES).maxNumberLength(64).build())
            .build());

    /**
     * What the sidecars of one model say; empty strings and lists where they say nothing.
     *
     * @param base the base model they name, if one Noodle knows
     * @param triggerWords trigger words (Civitai's trained words, A1111's activation text), in order, no duplicates
     * @param sourceUrl where the file can be downloaded from
     * @param pageUrl the model's page
     * @param description the model page's description or A1111's description
     * @param notes A1111's notes
     * @param expectedSha256 the SHA-256 the source publishes for the file, lower case, or ""
     * @param preview the preview image beside the model, or null
     * @param problems one line per sidecar that could not be read
     */
    public record Info(Optional<BaseModel> base, List<String> triggerWords, String sourceUrl, String pageUrl,
            String description, String notes, String expectedSha256, Path preview, List<String> problems) {
        public Info {
            triggerWords = List.copyOf(triggerWords);
            problems = List.copyOf(problems);
        }

        /** Nothing known. */
        public static final Info NONE = new Info(Optional.empty(), List.of(), "", "", "", "", "", null, List.of());
    }

    private Sidecars() {}

    /** The sidecar files of {@code model} that exist (Civitai info, A1111 JSON, preview). */
    public static List<Path> filesOf(Path model) {
        List<Path> out = new ArrayList<>();
        String stem = stem(model);
        for (String suffix : List.of(".civitai.info", ".json", ".preview.png", ".png")) {
            Path p = model.resolveSibling(stem + suffix);
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Reads the sidecars beside {@code model}. */
    public static Info read(Path model) {
        String stem = stem(model);
        Path civitai = model.resolveSibling(stem + ".civitai.info");
        Path a1111 = model.resolveSibling(stem + ".json");
        List<String> problems = new ArrayList<>();
        Info c = Info.NONE;
        Info a = Info.NONE;
        if (Files.isRegularFile(civitai)) {
            c = parseOrProblem(civitai, true, problems);
        }
        if (Files.isRegularFile(a1111)) {
            a = parseOrProblem(a1111, false, problems);
        }
        Path preview = null;
        for (String suffix : List.of(".preview.png", ".png")) {
            Path p = model.resolveSibling(stem + suffix);
            if (Files.isRegularFile(p)) {
                preview = p;
                break;
            }
        }
        LinkedHashSet<String> triggers = new LinkedHashSet<>(c.triggerWords());
        triggers.addAll(a.triggerWords());
        return new Info(c.base().or(a::base), List.copyOf(triggers), c.sourceUrl(), c.pageUrl(),
                c.description().isEmpty() ? a.description() : c.description(), a.notes(), c.expectedSha256(), preview,
                problems);
    }

    private static Info parseOrProblem(Path file, boolean civitai, List<String> problems) {
        try {
            long size = Files.size(file);
            if (size > MAX_JSON_BYTES) {
                problems.add(file + " is " + size + " bytes, too large for a sidecar; ignored");
                return Info.NONE;
            }
            String text = Files.readString(file);
            return civitai ? parseCivitaiInfo(text) : parseA1111(text);
        } catch (IOException | RuntimeException e) {
            problems.add(file + " is not readable sidecar JSON (" + ModelIdentifier.firstLine(e) + "); ignored");
            return Info.NONE;
        }
    }

    /**
     * Parses a Civitai model-version JSON ({@code .civitai.info}).
     *
     * @throws IOException when it is not a JSON object
     */
    public static Info parseCivitaiInfo(String text) throws IOException {
        JsonNode root = object(text);
        List<String> words = new ArrayList<>();
        for (JsonNode w : root.path("trainedWords")) {
            if (w.isTextual()) {
                for (String part : w.asText().split(",")) {
                    if (!part.isBlank() && words.size() < 200) {
                        words.add(part.strip());
                    }
                }
            }
        }
        String page = "";
        if (root.path("modelId").canConvertToLong() && root.path("modelId").isIntegralNumber()) {
            page = "https://civitai.com/models/" + root.path("modelId").asLong();
            if (root.path("id").isIntegralNumber()) {
                page += "?modelVersionId=" + root.path("id").asLong();
            }
        }
        String sha = "";
        for (JsonNode f : root.path("files")) {
            String h = f.path("hashes").path("SHA256").asText("");
            if (h.matches("[0-9a-fA-F]{64}") && (sha.isEmpty() || f.path("primary").asBoolean(false))) {
                sha = h.toLowerCase(java.util.Locale.ROOT);
            }
        }
        String description = text(root.path("description"));
        if (description.isEmpty()) {
            description = text(root.path("model").path("description"));
        }
        return new Info(BaseModel.fromLabel(text(root.path("baseModel"))), words, httpUrl(text(root.path("downloadUrl"))),
                page, description, "", sha, null, List.of());
    }

    /**
     * Parses A1111's extra-networks user metadata ({@code <stem>.json}).
     *
     * @throws IOException when it is not a JSON object
     */
    public static Info parseA1111(String text) throws IOException {
        JsonNode root = object(text);
        List<String> words = new ArrayList<>();
        for (String part : text(root.path("activation text")).split(",")) {
            if (!part.isBlank() && words.size() < 200) {
                words.add(part.strip());
            }
        }
        return new Info(BaseModel.fromLabel(text(root.path("sd version"))), words, "", "",
                text(root.path("description")), text(root.path("notes")), "", null, List.of());
    }

    private static JsonNode object(String text) throws IOException {
        JsonNode root = JSON.readTree(text);
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        return root;
    }

    private static String text(JsonNode n) {
        return n.isTextual() ? n.asText().strip() : "";
    }

    private static String httpUrl(String s) {
        return s.startsWith("https://") || s.startsWith("http://") ? s : "";
    }

    static String stem(Path model) {
        String n = model.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
