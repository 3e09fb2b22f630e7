package dev.noodle.graph.form;

import static dev.noodle.graph.testing.FakeNodes.link;
import static dev.noodle.graph.testing.FakeNodes.n;
import static dev.noodle.graph.testing.FakeNodes.pipeline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.edit.FormEdit;
import dev.noodle.graph.edit.RemoveNodes;
import dev.noodle.graph.edit.UndoStack;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.Subgraph;
import dev.noodle.graph.model.SubgraphInput;
import dev.noodle.graph.model.SubgraphOutput;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.testing.FakeNodes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A workflow's form: entries resolved to specs and values, named values checked and set, form edits undoable. */
class WorkflowFormTest {
    static final String PASS = "pass-def";

    private final FakeNodes fake = new FakeNodes();

    /** The pipeline with seed, strength and format in its form. */
    static Workflow withForm() {
        return pipeline(7).withForm(List.of(
                new FormInput("seed", "1", "seed", "Seed"),
                new FormInput("strength", "2", "strength", null),
                new FormInput("format", "4", "format", "File type")));
    }

    /** A definition with a latent socket and a promoted strength widget, hosted by node 83. */
    static Workflow withHost(Object strength) {
        Workflow body = Workflow.empty("Pass")
                .withNode(n("1", "Process", "latent", link(Subgraph.INPUT_NODE, 0),
                        "strength", link(Subgraph.INPUT_NODE, 1)))
                .withNode(n("2", "ToImage", "latent", link("1", 0)));
        Subgraph def = new Subgraph(PASS, "Pass", null,
                List.of(new SubgraphInput("i0", "latent", "LATENT", null, Map.of()),
                        new SubgraphInput("i1", "amount", "FLOAT", "How much", Map.of())),
                List.of(new SubgraphOutput("o0", "image", "IMAGE", null, link("2", 0), Map.of())),
                body, null, Map.of());
        Workflow wf = Workflow.empty("t").withSubgraph(def)
                .withNode(n("1", "Source", "seed", 7L, "size", 100L))
                .withNode(strength == null ? n("83", PASS, "latent", link("1", 0))
                        : n("83", PASS, "latent", link("1", 0), "amount", strength))
                .withNode(n("4", "Save", "images", link("83", 0), "prefix", "p", "format", "png"));
        return wf;
    }

    @Test
    void entriesResolveToTheirSpecsAndCurrentValuesInOrder() {
        WorkflowForm form = WorkflowForm.of(withForm(), fake.registry);
        assertEquals(List.of("seed", "strength", "format"), form.names());
        FormField seed = form.fields().get(0);
        assertEquals("Seed", seed.label());
        assertEquals("INT", seed.typeName());
        assertEquals(7L, seed.value());
        assertEquals("0.." + Long.MAX_VALUE, seed.constraint());
        FormField strength = form.fields().get(1);
        assertEquals("strength", strength.label(), "no label: the name");
        assertEquals(0.5, strength.value());
        assertEquals("0.0..10.0 step 0.01", strength.constraint());
        assertEquals("one of png, jpg", form.fields().get(2).constraint());
        assertTrue(form.problems().isEmpty());
        assertNull(form.hostId());
    }

    @Test
    void anUnsetInputShowsItsDefaultAndAWiredOneShowsItsSource() {
        Workflow wf = withForm().withNode(n("2", "Process", "latent", link("1", 0)))
                .withForm(List.of(new FormInput("strength", "2", "strength", null),
                        new FormInput("latent", "2", "latent", null)));
        WorkflowForm form = WorkflowForm.of(wf, fake.registry);
        assertEquals(1.0, form.fields().get(0).value(), "the spec's default");
        assertTrue(form.fields().get(0).settable());
        FormField latent = form.fields().get(1);
        assertEquals("1", latent.wiredFrom());
        assertFalse(latent.settable());
        FormException e = assertThrows(FormException.class, () -> form.apply(Map.of("latent", 3)));
        assertEquals("latent", e.problems().get(0).name());
        assertTrue(e.getMessage().contains("LATENT output, not a value (node 2 input 'latent')"), e.getMessage());
    }

