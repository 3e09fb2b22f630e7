package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.NodeRunState;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.PlaceholderNode;
import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.app.ui.vm.SeedControl;
import dev.noodle.graph.model.InputValue;
import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.spec.BoolInput;
import dev.noodle.graph.spec.ComboInput;
import dev.noodle.graph.spec.FloatInput;
import dev.noodle.graph.spec.InputSpec;
import dev.noodle.graph.spec.IntInput;
import dev.noodle.graph.spec.NodeSchema;
import dev.noodle.graph.spec.OutputSpec;
import dev.noodle.graph.spec.SocketInput;
import dev.noodle.graph.spec.StringInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SkinBase;
import javafx.scene.control.Tooltip;
import javafx.scene.image.ImageView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

/** The look of a {@link NodeCard}: header, port rows (inputs left, outputs right), widget rows, image, message. */
final class NodeCardSkin extends SkinBase<NodeCard> {
    /** The message's look by level: {@code :info} a note, {@code :warning}, {@code :error}. */
    private static final java.util.Map<MessageLevel, javafx.css.PseudoClass> MESSAGE_LEVEL = new java.util.EnumMap<>(
            java.util.Map.of(MessageLevel.INFO, javafx.css.PseudoClass.getPseudoClass("info"),
                    MessageLevel.WARNING, javafx.css.PseudoClass.getPseudoClass("warning"),
                    MessageLevel.ERROR, javafx.css.PseudoClass.getPseudoClass("error")));
    private final Label status = new Label();
    private final ProgressBar progress = new ProgressBar();
    private final ImageView image = new ImageView();
    private final Label message = new Label();
    private final Label imageCount = new Label();
    private int shownCount;
    private Object lastShown;
    private final Map<String, Widget> widgets = new LinkedHashMap<>();
    private final Map<String, Label> widgetLabels = new LinkedHashMap<>();
    private final StackPane inStack = new StackPane();
    private final StackPane outStack = new StackPane();
    private final Map<PortView, HBox> portRows = new LinkedHashMap<>();
    private final HBox header;

