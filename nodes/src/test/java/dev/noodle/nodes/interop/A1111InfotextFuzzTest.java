package dev.noodle.nodes.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.validate.Validator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Jazzer fuzz target for the AUTOMATIC1111 infotext importer (bad-inputs G5): {@link A1111Infotext#parse} never
 * throws, {@link InfotextGraph#toWorkflow} refuses only with the {@link IllegalArgumentException} that
 * {@code WorkflowSources} turns into a "cannot be turned into a graph" message (an unknown sampler) — a leaked
 * {@link NumberFormatException} (also an IllegalArgumentException, but with a message like "For input string") or
 * any other throwable is a finding — and the graph it builds validates and writes back to infotext without throwing.
 * Regression inputs (UTF-8 text) live under {@code A1111InfotextFuzzTestInputs/parseAndImport/}.
 */
class A1111InfotextFuzzTest {
    private static final Validator VALIDATOR = new Validator(InteropTestSupport.registry());
    private static final List<String> CHECKPOINTS = List.of("sd/v1-5-pruned-emaonly.safetensors", "anything-v5.ckpt");

    @FuzzTest(maxDuration = "10m")
    void parseAndImport(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        A1111Infotext info = A1111Infotext.parse(text);
        assertNotNull(info.prompt());
        assertNotNull(info.negativePrompt());
        // keys are never empty; a value may be: A1111 keeps `Key: ""` as "" (crash-9f0bc94b…, a test finding)
        info.params().forEach((k, v) -> assertFalse(k.isEmpty() || v == null, "empty key or null value: " + k));
        Workflow wf;
        try {
            wf = InfotextGraph.toWorkflow(info, CHECKPOINTS);
        } catch (NumberFormatException e) {
            throw new AssertionError("a number in the infotext leaked " + e, e);
        } catch (IllegalArgumentException refused) {
            assertTrue(refused.getMessage().startsWith("unknown AUTOMATIC1111 sampler"), refused.getMessage());
            return;
        }
        assertNotNull(VALIDATOR.validate(wf)); // problems are listed, never thrown
        A1111Infotext back = InfotextGraph.toInfotext(wf);
        A1111Infotext.parse(back.format());
    }
}