    @Test
    void namedValuesAreConvertedAndSetOnTheirNodes() {
        WorkflowForm form = WorkflowForm.of(withForm(), fake.registry);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("seed", "42");
        values.put("strength", 2L);
        values.put("format", "jpg");
        Workflow set = form.apply(values);
        assertEquals(new Literal(42L), set.node("1").input("seed"));
        assertEquals(new Literal(2.0), set.node("2").input("strength"));
        assertEquals(new Literal("jpg"), set.node("4").input("format"));
        assertEquals(withForm().node("3"), set.node("3"), "other nodes untouched");
        assertEquals(7L, WorkflowForm.of(withForm(), fake.registry).fields().get(0).value(), "the input unchanged");
    }

    @Test
    void wrongTypesRangesAndOptionsAreRefusedAllAtOnceNamingEachField() {
        WorkflowForm form = WorkflowForm.of(withForm(), fake.registry);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("seed", 3.5);
        values.put("strength", 11.0);
        values.put("format", "gif");
        FormException e = assertThrows(FormException.class, () -> form.apply(values));
        assertEquals(List.of("seed", "strength", "format"), e.problems().stream().map(FormProblem::name).toList());
        assertEquals("3.5 is not a whole number (node 1 input 'seed')", e.problems().get(0).message());
        assertEquals("11.0 is outside 0.0..10.0 (node 2 input 'strength')", e.problems().get(1).message());
        assertEquals("'gif' is not one of png, jpg (node 4 input 'format')", e.problems().get(2).message());
        FormException text = assertThrows(FormException.class, () -> form.apply(Map.of("seed", "abc")));
        assertEquals("'abc' is not a whole number (node 1 input 'seed')", text.problems().get(0).message());
        FormException negative = assertThrows(FormException.class, () -> form.apply(Map.of("seed", -1)));
        assertTrue(negative.getMessage().startsWith("seed: -1 is outside 0.."), negative.getMessage());
    }

    @Test
    void anUnknownNameIsRefusedListingTheKnownOnes() {
        WorkflowForm form = WorkflowForm.of(withForm(), fake.registry);
        FormException e = assertThrows(FormException.class, () -> form.apply(Map.of("sead", 1)));
        assertEquals("sead: is not in the form; its fields are seed, strength, format", e.getMessage());
        FormException none = assertThrows(FormException.class,
                () -> WorkflowForm.of(pipeline(1), fake.registry).apply(Map.of("seed", 1)));
        assertTrue(none.getMessage().contains("the workflow has no form"), none.getMessage());
    }

    @Test
    void anEntryWhoseNodeOrInputIsGoneIsReportedAndRefusedByName() {
        Workflow wf = new RemoveNodes(List.of("2")).apply(withForm());
        wf = wf.withForm(List.of(wf.form().get(0), wf.form().get(1), wf.form().get(2),
                new FormInput("quality", "4", "quality", null), new FormInput("odd", "1", "seed", null)));
        wf = wf.withNode(n("1", "Unknown", "seed", 1L));
        WorkflowForm form = WorkflowForm.of(wf, fake.registry);
        assertEquals(List.of("format"), form.names());
        assertEquals(List.of("seed", "strength", "quality", "odd"),
                form.problems().stream().map(FormProblem::name).toList());
        assertTrue(form.problems().get(1).message().startsWith("node 2 (input 'strength') is no longer in the"
                + " workflow"), form.problems().get(1).message());
        assertEquals("node 4 (Save) has no input 'quality' any more; its inputs are images, prefix, format, flag",
                form.problems().get(2).message());
        assertTrue(form.problems().get(0).message().contains("type Unknown"), form.problems().get(0).message());
        assertTrue(form.hasName("strength"));
        FormException e = assertThrows(FormException.class, () -> form.apply(Map.of("strength", 1.0)));
        assertEquals(form.problems().get(1), e.problems().get(0));
    }

    @Test
    void aWorkflowWithoutEntriesAndOneHostShowsTheHostsPromotedWidgets() {
        WorkflowForm form = WorkflowForm.of(withHost(0.25), fake.registry);
        assertEquals("83", form.hostId());
        assertEquals(List.of("amount"), form.names(), "the LATENT socket is not a field");
        FormField amount = form.fields().get(0);
        assertEquals("How much", amount.label());
        FloatInput spec = (FloatInput) amount.spec();
        assertEquals(10.0, spec.max(), "the inner Process.strength spec under the interface name");
        assertEquals(0.25, amount.value());
        assertEquals(1.0, WorkflowForm.of(withHost(null), fake.registry).fields().get(0).value(),
                "unset: the inner widget's default");
        Workflow set = form.apply(Map.of("amount", "0.75"));
        assertEquals(new Literal(0.75), set.node("83").input("amount"));
        assertThrows(FormException.class, () -> form.apply(Map.of("amount", 20)));
    }

