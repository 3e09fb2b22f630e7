package dev.noodle.nodes.library;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The link shapes people paste from Civitai and Hugging Face. */
class ModelLinksTest {
    private static final DownloadSettings PUBLIC = DownloadSettings.fromEnvironment(Map.of(), new Properties());

    private static ModelLink parse(String s) {
        return ModelLinks.parse(s, PUBLIC);
    }

    @Test
    void civitaiModelPagesWithAndWithoutVersion() {
        var p = assertInstanceOf(ModelLink.CivitaiModelPage.class,
                parse("https://civitai.com/models/4201/realistic-vision-v60-b1?modelVersionId=130072"));
        assertEquals(4201, p.modelId());
        assertEquals(130072L, p.versionId());
        var q = assertInstanceOf(ModelLink.CivitaiModelPage.class, parse("https://www.civitai.com/models/4201"));
        assertNull(q.versionId());
    }

    @Test
    void civitaiDownloadLinksKeepTheirFileChoice() {
        var d = assertInstanceOf(ModelLink.CivitaiDownload.class,
                parse("https://civitai.com/api/download/models/130072?type=Model&format=SafeTensor&size=pruned"
                        + "&fp=fp16"));
        assertEquals(130072, d.versionId());
        assertEquals(Map.of("type", "Model", "format", "SafeTensor", "size", "pruned", "fp", "fp16"),
                d.fileChoice());
    }

    @Test
    void huggingFaceResolveBlobDatasetsAndEncodedRevisions() {
        var r = assertInstanceOf(ModelLink.HuggingFaceFile.class, parse(
                "https://huggingface.co/stabilityai/stable-diffusion-xl-base-1.0/resolve/main/"
                        + "sd_xl_base_1.0.safetensors?download=true"));
        assertEquals("models", r.repoType());
        assertEquals("stabilityai/stable-diffusion-xl-base-1.0", r.repo());
        assertEquals("main", r.revision());
        assertEquals("sd_xl_base_1.0.safetensors", r.path());
        var b = assertInstanceOf(ModelLink.HuggingFaceFile.class, parse(
                "https://huggingface.co/datasets/me/things/blob/refs%2Fpr%2F1/sub%20dir/a%20b.pt"));
        assertEquals("datasets", b.repoType());
        assertEquals("me/things", b.repo());
        assertEquals("refs/pr/1", b.revision());
        assertEquals("sub dir/a b.pt", b.path());
        assertEquals("a b.pt", b.fileName());
        var legacy = assertInstanceOf(ModelLink.HuggingFaceFile.class,
                parse("https://huggingface.co/gpt2/resolve/main/model.safetensors"));
        assertEquals("gpt2", legacy.repo());
    }

    @Test
    void otherAddressesAreDirectAndNonLinksAreRefused() {
        assertInstanceOf(ModelLink.DirectUrl.class, parse("https://example.org/files/model.safetensors"));
        assertThrows(IllegalArgumentException.class, () -> parse("ftp://example.org/x"));
        assertThrows(IllegalArgumentException.class, () -> parse("https://civitai.com/images/123"));
        assertThrows(IllegalArgumentException.class, () -> parse("https://civitai.com/models/abc"));
        IllegalArgumentException repoPage = assertThrows(IllegalArgumentException.class,
                () -> parse("https://huggingface.co/stabilityai/sdxl-turbo"));
        assertTrue(repoPage.getMessage().contains("/resolve/"), repoPage.getMessage());
        assertFalse(ModelLinks.isLink("models/x.safetensors"));
        assertTrue(ModelLinks.isLink(" HTTPS://civitai.com/models/1"));
    }

    @Test
    void credentialsNeverShow() {
        String shown = parse("https://user:pw@civitai.com/api/download/models/5?token=SECRET&type=Model").shown();
        assertEquals("https://civitai.com/api/download/models/5?type=Model", shown);
        String signed = ModelLinks.redact(java.net.URI.create(
                "https://cdn.example/x.safetensors?X-Amz-Signature=abc&X-Amz-Credential=k&response-content-type=a"));
        assertEquals("https://cdn.example/x.safetensors?response-content-type=a", signed);
        String settings = PUBLIC.withTokens("civ-secret", "hf-secret").toString();
        assertFalse(settings.contains("secret"), settings);
    }

    @Test
    void serverFileNamesAreMadeSafe() {
        var from = java.net.URI.create("https://x/y");
        assertEquals("passwd", SafeNames.fileName("../../etc/passwd", from));
        assertEquals("evil.safetensors", SafeNames.fileName("..\\..\\evil.safetensors", from));
        assertEquals("a_b_.pt", SafeNames.fileName("a:b?.pt", from));
        assertEquals("x.part_", SafeNames.fileName("x.part", from));
        assertTrue(SafeNames.fileName("..", from).startsWith("download-"));
        assertEquals("model.safetensors", HttpAnswers.dispositionName(
                "attachment; filename=\"model.safetensors\""));
        assertEquals("m ü.pt", HttpAnswers.dispositionName(
                "attachment; filename=\"m.pt\"; filename*=UTF-8''m%20%C3%BC.pt"));
    }
}
