package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Infotext parsing like A1111's parse_generation_parameters (bad-inputs row G5) and writing like create_infotext. */
class A1111InfotextTest {
    /**
     * The example in the docstring of {@code parse_generation_parameters}, AUTOMATIC1111/stable-diffusion-webui
     * {@code modules/infotext_utils.py} at commit 036500223de0a3caaa86360a8ad3ed301e4367b0.
     */
    static final String A1111_DOCSTRING = "girl with an artist's beret, determined, blue eyes, desert scene, computer"
            + " monitors, heavy makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed,"
            + " intricate\nNegative prompt: ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy,"
            + " disfigured, poorly drawn face, mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy"
            + " drawing\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash:"
            + " 45dee52b";

    /**
     * Real infotext from a model card: the second example of katakana's "Anime-Merged" card (A1111 late 2022: 8-hex
     * AutoV1 model hash, DDIM, Clip skip, ENSD), as copied in Wenxin-Jiang/CS577-NLP
     * {@code project/model_cards/_noArch/katakana_Anime-Merged_README.md} at commit
     * a8600e1cb8abb65276b87722516f0bc2adad60e4.
     */
    static final String ANIME_MERGED = "(realistic photo:1.0), (masterpiece:1.0), (highest quality:1.0), (high"
            + " quality:1.0), (detailed face:1.0), (detailed eyes:1.0), ((Cloud Strife)), in tetsuya nomura style\n"
            + "Negative prompt: text, signature, Doll, deformed, asymmetric, cropped, censored, frame, mock-up, lowres,"
            + " bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, worst quality, low"
            + " quality, normal quality, jpeg artifacts, watermark, username, blurry, artist name\n"
            + "Steps: 30, Sampler: DDIM, CFG scale: 11, Seed: 3398512029, Size: 512x512, Model hash: 80ad4ba4, Model:"
            + " Anime-Merged, Clip skip: 2, ENSD: 31337";

    /**
     * Real infotext with an extension's quoted parameter (commas inside quotes) and a 10-hex AutoV2 model hash: the
     * example in klimaleksus/stable-diffusion-webui-embedding-merge {@code README.md} at commit
     * 1b8fa5b195988b6f0290fe65e1c129d05714c1d9 (its Markdown quote marker removed; the two trailing spaces Markdown
     * uses as line breaks are kept, A1111 strips them).
     */
    static final String EMBEDDING_MERGE = "a photo of <'EM_1'>  \nNegative prompt: {'EM_2'}  \nSteps: 8, Sampler:"
            + " DPM++ 2M Karras, CFG scale: 7, Seed: 1374372309, Size: 512x512, Model hash: c6bbc15e32, Model:"
            + " sd-v1-5-inpainting, EmbeddingMerge: \"<'EM_1'>=<'sky' * 2/4 + 'forest' * 3/4>,"
            + " {'EM_2'}={'blurry'+'cropped'}\", Conditional mask weight: 1";

    /**
     * Real infotext with hires fix and keys in A1111 1.2's order (ENSD after Steps, Model before Sampler, no Hires
     * steps): example 6 (Counterfeit) of wudg/blogs {@code source/_posts/AI_SD出图记录.md} at commit
     * 4a488bc805a876b012f9c37b4bab002b0341fed0.
     */
    static final String COUNTERFEIT = "(masterpiece, best quality),1girl with long white hair sitting in a field of"
            + " green plants and flowers, her hand under her chin, warm lighting, white dress, blurry foreground\n"
            + "Negative prompt: EasyNegativeV2\n"
            + "Steps: 25, ENSD: 31337, Size: 512x1024, Seed: 1293666383, Model: CF5_Counterfeit-V3.0_fix_fix_fix,"
            + " Sampler: DPM++ 2M Karras, CFG scale: 10, Clip skip: 2, Model hash: db6cd0a62d, Hires upscale: 2, Hires"
            + " upscaler: R-ESRGAN 4x+ Anime6B, Denoising strength: 0.5";

    /** Every real infotext of these tests (the docstring example first). */
    static final java.util.List<String> REAL = java.util.List.of(A1111_DOCSTRING, ANIME_MERGED, EMBEDDING_MERGE,
            COUNTERFEIT);

    /** The text A1111 writes back for a parsed infotext: lines stripped (create_infotext joins them so). */
    static String normalised(String text) {
        return text.replace("  \n", "\n");
    }

