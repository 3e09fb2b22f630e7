package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/**
 * Jazzer fuzz targets for what a site or a user hands the downloader (bad-inputs D1/D2): Civitai API answers,
 * pasted links, and the file names and sizes in answer headers. Every input must give a usable result or a typed
 * refusal (IOException, IllegalArgumentException with a message); any other throwable is a finding. The normal run
 * replays {@code DownloadAnswersFuzzTestInputs/<method>/}; {@code tools/fuzz.sh} fuzzes.
 */
class DownloadAnswersFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI SITE = URI.create("https://civitai.com");
    private static final DownloadSettings PUBLIC = DownloadSettings.fromEnvironment(Map.of(), new Properties());

    /** A model-version answer (optionally with a model answer after a NUL byte) and a file choice. */
    @FuzzTest(maxDuration = "10m")
    void civitaiAnswer(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        int nul = text.indexOf('\0');
        JsonNode version;
        JsonNode model = null;
        try {
            version = JSON.readTree(nul < 0 ? text : text.substring(0, nul));
            if (nul >= 0) {
                model = JSON.readTree(text.substring(nul + 1));
            }
        } catch (JacksonException notJson) {
            return;
        }
        if (version == null) {
            return;
        }
        Map<String, String> choice = text.length() % 2 == 0 ? Map.of() : Map.of("format", "SafeTensor");
        try {
            RemoteFile f = CivitaiApi.describe(SITE, version, model, version.path("modelId").asLong(0), choice,
                    "fuzz");
            assertNotNull(f.fileName());
            String scheme = f.download().getScheme().toLowerCase(java.util.Locale.ROOT);
            assertTrue(scheme.equals("http") || scheme.equals("https"), scheme);
            assertTrue(f.sha256() == null || f.sha256().matches("[0-9a-f]{64}"), f.sha256());
            assertNotNull(f.triggerWords());
        } catch (IOException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    /** A pasted link: understood, or refused with a message; what is shown never carries a token. */
    @FuzzTest(maxDuration = "10m")
    void link(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        try {
            ModelLink link = ModelLinks.parse(text, PUBLIC);
            URI shown = URI.create(link.shown());
            assertTrue(shown.getRawUserInfo() == null, link.shown());
            assertFalse(ModelLinks.query(shown).containsKey("token"), link.shown());
            if (link instanceof ModelLink.HuggingFaceFile f) {
                assertFalse(f.fileName().isEmpty());
            }
        } catch (IllegalArgumentException refused) {
            assertNotNull(refused.getMessage());
        }
    }

    /** A Content-Disposition header and the file name made from it, and a size header. */
    @FuzzTest(maxDuration = "10m")
    void headerNames(byte[] input) {
        String header = new String(input, StandardCharsets.UTF_8);
        String name = HttpAnswers.dispositionName(header);
        String safe = SafeNames.fileName(name == null ? header : name, SITE);
        assertFalse(safe.isEmpty() || safe.contains("/") || safe.contains("\\") || safe.startsWith(".")
                || safe.endsWith(".part") || safe.chars().anyMatch(c -> c < 0x20), safe);
        assertTrue(HttpAnswers.parseOr(header, -1) >= -1);
    }
}