    @Test
    void explicitEntriesOnAHostUseThePromotedSpecAndTwoHostsGiveNoImplicitForm() {
        Workflow two = withHost(0.5).withNode(n("90", PASS, "latent", link("1", 0), "amount", 0.5));
        assertTrue(WorkflowForm.of(two, fake.registry).isEmpty());
        WorkflowForm form = WorkflowForm.of(two.withForm(List.of(new FormInput("second", "90", "amount", null))),
                fake.registry);
        assertNull(form.hostId());
        assertEquals(10.0, ((FloatInput) form.fields().get(0).spec()).max());
        assertEquals(List.of("amount"), WorkflowForm.ofHost(two, fake.registry, "90").names());
        assertThrows(IllegalArgumentException.class, () -> WorkflowForm.ofHost(two, fake.registry, "4"));
    }

    @Test
    void formEditsAreUndoableAndCheckNames() {
        UndoStack undo = new UndoStack(pipeline(1));
        undo.execute(FormEdit.add(new FormInput("seed", "1", "seed", null)));
        undo.execute(FormEdit.add(new FormInput(FormEdit.suggestName(undo.current(), "2", "strength"), "2",
                "strength", null)));
        undo.execute(FormEdit.add(new FormInput(FormEdit.suggestName(undo.current(), "4", "seed"), "4", "prefix",
                null)));
        assertEquals(List.of("seed", "strength", "seed_4"), names(undo.current()));
        undo.execute(FormEdit.rename("seed_4", "prefix"));
        undo.execute(FormEdit.move("prefix", 0));
        undo.execute(FormEdit.relabel("prefix", "File name"));
        assertEquals(List.of("prefix", "seed", "strength"), names(undo.current()));
        assertEquals("File name", undo.current().form().get(0).displayName());
        undo.execute(FormEdit.remove("seed"));
        assertEquals(List.of("prefix", "strength"), names(undo.current()));
        undo.undo();
        undo.undo();
        assertEquals(List.of("prefix", "seed", "strength"), names(undo.current()));
        assertEquals("prefix", undo.current().form().get(0).displayName());
        undo.undo();
        undo.undo();
        assertEquals(List.of("seed", "strength", "seed_4"), names(undo.current()));
        undo.redo();
        assertEquals(List.of("seed", "strength", "prefix"), names(undo.current()));

        Workflow wf = undo.current();
        assertThrows(IllegalArgumentException.class, () -> FormEdit.add(new FormInput("seed", "2", "strength", null))
                .apply(wf), "a taken name");
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> FormEdit.add(new FormInput("again", "1", "seed", null)).apply(wf));
        assertEquals("node 1 input 'seed' is already in the form as 'seed'", twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FormEdit.add(new FormInput("x", "99", "seed", null))
                .apply(wf), "no such node");
        assertThrows(IllegalArgumentException.class, () -> FormEdit.rename("seed", "a.b").apply(wf));
        assertThrows(IllegalArgumentException.class, () -> FormEdit.rename("seed", "strength").apply(wf));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> FormEdit.remove("nope").apply(wf));
        assertEquals("the form has no field 'nope'; its fields are seed, strength, prefix", missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FormEdit.move("seed", 3).apply(wf));
    }

    @Test
    void theFormSurvivesTheNoodleFormatAndResolvesTheSameAfterwards() throws Exception {
        Workflow wf = withForm();
        Workflow back = WorkflowJson.parse(WorkflowJson.write(wf), "form.json");
        assertEquals(wf.form(), back.form());
        assertEquals(WorkflowForm.of(wf, fake.registry).fields(), WorkflowForm.of(back, fake.registry).fields());
    }

    private static List<String> names(Workflow wf) {
        return wf.form().stream().map(FormInput::name).toList();
    }

}
