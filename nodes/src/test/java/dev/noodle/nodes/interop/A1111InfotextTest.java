package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
