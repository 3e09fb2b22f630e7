package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.NodeRunState;
import dev.noodle.app.ui.vm.NodeStatus;
import dev.noodle.app.ui.vm.OptionDetails;
import dev.noodle.app.ui.vm.PlaceholderNode;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeMode;
import dev.noodle.graph.spec.NodeSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.css.PseudoClass;
import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * A node on the canvas: title, typed ports, inline widgets, run state and images. The look lives in
 * {@link NodeCardSkin}; state shows as pseudo-classes {@code :selected :queued :running :cached :done :error :muted
 * :bypassed :collapsed}.
 */
public final class NodeCard extends Control {
    private static final Map<NodeStatus, PseudoClass> STATUS = new LinkedHashMap<>();

    static {
        STATUS.put(NodeStatus.QUEUED, PseudoClass.getPseudoClass("queued"));
        STATUS.put(NodeStatus.RUNNING, PseudoClass.getPseudoClass("running"));
        STATUS.put(NodeStatus.CACHED, PseudoClass.getPseudoClass("cached"));
        STATUS.put(NodeStatus.DONE, PseudoClass.getPseudoClass("done"));
    }

    private static final PseudoClass ERROR = PseudoClass.getPseudoClass("error");
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private static final PseudoClass MUTED = PseudoClass.getPseudoClass("muted");
    private static final PseudoClass BYPASSED = PseudoClass.getPseudoClass("bypassed");
    private static final PseudoClass COLLAPSED = PseudoClass.getPseudoClass("collapsed");
    private static final PseudoClass UNKNOWN = PseudoClass.getPseudoClass("unknown");

    private final NodeSchema schema;
    private final ObjectProperty<NodeInstance> instance = new SimpleObjectProperty<>(this, "instance");
    private final ObjectProperty<NodeRunState> runState =
            new SimpleObjectProperty<>(this, "runState", NodeRunState.IDLE);
    private final BooleanProperty selected = new SimpleBooleanProperty(this, "selected");
    private final StringProperty title = new SimpleStringProperty(this, "title");
    private final BooleanProperty collapsed = new SimpleBooleanProperty(this, "collapsed");
    private Runnable onToggleCollapse = () -> {};
    private final ObjectProperty<Runnable> onOpenMaskEditor = new SimpleObjectProperty<>(this, "onOpenMaskEditor");
    private final ObjectProperty<Runnable> onCompare = new SimpleObjectProperty<>(this, "onCompare");
    private final javafx.beans.property.IntegerProperty shownImage =
            new javafx.beans.property.SimpleIntegerProperty(this, "shownImage");
    private final BiConsumer<String, Object> commit;
    private final BiConsumer<String, String> seedMode;
    private final PlaceholderNode placeholder;
    private final OptionDetails optionDetails;
    final Map<String, PortView> inputPorts = new LinkedHashMap<>();
    final Map<Integer, PortView> outputPorts = new LinkedHashMap<>();

    /**
     * Creates a card for one node.
     *
     * @param commit receives (input, value) when a widget edit is committed
     * @param seedMode receives (input, mode) when a seed's after-run mode changes
     */
    public NodeCard(NodeSchema schema, NodeInstance node, BiConsumer<String, Object> commit,
            BiConsumer<String, String> seedMode) {
        this(schema, null, node, commit, seedMode, OptionDetails.NONE);
    }

    /** Creates a card whose combos show option details (file sizes, LoRA base models) from {@code details}. */
    public NodeCard(NodeSchema schema, NodeInstance node, BiConsumer<String, Object> commit,
            BiConsumer<String, String> seedMode, OptionDetails details) {
        this(schema, null, node, commit, seedMode, details);
    }

    /**
     * Creates a read-only placeholder card for a node whose type is not installed: its ports, its literal values and
     * a badge saying what to do (pseudo-class {@code :unknown}). It never commits a value.
     */
    public static NodeCard placeholder(PlaceholderNode placeholder, NodeInstance node) {
        return new NodeCard(placeholder.schema(), placeholder, node, (i, v) -> {}, (i, m) -> {}, OptionDetails.NONE);
    }