    NodeCardSkin(NodeCard card) {
        super(card);
        consumeMouseEvents(false); // gestures (drag wires, move, select) are handled by the canvas
        NodeSchema schema = card.schema();
        VBox root = new VBox();
        root.getStyleClass().add("node-body");
        VBox content = new VBox();
        content.getStyleClass().add("node-content");

        Label title = new Label();
        title.textProperty().bind(card.titleProperty());
        title.getStyleClass().add("node-title");
        Tooltip tip = new Tooltip(schema.displayName() + " (" + schema.category() + ")\n\n" + schema.description());
        tip.setWrapText(true);
        tip.setMaxWidth(360);
        tip.setShowDelay(Duration.millis(400));
        Tooltip.install(title, tip);
        status.getStyleClass().add("node-status");
        status.setMinWidth(Region.USE_PREF_SIZE);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button toggle = new Button();
        toggle.getStyleClass().add("collapse-toggle");
        toggle.setId("collapse-" + card.nodeId());
        toggle.setFocusTraversable(false);
        toggle.setOnAction(e -> card.onToggleCollapse().run());
        title.setMinWidth(Region.USE_PREF_SIZE); // the card widens for its title (NodeCard.computeMinWidth)
        header = new HBox(6, inStack, toggle, title, spacer, status, outStack);
        HBox.setMargin(inStack, new Insets(0, 0, 0, -16));
        HBox.setMargin(outStack, new Insets(0, -16, 0, 0));
        header.getStyleClass().add("node-header");
        header.setAlignment(Pos.CENTER_LEFT);
        root.getChildren().addAll(header, content);

        if (card.placeholder() != null) {
            Label badge = new Label(card.placeholder().badge());
            badge.setWrapText(true);
            badge.getStyleClass().add("unknown-badge");
            badge.setId("unknown-badge-" + card.nodeId());
            badge.setMinHeight(Region.USE_PREF_SIZE);
            // the card sizes itself from pref heights: wrap the badge at the card's width, not its one-line width
            badge.prefWidthProperty().bind(card.prefWidthProperty());
            root.getChildren().add(badge);
        }

        progress.getStyleClass().add("node-progress");
        progress.setMaxWidth(Double.MAX_VALUE);
        show(progress, false);
        content.getChildren().add(progress);

        List<SocketInput> sockets = new ArrayList<>();
        List<InputSpec> widgetSpecs = new ArrayList<>();
        for (InputSpec spec : schema.inputs()) {
            if (spec instanceof SocketInput s) {
                sockets.add(s);
            } else {
                widgetSpecs.add(spec);
            }
        }
        int rows = Math.max(sockets.size(), schema.outputs().size());
        for (int i = 0; i < rows; i++) {
            HBox row = new HBox(6);
            row.getStyleClass().add("port-row");
            row.setAlignment(Pos.CENTER_LEFT);
            if (i < sockets.size()) {
                SocketInput s = sockets.get(i);
                PortView port = new PortView(card.nodeId(), false, s.name(), -1, s.type());
                HBox.setMargin(port, new Insets(0, 0, 0, -6));
                card.inputPorts.put(s.name(), port);
                portRows.put(port, row);
                Label l = new Label(s.name() + (s.optional() ? " (optional)" : ""));
                l.getStyleClass().add("port-label");
                Tooltip.install(l, new Tooltip(s.type().name() + ": " + PortTypeInfo.describe(s.type())
                        + (s.tooltip() == null || s.tooltip().isBlank() ? "" : "\n" + s.tooltip())));
                row.getChildren().addAll(port, l);
            }
            Region gap = new Region();
            HBox.setHgrow(gap, Priority.ALWAYS);
            row.getChildren().add(gap);
            if (i < schema.outputs().size()) {
                OutputSpec o = schema.outputs().get(i);
                Label l = new Label(o.name());
                l.getStyleClass().addAll("port-label", "output-label");
                Tooltip.install(l, new Tooltip(o.type().name() + ": " + PortTypeInfo.describe(o.type())));
                PortView port = new PortView(card.nodeId(), true, null, i, o.type());
                HBox.setMargin(port, new Insets(0, -6, 0, 0));
                card.outputPorts.put(i, port);
                portRows.put(port, row);
                row.getChildren().addAll(l, port);
            }
            content.getChildren().add(row);
        }

        for (InputSpec spec : widgetSpecs) {
            WidgetFactory.create(spec, card.commit(), card.seedMode(), card.optionDetails()).ifPresent(w -> {
                widgets.put(spec.name(), w);
                Label l = new Label(spec.name());
                l.getStyleClass().add("widget-label");
                widgetLabels.put(spec.name(), l);
                if (spec.tooltip() != null && !spec.tooltip().isBlank()) {
                    Tooltip.install(l, new Tooltip(spec.tooltip()));
                }
                boolean tall = spec instanceof StringInput s && s.multiline()
                        || spec instanceof IntInput i && i.controlAfterGenerate();
                if (tall) {
                    VBox box = new VBox(2, l, w.node());
                    box.getStyleClass().add("widget-row");
                    content.getChildren().add(box);
                } else {
                    l.setMinWidth(Region.USE_PREF_SIZE);
                    HBox box = new HBox(6, l, w.node());
                    box.setAlignment(Pos.CENTER_LEFT);
                    HBox.setHgrow(w.node(), Priority.ALWAYS);
                    box.getStyleClass().add("widget-row");
                    content.getChildren().add(box);
                }
                w.node().setId("w-" + card.nodeId() + "-" + spec.name());
            });
        }

        if (card.placeholder() != null) {
            for (PlaceholderNode.Value v : card.placeholder().values()) {
                Label name = new Label(v.name());
                name.getStyleClass().add("widget-label");
                name.setMinWidth(Region.USE_PREF_SIZE);
                Label value = new Label(v.text());
                value.getStyleClass().add("placeholder-value");
                value.setId("value-" + card.nodeId() + "-" + v.name().replace(' ', '_'));
                HBox box = new HBox(6, name, value);
                box.getStyleClass().add("widget-row");
                root.getChildren().add(box);
            }
        }

        image.setPreserveRatio(true);
        image.getStyleClass().add("node-image");
        image.fitWidthProperty().bind(card.widthProperty().subtract(16));
        image.setId("image-" + card.nodeId());
        imageCount.getStyleClass().add("image-count");
        imageCount.setId("image-count-" + card.nodeId());
        Button compare = new Button("Compare \u21c6");
        compare.getStyleClass().add("image-compare");
        compare.setId("compare-" + card.nodeId());
        compare.setFocusTraversable(false);
        compare.setTooltip(new Tooltip("Before / after: this image beside the one it was made from"));
        compare.setOnAction(e -> {
            Runnable r = card.onCompareProperty().get();
            if (r != null) {
                r.run();
            }
        });
        compare.visibleProperty().bind(card.onCompareProperty().isNotNull());
        compare.managedProperty().bind(compare.visibleProperty());
        Region toolGap = new Region();
        HBox.setHgrow(toolGap, Priority.ALWAYS);
        HBox imageTools = new HBox(6, imageCount, toolGap, compare);
        imageTools.setAlignment(Pos.CENTER_LEFT);
        imageTools.getStyleClass().add("node-image-tools");
        image.setOnMouseClicked(e -> {
            if (e.getButton() == javafx.scene.input.MouseButton.PRIMARY && e.isStillSincePress() && shownCount > 1) {
                card.shownImageProperty().set((card.shownImageProperty().get() + 1) % shownCount);
            }
        });
        registerChangeListener(card.shownImageProperty(), o -> showRunState(card.runStateProperty().get()));
        VBox imageBox = new VBox(2, image, imageTools);
        imageBox.setAlignment(Pos.CENTER);
        imageBox.getStyleClass().add("node-image-box");
        imageBox.managedProperty().bind(image.imageProperty().isNotNull());
        imageBox.visibleProperty().bind(image.imageProperty().isNotNull());
        content.getChildren().add(imageBox);

        Button maskEditor = new Button("Open in mask editor");
        maskEditor.getStyleClass().add("mask-editor-button");
        maskEditor.setId("mask-editor-" + card.nodeId());
        maskEditor.setFocusTraversable(false);
        maskEditor.setMaxWidth(Double.MAX_VALUE);
        maskEditor.setTooltip(new Tooltip("Paint the area to change; it is saved in the image's alpha channel, "
                + "which becomes this node's MASK"));
        maskEditor.setOnAction(e -> {
            Runnable r = card.onOpenMaskEditorProperty().get();
            if (r != null) {
                r.run();
            }
        });
        maskEditor.visibleProperty().bind(card.onOpenMaskEditorProperty().isNotNull());
        maskEditor.managedProperty().bind(maskEditor.visibleProperty());
        content.getChildren().add(maskEditor);

        message.getStyleClass().add("node-message");
        message.setWrapText(true);
        // as the placeholder badge: wrap at the card's width and take the height that needs, not one cut line
        message.setMinHeight(Region.USE_PREF_SIZE);
        message.prefWidthProperty().bind(card.prefWidthProperty());
        message.setId("message-" + card.nodeId());
        show(message, false);
        content.getChildren().add(message);

        getChildren().add(root);
        show(inStack, false);
        show(outStack, false);
        showCollapsed(card.collapsedProperty().get(), content, toggle);
        registerChangeListener(card.collapsedProperty(),
                o -> showCollapsed(card.collapsedProperty().get(), content, toggle));
        showInstance(card.instanceProperty().get());
        showRunState(card.runStateProperty().get());
        registerChangeListener(card.instanceProperty(), o -> showInstance(card.instanceProperty().get()));
        registerChangeListener(card.runStateProperty(), o -> showRunState(card.runStateProperty().get()));
    }

