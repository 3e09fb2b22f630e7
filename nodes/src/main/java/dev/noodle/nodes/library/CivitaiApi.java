package dev.noodle.nodes.library;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Asks Civitai's public REST API (v1) which file a model link means and what its page says: {@code
 * GET /api/v1/model-versions/{id}} for a version or download link, {@code GET /api/v1/models/{id}} for a model page
 * (its newest version, or the one in {@code ?modelVersionId=}). The file is the one the download link's {@code
 * type}/{@code format}/{@code size}/{@code fp} parameters choose, else the version's primary file. Thread-safe.
 */
public final class CivitaiApi {
    private final SiteApi api;

    CivitaiApi(SiteApi api) {
        this.api = api;
    }

    /** The file behind a Civitai link. */
    public RemoteFile resolve(ModelLink link) throws IOException {
        return switch (link) {
            case ModelLink.CivitaiDownload d -> {
                JsonNode version = version(d.versionId(), d.shown());
                long modelId = version.path("modelId").asLong(0);
                JsonNode model = modelId > 0 ? modelOrNull(modelId) : null;
                yield describe(version, model, modelId, d.fileChoice(), d.shown());
            }
            case ModelLink.CivitaiModelPage p -> {
                JsonNode model = model(p.modelId(), p.shown());
                JsonNode versions = model.path("modelVersions");
                JsonNode chosen = null;
                for (JsonNode v : versions) {
                    if (p.versionId() == null || v.path("id").asLong() == p.versionId()) {
                        chosen = v;
                        break;
                    }
                }
                if (chosen == null && p.versionId() != null) {
                    chosen = version(p.versionId(), p.shown());
                }
                if (chosen == null) {
                    throw new IOException("Civitai lists no downloadable version of model " + p.modelId() + " ("
                            + p.shown() + ")");
                }
                if (!chosen.path("files").isArray() || chosen.path("files").isEmpty()) {
                    chosen = version(chosen.path("id").asLong(), p.shown());
                }
                yield describe(chosen, model, p.modelId(), Map.of(), p.shown());
            }
            default -> throw new IllegalArgumentException("not a Civitai link: " + link.shown());
        };
    }

    private JsonNode version(long id, String shown) throws IOException {
        return api.getJson(base("/api/v1/model-versions/" + id), token(), RemoteSite.CIVITAI, shown);
    }

    private JsonNode model(long id, String shown) throws IOException {
        return api.getJson(base("/api/v1/models/" + id), token(), RemoteSite.CIVITAI, shown);
    }

    /** The model's own record adds its description and type; a version link stays usable without it. */
    private JsonNode modelOrNull(long id) {
        try {
            return model(id, base("/models/" + id).toString());
        } catch (IOException e) {
            return null;
        }
    }

    private URI base(String path) {
        return base(api.settings().civitaiBase(), path);
    }

    private static URI base(URI site, String path) {
        String b = site.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    private String token() {
        return api.settings().civitaiToken();
    }

    private RemoteFile describe(JsonNode version, JsonNode model, long modelId, Map<String, String> choice,
            String shown) throws IOException {
        return describe(api.settings().civitaiBase(), version, model, modelId, choice, shown);
    }

    /**
     * The file a version answer (and optionally the model answer) describes; any answer that lacks what is needed
     * is an IOException naming {@code shown}.
     */
    static RemoteFile describe(URI site, JsonNode version, JsonNode model, long modelId, Map<String, String> choice,
            String shown) throws IOException {
        long versionId = version.path("id").asLong(0);
        JsonNode file = chooseFile(version.path("files"), choice, shown);
        String name = SiteApi.text(file, "name");
        if (name == null) {
            throw new IOException("Civitai's answer for " + shown + " names no file");
        }
        String url = SiteApi.text(file, "downloadUrl");
        if (url == null) {
            url = SiteApi.text(version, "downloadUrl");
        }
        URI download;
        try {
            download = url != null ? URI.create(url) : base(site, "/api/download/models/" + versionId);
        } catch (IllegalArgumentException e) {
            throw new IOException("Civitai's answer for " + shown + " has a bad download address");
        }
        if (!"http".equalsIgnoreCase(download.getScheme()) && !"https".equalsIgnoreCase(download.getScheme())) {
            throw new IOException("Civitai's answer for " + shown + " has a download address that is not http(s)");
        }
        String sha = SiteApi.sha256(SiteApi.text(file.path("hashes"), "SHA256"));
        double kb = file.path("sizeKB").asDouble(-1);
        long size = kb > 0 ? Math.round(kb * 1024) : -1;
        JsonNode modelInfo = version.path("model");
        String modelName = first(SiteApi.text(model, "name"), SiteApi.text(modelInfo, "name"));
        String type = first(SiteApi.text(modelInfo, "type"), SiteApi.text(model, "type"));
        List<String> words = new ArrayList<>();
        for (JsonNode w : version.path("trainedWords")) {
            if (w.isTextual() && !w.asText().isBlank()) {
                words.add(w.asText().strip());
            }
        }
        String notes = first(SiteApi.text(model, "description"), SiteApi.text(version, "description"));
        long mid = modelId > 0 ? modelId : version.path("modelId").asLong(0);
        String page = mid > 0 ? base(site, "/models/" + mid + "?modelVersionId=" + versionId).toString() : shown;
        return new RemoteFile(download, RemoteSite.CIVITAI, page, sha, size, name, modelName,
                SiteApi.text(version, "name"), type, SiteApi.text(version, "baseModel"), words, notes);
    }

    /** The file the link's parameters choose, else the primary file, else the first model file. */
    static JsonNode chooseFile(JsonNode files, Map<String, String> choice, String shown) throws IOException {
        if (!files.isArray() || files.isEmpty()) {
            throw new IOException("Civitai lists no files for " + shown);
        }
        if (!choice.isEmpty()) {
            for (JsonNode f : files) {
                if (matches(f, choice)) {
                    return f;
                }
            }
            List<String> offered = new ArrayList<>();
            for (JsonNode f : files) {
                JsonNode m = f.path("metadata");
                offered.add(SiteApi.text(f, "name") + " (type=" + SiteApi.text(f, "type") + ", format="
                        + SiteApi.text(m, "format") + ", size=" + SiteApi.text(m, "size") + ", fp="
                        + SiteApi.text(m, "fp") + ")");
            }
            throw new IOException("No file of " + shown + " matches " + choice + "; Civitai offers: "
                    + String.join("; ", offered));
        }
        for (JsonNode f : files) {
            if (f.path("primary").asBoolean(false)) {
                return f;
            }
        }
        for (JsonNode f : files) {
            if ("model".equalsIgnoreCase(SiteApi.text(f, "type"))) {
                return f;
            }
        }
        return files.get(0);
    }

    private static boolean matches(JsonNode f, Map<String, String> choice) {
        JsonNode m = f.path("metadata");
        for (var e : choice.entrySet()) {
            String have = e.getKey().equals("type") ? SiteApi.text(f, "type") : SiteApi.text(m, e.getKey());
            if (have == null || !have.toLowerCase(Locale.ROOT).equals(e.getValue().toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }
}
