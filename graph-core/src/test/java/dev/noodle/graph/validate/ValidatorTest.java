package dev.noodle.graph.validate;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.pipeline;
import static dev.noodle.graph.testing.FakeNodes.wf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.testing.FakeNodes;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValidatorTest {
    private final FakeNodes fake = new FakeNodes();
    private final Validator validator = new Validator(fake.registry);

    private List<ValidationError> validate(Workflow w) {
        return validator.validate(w);
    }

    private static ValidationError only(List<ValidationError> errors, String code) {
        assertEquals(1, errors.size(), () -> "expected one error, got " + errors);
        assertEquals(code, errors.get(0).code().comfyName(), errors.get(0).toLine());
        return errors.get(0);
    }

    @Test
    void validPipelineHasNoErrors() {
        assertEquals(List.of(), validate(pipeline(1)));
    }

    @Test
    void requiredInputMissing() {
        Workflow w = pipeline(1).withNode(n("2", "Process", "latent", link("1", 0)));
        ValidationError e = only(validate(w), "required_input_missing");
        assertEquals("2", e.nodeId());
        assertEquals("strength", e.input());
        assertTrue(e.toLine().startsWith("node 2 (Process) input 'strength': "), e.toLine());
    }

    @Test
    void optionalInputMayBeMissing() {
        Workflow w = pipeline(1).withNode(n("5", "Mix", "a", link("1", 0))).withNode(n("6", "Preview", "latent",
                link("5", 0)));
        assertEquals(List.of(), validate(w));
    }

    @Test
    void returnTypeMismatch() {
        Workflow w = pipeline(1).withNode(n("4", "Save", "images", link("2", 0), "prefix", "p", "format", "png"));
        ValidationError e = only(validate(w), "return_type_mismatch");
        assertEquals("images", e.input());
        assertEquals("LATENT", e.details().get("received_type"));
        assertEquals("IMAGE", e.details().get("input_type"));
    }

    @Test
    void valueSmallerThanMin() {
        Workflow w = pipeline(1).withNode(n("2", "Process", "latent", link("1", 0), "strength", -0.5));
        ValidationError e = only(validate(w), "value_smaller_than_min");
        assertEquals("strength", e.input());
        assertTrue(e.message().contains("-0.5 smaller than min of 0.0"), e.message());
    }

    @Test
    void valueBiggerThanMax() {
        Workflow w = pipeline(1).withNode(n("1", "Source", "seed", 1L, "size", 5_000_000L));
        ValidationError e = only(validate(w), "value_bigger_than_max");
        assertEquals("size", e.input());
    }

    @Test
    void seedBeyondSixtyFourBitsIsTooBig() {
        Workflow w = pipeline(1).withNode(n("1", "Source", "seed", new BigInteger("18446744073709551615"),
                "size", 1L));
        only(validate(w), "value_bigger_than_max");
    }

    @Test
    void valueNotInList() {
        Workflow w = pipeline(1).withNode(n("4", "Save", "images", link("3", 0), "prefix", "p", "format", "../x"));
        ValidationError e = only(validate(w), "value_not_in_list");
        assertEquals("format", e.input());
        assertTrue(e.message().contains("'../x' not in [png, jpg]"), e.message());
    }

    @Test
    void invalidInputTypeForTextInIntInput() {
        Workflow w = pipeline(1).withNode(n("1", "Source", "seed", "abc", "size", 1L));
        ValidationError e = only(validate(w), "invalid_input_type");
        assertEquals("seed", e.input());
        assertTrue(e.message().contains("Failed to convert an input value to a INT value"), e.message());
    }

    @Test
    void intAcceptsIntegralFloatAndNumericStringsLikeComfyUi() {
        assertEquals(List.of(), validate(pipeline(1).withNode(n("1", "Source", "seed", 3.0, "size", "42"))));
        // "3.5" is not valid for Python int(); NaN is not a number at all
        only(validate(pipeline(1).withNode(n("1", "Source", "seed", "3.5", "size", 1L))), "invalid_input_type");
        only(validate(pipeline(1).withNode(n("2", "Process", "latent", link("1", 0), "strength", Double.NaN))),
                "invalid_input_type");
        assertEquals(List.of(), validate(pipeline(1).withNode(n("2", "Process", "latent", link("1", 0),
                "strength", "0.25"))));
    }

    @Test
    void literalOnSocketIsInvalidType() {
        Workflow w = pipeline(1).withNode(n("3", "ToImage", "latent", "a value"));
        only(validate(w), "invalid_input_type");
    }

    @Test
    void badLinkedInputToMissingNode() {
        Workflow w = pipeline(1).withNode(n("3", "ToImage", "latent", link("99", 0)));
        ValidationError e = only(validate(w), "bad_linked_input");
        assertTrue(e.message().contains("99"), e.message());
    }

    @Test
    void badLinkedInputOutputIndexOutOfRange() {
        Workflow w = pipeline(1).withNode(n("3", "ToImage", "latent", link("2", 3)));
        ValidationError e = only(validate(w), "bad_linked_input");
        assertTrue(e.message().contains("output 3 of node 2 (Process), which has 1 output(s)"), e.message());
    }

    @Test
    void badLinkedInputMalformedLink() {
        Workflow w = pipeline(1).withNode(n("3", "ToImage", "latent", new Literal(List.of("2"))));
        only(validate(w), "bad_linked_input");
    }

    @Test
    void dependencyCycleListsItsNodes() {
        Workflow w = wf(
                n("1", "Mix", "a", link("3", 0)),
                n("2", "Process", "latent", link("1", 0), "strength", 1.0),
                n("3", "Process", "latent", link("2", 0), "strength", 1.0),
                n("4", "Preview", "latent", link("3", 0)));
        ValidationError e = only(validate(w), "dependency_cycle");
        assertEquals(List.of("1", "2", "3"), e.details().get("nodes"));
        assertTrue(e.message().contains("1 -> 2 -> 3 -> 1"), e.message());
    }

    @Test
    void promptNoOutputs() {
        Workflow w = wf(n("1", "Source", "seed", 1L, "size", 1L));
        ValidationError e = only(validate(w), "prompt_no_outputs");
        assertEquals(null, e.nodeId());
    }

    @Test
    void unknownNodeType() {
        Workflow w = pipeline(1).withNode(n("9", "DoesNotExist"));
        ValidationError e = only(validate(w), "unknown_node_type");
        assertEquals("9", e.nodeId());
        assertTrue(e.toLine().contains("DoesNotExist"), e.toLine());
    }

    @Test
    void reportsAllProblemsAtOnce() {
        Workflow w = wf(
                n("1", "Source", "seed", "abc", "size", 0L),
                n("2", "Process", "latent", link("1", 0)),
                n("3", "ToImage", "latent", link("2", 0)),
                n("4", "Save", "images", link("3", 0), "prefix", "p", "format", "gif"),
                n("5", "Nope"),
                n("6", "Preview", "latent", link("77", 0)));
        List<String> codes = validate(w).stream().map(e -> e.code().comfyName()).sorted().toList();
        assertEquals(List.of("bad_linked_input", "invalid_input_type", "required_input_missing",
                "unknown_node_type", "value_not_in_list", "value_smaller_than_min"), codes);
    }

    @Test
    void mutedNodesAndWhatRequiresThemAreSkipped() {
        Workflow w = pipeline(1);
        w = w.withNode(w.node("4").withMode(NodeMode.MUTED))
                .withNode(n("5", "Preview", "latent", link("2", 0)))
                .withNode(n("6", "Nope")) // unknown but muted: not reported
                .withNode(n("7", "Preview", "latent", link("6", 0)));
        w = w.withNode(w.node("6").withMode(NodeMode.MUTED));
        assertEquals(List.of(), validate(w));
        EffectiveGraph g = EffectiveGraph.build(w, fake.registry);
        assertEquals(Set.of("4", "6", "7"), g.skipped());
        assertEquals(List.of("5"), g.outputNodes());
    }

    @Test
    void bypassedNodePassesMatchingInputThrough() {
        Workflow w = pipeline(1);
        w = w.withNode(w.node("2").withMode(NodeMode.BYPASSED));
        assertEquals(List.of(), validate(w));
        EffectiveGraph g = EffectiveGraph.build(w, fake.registry);
        assertEquals(link("1", 0), g.nodes().get("3").input("latent"));
        // a bypassed node with no input of the output's type disconnects: ToImage has no IMAGE input
        Workflow w2 = pipeline(1);
        w2 = w2.withNode(w2.node("3").withMode(NodeMode.BYPASSED));
        ValidationError e = only(validate(w2), "required_input_missing");
        assertEquals("4", e.nodeId());
    }

    @Test
    void twoThousandNodeChainValidatesWithoutRecursion() {
        assertEquals(List.of(), validate(FakeNodes.chain(2000)));
    }

    @Test
    void thousandNodeCycleIsReported() {
        Workflow w = FakeNodes.chain(1000);
        w = w.withNode(w.node("1").withInput("latent", link("1000", 0)));
        ValidationError e = only(validate(w), "dependency_cycle");
        assertEquals(1000, ((List<?>) e.details().get("nodes")).size());
    }
}
