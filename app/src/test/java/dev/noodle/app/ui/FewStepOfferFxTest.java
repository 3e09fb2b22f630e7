package dev.noodle.app.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.adapters.TinyLoras;
import dev.noodle.engine.model.DemoCheckpoint;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The few-step offer end to end on the real nodes: an LCM-LoRA (the published module layout, kohya metadata naming
 * it) wired between the checkpoint and the KSampler makes the sampler's card offer "Few-step preset: LCM 4 steps";
 * Apply sets steps, cfg, sampler and scheduler and inserts ModelSamplingDiscrete lcm in one undoable edit, and the
 * offer goes; one undo brings the old values and the offer back. An ordinary LoRA gets no offer.
 */
class FewStepOfferFxTest extends RealEditorFx {
    @Start
    void start(Stage stage) throws Exception {
        open(stage);
    }


    private static Object lit(NodeInstance n, String input) {
        return ((Literal) n.input(input)).value();
    }

    @Test
    void aDetectedLcmLoraOffersItsPresetAndApplyIsOneUndoableEdit(FxRobot robot) throws Exception {
        Path loras = home.resolve("models/loras");
        TinyLoras.write(loras.resolve("pytorch_lora_weights.safetensors"), DemoCheckpoint.unetConfig(),
                TinyLoras.Layout.KOHYA_DIFFUSERS, 4, 4f, Map.of("ss_output_name", "lcm-lora-sdv1-5",
                        "ss_base_model_version", "sd_v1", "ss_network_dim", "64", "ss_network_alpha", "64"));
        TinyLoras.write(loras.resolve("add_detail.safetensors"), DemoCheckpoint.unetConfig(),
                TinyLoras.Layout.KOHYA_DIFFUSERS, 4, 4f, Map.of("ss_output_name", "add_detail"));
        var vm = window.canvasViewModel();
        NodeInstance before = vm.workflow().node("3");
        assertEquals("KSampler", before.type());

        // an ordinary LoRA: no offer
        String loraId = fx(() -> {
            String id = vm.addNode("LoraLoader", 600, 500);
            vm.connect("4", 0, id, "model");
            vm.connect("4", 1, id, "clip");
            vm.connect(id, 0, "3", "model");
            vm.setInput(id, "lora_name", "add_detail.safetensors");
            return id;
        });
        WaitForAsyncUtils.sleep(1, TimeUnit.SECONDS); // the background read of the file
        WaitForAsyncUtils.waitForFxEvents();
        assertTrue(window.fewSteps().offers().isEmpty(), window.fewSteps().offers().toString());
        assertTrue(robot.lookup("#few-step-offer-3").tryQuery().isEmpty());

        // the LCM-LoRA: the sampler's card offers the preset with its one-line reason
        fx(() -> {
            vm.setInput(loraId, "lora_name", "pytorch_lora_weights.safetensors");
            return null;
        });
        waitFor("the offer over the KSampler", () -> robot.lookup("#few-step-offer-3").tryQuery()
                .map(javafx.scene.Node::isVisible).orElse(false));
        String text = robot.lookup("#few-step-offer-text-3").queryAs(Label.class).getText();
        assertTrue(text.startsWith("⚡ Few-step preset: LCM 4 steps — lcm/sgm_uniform, 4 steps, cfg 1.5,"
                + " ModelSamplingDiscrete lcm — "), text);
        assertTrue(text.contains("burn") && text.contains("told by its ss_output_name lcm-lora-sdv1-5"), text);
        MaskInpaintFxTest.Shots.take(window.scene(), "few-step-offer-lcm");

        long changes = vm.changeCount();
        javafx.scene.control.Button apply = robot.lookup("#few-step-apply-3").queryAs(javafx.scene.control.Button.class);
        assertEquals("Apply", apply.getText());
        fx(() -> {
            apply.fire(); // the card may sit under the toolbar's edge, where a robot click lands elsewhere
            return null;
        });
        waitFor("the preset on the sampler", () -> Long.valueOf(4L).equals(lit(vm.workflow().node("3"), "steps")));
        NodeInstance after = vm.workflow().node("3");
        assertEquals(1.5, lit(after, "cfg"));
        assertEquals("lcm", lit(after, "sampler_name"));
        assertEquals("sgm_uniform", lit(after, "scheduler"));
        NodeInstance msd = vm.workflow().node(((Link) after.input("model")).nodeId());
        assertEquals("ModelSamplingDiscrete", msd.type());
        assertEquals("lcm", lit(msd, "sampling"));
        assertEquals(Link.of(loraId, 0), msd.input("model"));
        assertEquals(changes + 1, vm.changeCount(), "one edit");
        waitFor("the offer to go", () -> robot.lookup("#few-step-offer-3").tryQuery().isEmpty());

        // one undo: the old sampler values, no inserted node, the offer back
        fx(() -> {
            vm.undo();
            return null;
        });
        NodeInstance undone = vm.workflow().node("3");
        assertEquals(before.input("steps"), undone.input("steps"));
        assertEquals(before.input("cfg"), undone.input("cfg"));
        assertEquals(before.input("sampler_name"), undone.input("sampler_name"));
        assertEquals(Link.of(loraId, 0), undone.input("model"));
        assertTrue(vm.workflow().node(msd.id()) == null);
        waitFor("the offer to come back", () -> robot.lookup("#few-step-offer-3").tryQuery().isPresent());

        // the sampler's context menu offers every preset: Lightning 4 steps sets its values and inserts nothing
        int nodes = vm.workflow().nodes().size();
        assertTrue(fx(() -> window.fewSteps().applyPreset("3",
                dev.noodle.nodes.sampling.FewStepPresets.require("lightning-4"))));
        NodeInstance lightning = vm.workflow().node("3");
        assertEquals(4L, lit(lightning, "steps"));
        assertEquals(1.0, lit(lightning, "cfg"));
        assertEquals("euler", lit(lightning, "sampler_name"));
        assertEquals(nodes, vm.workflow().nodes().size());
        assertTrue(!fx(() -> window.fewSteps().applyPreset(loraId,
                dev.noodle.nodes.sampling.FewStepPresets.require("lcm"))), "a LoRA Loader is no sampler");
    }
}