    /** Collapsed: hides everything below the header and stacks the ports at the header's edges; else restores. */
    private void showCollapsed(boolean collapsed, VBox content, Button toggle) {
        toggle.setText(collapsed ? "\u25b8" : "\u25be");
        show(content, !collapsed);
        show(inStack, collapsed);
        show(outStack, collapsed);
        NodeCard card = getSkinnable();
        for (PortView p : card.inputPorts.values()) {
            if (collapsed) {
                inStack.getChildren().add(p);
            } else if (p.getParent() != portRows.get(p)) {
                portRows.get(p).getChildren().add(0, p);
            }
        }
        for (PortView p : card.outputPorts.values()) {
            if (collapsed) {
                outStack.getChildren().add(p);
            } else if (p.getParent() != portRows.get(p)) {
                portRows.get(p).getChildren().add(p);
            }
        }
    }

    private void showInstance(NodeInstance node) {
        NodeSchema schema = getSkinnable().schema();
        for (Map.Entry<String, Widget> e : widgets.entrySet()) {
            InputSpec spec = schema.input(e.getKey()).orElseThrow();
            InputValue v = node.inputs().get(e.getKey());
            boolean linked = v instanceof Link;
            e.getValue().node().setDisable(linked);
            widgetLabels.get(e.getKey()).setText(e.getKey() + (linked ? " (linked)" : ""));
            Object value = v instanceof Literal lit && lit.value() != null ? lit.value() : defaultOf(spec);
            if (spec instanceof IntInput i && i.controlAfterGenerate()) {
                value = new SeedField.SeedValue(((Number) value).longValue(), SeedControl.mode(node, i.name()));
            }
            e.getValue().show().accept(value);
        }
        for (Map.Entry<String, PortView> e : getSkinnable().inputPorts.entrySet()) {
            e.getValue().setConnected(node.inputs().get(e.getKey()) instanceof Link);
        }
    }

