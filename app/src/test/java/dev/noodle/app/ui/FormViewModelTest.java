package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.app.ui.vm.FormViewModel;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.graph.model.FormInput;
import dev.noodle.graph.model.Literal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The editor's form: fields follow the workflow, values set from the form are undoable, menus add and remove. */
class FormViewModelTest {
    @Test
    void addingInputsToTheFormShowsThemAsFieldsAndRemovingUndoes() {
        GraphEditorViewModel vm = new GraphEditorViewModel(FakeNodes.registry());
        String[] ids = TestGraphs.buildPipeline(vm);
        String sampler = ids[3];
        FormViewModel form = new FormViewModel(vm, null);
        assertTrue(form.form().isEmpty());
        assertEquals(List.of("seed", "steps", "cfg", "sampler_name", "denoise"),
                FormViewModel.addableInputs(vm, sampler), "widget inputs only, in schema order");
        assertEquals(Optional.of("steps"), FormViewModel.addToForm(vm, sampler, "steps"));
        assertEquals(Optional.of("width"), FormViewModel.addToForm(vm, ids[6], "width"));
        assertEquals(List.of("steps", "width"), form.form().names(), "the form follows the workflow");
        assertFalse(FormViewModel.addableInputs(vm, sampler).contains("steps"));
        assertEquals(List.of(new FormInput("steps", sampler, "steps", null)), FormViewModel.entriesOf(vm, sampler));

        assertTrue(form.set("steps", "12"));
        assertEquals(new Literal(12L), vm.workflow().node(sampler).input("steps"));
        assertEquals(12L, form.form().field("steps").orElseThrow().value());
        assertFalse(form.set("steps", 0L));
        assertTrue(form.messageProperty().get().startsWith("steps: 0 is outside 1..10000"),
                form.messageProperty().get());
        assertEquals(new Literal(12L), vm.workflow().node(sampler).input("steps"), "a refused value changes nothing");
        vm.undo();
        assertEquals(new Literal(4L), vm.workflow().node(sampler).input("steps"), "a form edit is one undo step");

        FormViewModel.removeFromForm(vm, "steps");
        assertEquals(List.of("width"), form.form().names());
        vm.undo();
        assertEquals(List.of("steps", "width"), form.form().names());
        form.dispose();
        FormViewModel.removeFromForm(vm, "width");
        assertEquals(List.of("steps", "width"), form.form().names(), "a disposed form stops following");
    }
}