    @Test
    void realInfotextsParseAndFormatBackUnchanged() {
        for (String text : REAL) {
            A1111Infotext info = A1111Infotext.parse(text);
            assertEquals(normalised(text), info.format(), text);
            assertEquals(info, A1111Infotext.parse(info.format()));
        }
        A1111Infotext anime = A1111Infotext.parse(ANIME_MERGED);
        assertEquals(9, anime.params().size(), anime.params().toString());
        assertEquals("DDIM", anime.params().get("Sampler"));
        assertEquals("80ad4ba4", anime.params().get("Model hash"));
        assertEquals("31337", anime.params().get("ENSD"));
        assertTrue(anime.prompt().endsWith("((Cloud Strife)), in tetsuya nomura style"));
        A1111Infotext em = A1111Infotext.parse(EMBEDDING_MERGE);
        assertEquals("a photo of <'EM_1'>", em.prompt());
        assertEquals("{'EM_2'}", em.negativePrompt());
        assertEquals("<'EM_1'>=<'sky' * 2/4 + 'forest' * 3/4>, {'EM_2'}={'blurry'+'cropped'}",
                em.params().get("EmbeddingMerge"));
        assertEquals("1", em.params().get("Conditional mask weight"));
        assertEquals(9, em.params().size(), em.params().toString());
        A1111Infotext cf = A1111Infotext.parse(COUNTERFEIT);
        assertEquals("EasyNegativeV2", cf.negativePrompt());
        assertEquals(java.util.List.of("Steps", "ENSD", "Size", "Seed", "Model", "Sampler", "CFG scale",
                "Clip skip", "Model hash", "Hires upscale", "Hires upscaler", "Denoising strength"),
                java.util.List.copyOf(cf.params().keySet()));
        assertEquals("R-ESRGAN 4x+ Anime6B", cf.params().get("Hires upscaler"));
    }

    @Test
    void parsesTheA1111DocstringExample() {
        A1111Infotext info = A1111Infotext.parse(A1111_DOCSTRING);
        assertEquals("girl with an artist's beret, determined, blue eyes, desert scene, computer monitors, heavy"
                + " makeup, by Alphonse Mucha and Charlie Bowater, ((eyeshadow)), (coquettish), detailed, intricate",
                info.prompt());
        assertEquals("ugly, fat, obese, chubby, (((deformed))), [blurry], bad anatomy, disfigured, poorly drawn face,"
                + " mutation, mutated, (extra_limb), (ugly), (poorly drawn hands), messy drawing", info.negativePrompt());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Steps", "20");
        expected.put("Sampler", "Euler a");
        expected.put("CFG scale", "7");
        expected.put("Seed", "965400086");
        expected.put("Size", "512x512");
        expected.put("Model hash", "45dee52b");
        assertEquals(expected, info.params());
        assertEquals(A1111_DOCSTRING, info.format());
    }

    @Test
    void g5QuotesCommasMultiLineAndNoNegative() {
        String text = "line one,\n  line two (with: colon)\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras,"
                + " Lora hashes: \"add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef\", Template: \"a \\\"q\\\"\","
                + " Empty: , Version: v1.10.1";
        A1111Infotext info = A1111Infotext.parse(text);
        assertEquals("line one,\nline two (with: colon)", info.prompt());
        assertEquals("", info.negativePrompt());
        assertEquals("add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef", info.params().get("Lora hashes"));
        assertEquals("a \"q\"", info.params().get("Template"));
        assertFalse(info.params().containsKey("Empty"), "A1111 skips a pair with an empty value");
        assertEquals("Karras", info.params().get("Schedule type"));
        assertEquals("v1.10.1", info.params().get("Version"));
        // written back as A1111's quote() does: only values with a comma, colon or newline are JSON-quoted
        assertEquals("line one,\nline two (with: colon)\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras,"
                + " Lora hashes: \"add_detail: 7c6bad76eb54, more_details: 3b8aa1d351ef\", Template: a \"q\","
                + " Version: v1.10.1", info.format());
    }

    @Test
    void g5LastLineWithFewerThanThreeParamsBelongsToThePrompt() {
        A1111Infotext info = A1111Infotext.parse("a cat\nNegative prompt: dog\nSteps: 20, Seed: 1");
        assertEquals("a cat", info.prompt());
        assertEquals("dog\nSteps: 20, Seed: 1", info.negativePrompt());
        assertEquals(Map.of(), info.params());
        A1111Infotext promptOnly = A1111Infotext.parse("  just a prompt  ");
        assertEquals("just a prompt", promptOnly.prompt());
        assertEquals(Map.of(), promptOnly.params());
    }

    @Test
    void samplerNamesMapBothWays() {
        assertEquals(new A1111Samplers.Choice("euler_ancestral", "normal"), A1111Samplers.toComfy("Euler a", null));
        assertEquals(new A1111Samplers.Choice("dpmpp_2m", "karras"), A1111Samplers.toComfy("DPM++ 2M Karras", null));
        assertEquals(new A1111Samplers.Choice("dpmpp_2m", "karras"), A1111Samplers.toComfy("DPM++ 2M", "Karras"));
        assertEquals(new A1111Samplers.Choice("dpmpp_sde", "exponential"),
                A1111Samplers.toComfy("DPM++ SDE", "Exponential"));
        assertEquals("DPM++ 2M SDE", A1111Samplers.samplerToA1111("dpmpp_2m_sde"));
        assertEquals("SGM Uniform", A1111Samplers.scheduleToA1111("sgm_uniform"));
    }
}