    static Object defaultOf(InputSpec spec) {
        return switch (spec) {
            case IntInput i -> i.defaultValue();
            case FloatInput f -> f.defaultValue();
            case StringInput s -> s.defaultValue() == null ? "" : s.defaultValue();
            case BoolInput b -> b.defaultValue();
            case ComboInput c -> c.effectiveDefault();
            case SocketInput s -> null;
        };
    }

    private void showRunState(NodeRunState s) {
        status.setText(s.label());
        boolean running = s.status() == NodeStatus.RUNNING;
        show(progress, running);
        progress.setProgress(s.progress() >= 0 ? s.progress() : ProgressBar.INDETERMINATE_PROGRESS);
        message.setText(s.message());
        for (MessageLevel level : MessageLevel.values()) {
            message.pseudoClassStateChanged(MESSAGE_LEVEL.get(level), level == s.messageLevel());
        }
        show(message, !s.message().isEmpty());
        // a sampler's live preview while it runs; else the node's images, a batch one at a time (click to step)
        Object shown;
        if (s.preview() != null) {
            shown = s.preview();
            shownCount = 1;
        } else if (s.images().isEmpty()) {
            shown = null;
            shownCount = 0;
        } else if (s.images().stream().allMatch(i -> i instanceof java.awt.image.BufferedImage)) {
            shownCount = s.images().size();
            int index = Math.floorMod(getSkinnable().shownImageProperty().get(), shownCount);
            shown = s.images().get(index);
        } else { // saved files: the newest, as before
            shown = s.images().getLast();
            shownCount = 1;
        }
        int index = shownCount > 1 ? Math.floorMod(getSkinnable().shownImageProperty().get(), shownCount) : 0;
        imageCount.setText(shownCount > 1 ? (index + 1) + " / " + shownCount : "");
        if (shown != lastShown) {
            lastShown = shown;
            image.setImage(shown == null ? null : Images.toFx(shown));
        }
    }

    /** The width the header needs to show the whole title and the status, card borders included. */
    double titleRowWidth() {
        javafx.scene.layout.Region body = (javafx.scene.layout.Region) getChildren().get(0);
        return header.prefWidth(-1) + body.snappedLeftInset() + body.snappedRightInset()
                + getSkinnable().snappedLeftInset() + getSkinnable().snappedRightInset();
    }

    private static void show(javafx.scene.Node n, boolean visible) {
        n.setVisible(visible);
        n.setManaged(visible);
    }
}
