package dev.noodle.app.ui.view;

import dev.noodle.app.ui.EditorComponents;
import dev.noodle.app.ui.canvas.NodeCard;
import dev.noodle.app.ui.vm.CompareSources;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.OutputPreviews;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.DemoInputs;
import dev.noodle.nodes.image.ImageNodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javafx.scene.control.MenuItem;
import javafx.stage.Stage;
import javax.imageio.ImageIO;

/**
 * The image tools on node cards: "Open in mask editor" on LoadImage, "Compare with input" (a before/after view) on
 * upscales, resizes and inpaint results, as card buttons and in the card's context menu. FX thread only.
 */
final class ImageTools {
    private ImageTools() {}

    /** Gives the window's cards their tools, now and after each edit (an edit can make a node an inpaint result). */
    static void install(MainWindow w, EditorComponents c) {
        GraphEditorViewModel vm = c.editor();
        w.canvas().setCardDecorator(card -> decorate(w, c, card));
        vm.levelProperty().addListener((o, a, b) -> {
            for (String id : b.nodes().keySet()) {
                NodeCard card = w.canvas().card(id);
                if (card != null) {
                    decorate(w, c, card);
                }
            }
        });
    }

    private static void decorate(MainWindow w, EditorComponents c, NodeCard card) {
        GraphEditorViewModel vm = c.editor();
        String id = card.nodeId();
        NodeInstance node = vm.level().nodes().get(id);
        if (node == null) {
            return;
        }
        // the mask is saved in this machine's input folder: not offered when runs go to another server
        boolean mask = node.type().equals("LoadImage") && c.options().server() == null;
        if (mask != (card.onOpenMaskEditorProperty().get() != null)) {
            card.onOpenMaskEditorProperty().set(mask ? () -> openMaskEditor(w, c, id) : null);
        }
        boolean compare = CompareSources.find(vm.level(), id, vm::schema).isPresent();
        if (compare != (card.onCompareProperty().get() != null)) {
            card.onCompareProperty().set(compare ? () -> openCompare(w, c, id) : null);
        }
    }

    /** The tools' entries for a card's context menu. */
    static List<MenuItem> menuItems(NodeCard card) {
        List<MenuItem> items = new ArrayList<>();
        Runnable mask = card.onOpenMaskEditorProperty().get();
        if (mask != null) {
            MenuItem mi = new MenuItem("Open in mask editor");
            mi.setId("menu-mask-editor");
            mi.setOnAction(e -> mask.run());
            items.add(mi);
        }
        Runnable compare = card.onCompareProperty().get();
        if (compare != null) {
            MenuItem mi = new MenuItem("Compare with input");
            mi.setId("menu-compare");
            mi.setOnAction(e -> compare.run());
            items.add(mi);
        }
        return items;
    }

    /** Opens the mask editor on the image LoadImage {@code id} names; Save points the node at the masked copy. */
    static Optional<Stage> openMaskEditor(MainWindow w, EditorComponents c, String id) {
        GraphEditorViewModel vm = c.editor();
        NodeInstance node = vm.level().nodes().get(id);
        Object value = node != null && node.inputs().get("image") instanceof Literal l ? l.value() : null;
        if (!(value instanceof String name) || name.isBlank()) {
            vm.say("Choose an image on the Load Image node before opening the mask editor.");
            return Optional.empty();
        }
        Path input = c.options().inputDir();
        try {
            DemoInputs.ensureIfDemo(input, name);
            Path file = ImageNodes.annotatedFile(input, c.options().effectiveOutputDir(), c.options().tempDir(), name);
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new IOException(file + " is not an image this editor can read");
            }
            return Optional.of(MaskEditorWindow.open(w.stage(), w.scene().getStylesheets(), name, image, input,
                    saved -> {
                        vm.setInput(id, "image", saved);
                        vm.say("Mask saved as " + saved + "; Load Image's MASK output is the painted area.");
                    }));
        } catch (IOException | RuntimeException e) {
            vm.say("Cannot open '" + name + "' in the mask editor: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Opens the before/after view of node {@code id} from the previews of its latest run. */
    static Optional<Stage> openCompare(MainWindow w, EditorComponents c, String id) {
        GraphEditorViewModel vm = c.editor();
        Workflow wf = vm.level();
        Optional<CompareSources.Comparison> found = CompareSources.find(wf, id, vm::schema);
        if (found.isEmpty()) {
            vm.say("Nothing to compare on this node: before/after is for upscales, resizes and inpaint results.");
            return Optional.empty();
        }
        CompareSources.Comparison cmp = found.get();
        String prefix = vm.where().runPrefix();
        Optional<OutputPreviews.Preview> before = preview(c, prefix + cmp.beforeNode(), cmp.beforeOutput());
        Optional<OutputPreviews.Preview> after = preview(c, prefix + cmp.afterNode(), cmp.afterOutput());
        if (before.isEmpty() || after.isEmpty()) {
            vm.say("Run the workflow first: the before/after view shows the images of the latest run.");
            return Optional.empty();
        }
        String beforeText = describe(vm, wf, cmp.beforeNode(), before.get());
        String afterText = describe(vm, wf, cmp.afterNode(), after.get());
        if (before.get().width() != after.get().width() || before.get().height() != after.get().height()) {
            beforeText += ", shown at " + after.get().width() + "×" + after.get().height();
        }
        String title = (cmp.kind() == CompareSources.Kind.UPSCALE ? "input and output of "
                : "inpaint source and result, ")
                + describeNode(vm, wf, cmp.kind() == CompareSources.Kind.UPSCALE ? id : cmp.afterNode());
        return Optional.of(CompareWindow.open(w.stage(), w.scene().getStylesheets(), title, before.get().image(),
                beforeText, after.get().image(), afterText));
    }

    private static Optional<OutputPreviews.Preview> preview(EditorComponents c, String node, int output) {
        List<OutputPreviews.Preview> list = c.run().outputs().get(node);
        return list == null ? Optional.empty() : list.stream()
                .filter(p -> p.output() == output && p.kind() == OutputPreviews.Kind.IMAGE).findFirst();
    }

    private static String describe(GraphEditorViewModel vm, Workflow wf, String id, OutputPreviews.Preview p) {
        return describeNode(vm, wf, id) + ", " + p.width() + "×" + p.height();
    }

    private static String describeNode(GraphEditorViewModel vm, Workflow wf, String id) {
        NodeInstance n = wf.nodes().get(id);
        String name = n == null ? id : vm.schema(n.type()).map(s -> s.displayName()).orElse(n.type());
        return name + " #" + id;
    }
}