    private NodeCard(NodeSchema schema, PlaceholderNode placeholder, NodeInstance node,
            BiConsumer<String, Object> commit, BiConsumer<String, String> seedMode, OptionDetails details) {
        this.schema = schema;
        this.placeholder = placeholder;
        this.optionDetails = details;
        this.commit = commit;
        this.seedMode = seedMode;
        getStyleClass().add("node-card");
        setId("node-" + node.id());
        instance.set(node);
        title.set(schema.displayName());
        selected.addListener((o, a, b) -> pseudoClassStateChanged(SELECTED, b));
        collapsed.addListener((o, a, b) -> pseudoClassStateChanged(COLLAPSED, b));
        runState.addListener((o, a, b) -> updateStatus(b));
        instance.addListener((o, a, b) -> updateMode(b.mode()));
        updateMode(node.mode());
        pseudoClassStateChanged(UNKNOWN, placeholder != null);
    }

    private void updateStatus(NodeRunState s) {
        STATUS.forEach((st, pc) -> pseudoClassStateChanged(pc, s.status() == st));
        pseudoClassStateChanged(ERROR, s.status() == NodeStatus.FAILED || s.status() == NodeStatus.INVALID);
    }

    private void updateMode(NodeMode mode) {
        pseudoClassStateChanged(MUTED, mode == NodeMode.MUTED);
        pseudoClassStateChanged(BYPASSED, mode == NodeMode.BYPASSED);
    }

    @Override
    protected double computeMinWidth(double height) {
        // the layout's width wins and widgets shrink to fit it, but never below the title row: a card as narrow as
        // VAE Decode's 210 px would otherwise cut its own title to "VAE Dec…" once its status shows
        double pref = prefWidth(height);
        return getSkin() instanceof NodeCardSkin skin ? Math.max(pref, skin.titleRowWidth()) : pref;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new NodeCardSkin(this);
    }

    /** The node's id. */
    public String nodeId() {
        return instance.get().id();
    }

    /** The node type's schema. */
    public NodeSchema schema() {
        return schema;
    }

    /** What is known of an uninstalled node type, or null for installed types. */
    public PlaceholderNode placeholder() {
        return placeholder;
    }

    /** The node as in the current workflow; replaced by the canvas on each edit. */
    public ObjectProperty<NodeInstance> instanceProperty() {
        return instance;
    }

    /** The latest run state of this node. */
    public ObjectProperty<NodeRunState> runStateProperty() {
        return runState;
    }

    /** Opens the mask editor on this card's image; null (the default) shows no mask editor button. */
    public ObjectProperty<Runnable> onOpenMaskEditorProperty() {
        return onOpenMaskEditor;
    }

    /** Opens the before/after view of this card's image; null (the default) shows no compare button. */
    public ObjectProperty<Runnable> onCompareProperty() {
        return onCompare;
    }

    /** Which of the run state's images the card shows (clicking the image steps through a batch). */
    public javafx.beans.property.IntegerProperty shownImageProperty() {
        return shownImage;
    }

    /** Whether the node is selected. */
    public BooleanProperty selectedProperty() {
        return selected;
    }

    /**
     * Whether the card shows only its title row, with its ports stacked at the edges; mirrors the node layout's
     * collapsed flag (set by the canvas, never by the card itself).
     */
    public BooleanProperty collapsedProperty() {
        return collapsed;
    }

    /** Called when the header's collapse toggle is pressed (the canvas turns it into an undoable edit). */
    void setOnToggleCollapse(Runnable handler) {
        this.onToggleCollapse = handler;
    }

    Runnable onToggleCollapse() {
        return onToggleCollapse;
    }

    /** The title shown in the header. */
    public StringProperty titleProperty() {
        return title;
    }

    /** The input port for a socket input, or null when the skin has not been created. */
    public PortView inputPort(String input) {
        return inputPorts.get(input);
    }

    /** The output port with this index, or null. */
    public PortView outputPort(int index) {
        return outputPorts.get(index);
    }

    /** All ports, inputs first. */
    public List<PortView> ports() {
        List<PortView> all = new java.util.ArrayList<>(inputPorts.values());
        all.addAll(outputPorts.values());
        return all;
    }

    BiConsumer<String, Object> commit() {
        return commit;
    }

    OptionDetails optionDetails() {
        return optionDetails;
    }

    BiConsumer<String, String> seedMode() {
        return seedMode;
    }
}
