package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.CanvasEdits;
import dev.noodle.app.ui.vm.GraphEditorViewModel;
import dev.noodle.app.ui.vm.NodeRunState;
import dev.noodle.app.ui.vm.PendingWire;
import dev.noodle.app.ui.vm.Rect;
import dev.noodle.app.ui.vm.RerouteRoutes;
import dev.noodle.app.ui.vm.RunViewModel;
import dev.noodle.app.ui.vm.SeedControl;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.spec.NodeSchema;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import javafx.collections.MapChangeListener;
import javafx.collections.SetChangeListener;
import javafx.geometry.Bounds;
import javafx.geometry.Point2D;
import javafx.scene.Group;
import javafx.scene.Node;
import javafx.scene.control.Control;
import javafx.scene.control.Label;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.scene.layout.Region;
import javafx.scene.shape.Rectangle;
import javafx.scene.transform.Scale;
import javafx.scene.transform.Translate;

/**
 * The node-graph canvas: cards and wires under one pan/zoom transform.
 *
 * <p>Views only: it mirrors {@link GraphEditorViewModel#workflowProperty()} and {@link RunViewModel#states()}, and
 * forwards gestures (connect, move, select, edit) back to the view-model. Pan by dragging empty space or with the
 * middle button; zoom to the cursor with the wheel. FX thread only.
 */
public final class GraphCanvas extends Region {
    /** Zoom limits. */
    public static final double MIN_ZOOM = 0.1;
    public static final double MAX_ZOOM = 3.0;

    private final GraphEditorViewModel vm;
    private final Group content = new Group();
    private final Group nodeLayer = new Group();
    private final NoteLayer noteLayer = new NoteLayer();
    private final CanvasEdits edits;
    private final GroupLayer groupLayer;
    private final RerouteLayer rerouteLayer;
    private final WireLayer wireLayer;
    private final RubberBand band;
    private final Minimap minimap;
    private final Translate pan = new Translate();
    private final Scale zoom = new Scale(1, 1, 0, 0);
    private final Map<String, NodeCard> cards = new LinkedHashMap<>();
    private final WireDrag wireDrag;
    private Workflow shown;
    private Point2D panStart;
    private Point2D panOrigin;
    private boolean panned;
    private final CardDrag cardDrag;
    private Point2D lastMouse = new Point2D(200, 200);
    private Consumer<Point2D> onRequestSearch = p -> {};
    private BiConsumer<PendingWire, Point2D> onWireDropped = (w, p) -> {};
    private BiConsumer<MouseEvent, NodeCard> onContextMenu = (e, c) -> {};
    private java.util.function.Consumer<NodeCard> cardDecorator = c -> {};

    /** Creates a canvas showing the view-model's workflow and the run view-model's node states. */
    /** The view-model this canvas shows. */
    public GraphEditorViewModel viewModel() {
        return vm;
    }

    public GraphCanvas(GraphEditorViewModel vm, RunViewModel run) {
        this.vm = vm;
        getStyleClass().add("graph-canvas");
        setFocusTraversable(true);
        Rectangle clip = new Rectangle();
        clip.widthProperty().bind(widthProperty());
        clip.heightProperty().bind(heightProperty());
        setClip(clip);
        content.getTransforms().addAll(pan, zoom);
        edits = new CanvasEdits(vm);
        groupLayer = new GroupLayer(this, edits);
        rerouteLayer = new RerouteLayer(this, edits);
        wireLayer = new WireLayer(this, rerouteLayer);
        band = new RubberBand(this, edits);
        minimap = new Minimap(this);
        content.getChildren().addAll(groupLayer, noteLayer, wireLayer, rerouteLayer, nodeLayer);
        getChildren().addAll(content, band.view(), minimap);
        javafx.beans.InvalidationListener view = o -> minimap.markDirty();
        pan.xProperty().addListener(view);
        pan.yProperty().addListener(view);
        zoom.xProperty().addListener(view);
        widthProperty().addListener(view);
        heightProperty().addListener(view);
        wireDrag = new WireDrag(this, vm);
        cardDrag = new CardDrag(this, vm);
        content.getChildren().add(wireDrag.preview());

        vm.whereProperty().addListener((o, a, b) -> clearCards()); // another level: other nodes, maybe same ids
        vm.levelProperty().addListener((o, a, b) -> sync(b));
        vm.selection().addListener((SetChangeListener<String>) c -> {
            NodeCard card = cards.get(c.wasAdded() ? c.getElementAdded() : c.getElementRemoved());
            if (card != null) {
                card.selectedProperty().set(c.wasAdded());
            }
        });
        run.states().addListener((MapChangeListener<String, NodeRunState>) c -> {
            // run ids are flat ("83:2"); a level shows those under its prefix, and hosts their inner nodes' latest
            String prefix = vm.where().runPrefix();
            String key = c.getKey();
            if (!key.startsWith(prefix) || key.indexOf(':', prefix.length()) >= 0) {
                return;
            }
            NodeCard card = cards.get(key.substring(prefix.length()));
            if (card != null) {
                card.runStateProperty().set(c.wasAdded() ? c.getValueAdded() : NodeRunState.IDLE);
            }
        });
        this.runStates = run;
        sceneProperty().addListener((o, a, b) -> {
            if (a != null) {
                a.removePostLayoutPulseListener(afterPulse);
            }
            if (b != null) {
                b.addPostLayoutPulseListener(afterPulse);
            }
        });
        addEventHandler(MouseEvent.MOUSE_PRESSED, this::pressed);
        addEventHandler(MouseEvent.MOUSE_DRAGGED, this::dragged);
        addEventHandler(MouseEvent.MOUSE_RELEASED, this::released);
        addEventHandler(MouseEvent.MOUSE_MOVED, e -> lastMouse = new Point2D(e.getX(), e.getY()));
        addEventHandler(ScrollEvent.SCROLL, this::scrolled);
        sync(vm.level());
    }

    /** Drops every card, so the next sync draws a level afresh. */
    private void clearCards() {
        nodeLayer.getChildren().removeAll(cards.values());
        cards.clear();
        wireLayer.clear();
        shown = null;
    }

    private final RunViewModel runStates;
    private final Runnable afterPulse = this::afterPulse;

    /** Called with a point in canvas coordinates when the user asks for node search (double-click). */
    public void setOnRequestSearch(Consumer<Point2D> handler) {
        this.onRequestSearch = handler;
    }

    /**
     * Called when a wire is dropped on empty canvas, with its fixed end and the drop point in canvas coordinates
     * (the editor opens the node search filtered to nodes that can take it).
     */
    public void setOnWireDropped(BiConsumer<PendingWire, Point2D> handler) {
        this.onWireDropped = handler;
    }

    void wireDropped(PendingWire wire, Point2D canvasPoint) {
        onWireDropped.accept(wire, canvasPoint);
    }

    /** Called on right-click with the card under the mouse, or null over empty canvas. */
    /** Called with each card as it is created (and now with those there are): the window adds its card tools. */
    public void setCardDecorator(java.util.function.Consumer<NodeCard> decorator) {
        this.cardDecorator = decorator;
        cards.values().forEach(decorator);
    }

    public void setOnNodeContextMenu(BiConsumer<MouseEvent, NodeCard> handler) {
        this.onContextMenu = handler;
    }

    // ---- model → view ----

    /**
     * Mirrors a new workflow by diffing it against the one shown: only nodes whose instance or layout changed (the
     * model is immutable and edits share unchanged records, so an identity check suffices) and wires into changed
     * nodes are touched; an edit of one widget costs one card, not the whole graph.
     */
    private void sync(Workflow wf) {
        Workflow old = shown;
        shown = wf;
        if (old == null || old.layout().notes() != wf.layout().notes()) {
            noteLayer.sync(wf.layout().notes());
        }
        if (old == null || !old.layout().groups().equals(wf.layout().groups())) {
            groupLayer.sync(wf.layout().groups());
        }
        boolean reroutesChanged = old == null || !old.layout().reroutes().equals(wf.layout().reroutes());
        if (reroutesChanged) {
            rerouteLayer.sync(wf.layout().reroutes());
        }
        if (reroutesChanged || old.nodes() != wf.nodes()) {
            wireLayer.setRoutes(wf.layout().reroutes().isEmpty() ? Map.of() : RerouteRoutes.routes(wf, vm::schema));
        }
        minimap.markDirty();
        if (old != null && old.nodes() == wf.nodes() && old.layout().nodes() == wf.layout().nodes()) {
            return;
        }
        for (String id : Set.copyOf(cards.keySet())) {
            if (!wf.nodes().containsKey(id)) {
                nodeLayer.getChildren().remove(cards.remove(id));
            }
        }
        Set<String> changed = new HashSet<>();
        int auto = 0;
        for (NodeInstance n : wf.nodes().values()) {
            NodeLayout l = wf.layout().nodes().get(n.id());
            NodeCard card = cards.get(n.id());
            if (card != null && SubgraphCards.schemaChanged(card, n, vm)) { // a host's or boundary's ports changed
                nodeLayer.getChildren().remove(cards.remove(n.id()));
                card = null;
            }
            boolean fresh = card == null;
            if (fresh) {
                card = createCard(n);
                cards.put(n.id(), card);
                nodeLayer.getChildren().add(card);
            } else if (card.instanceProperty().get() != n) {
                card.instanceProperty().set(n);
                changed.add(n.id());
            } else if (l != null && old != null && old.layout().nodes().get(n.id()) == l) {
                continue; // neither the node nor its layout changed
            }
            if (fresh) {
                changed.add(n.id());
            }
            if (l == null) {
                card.relocate(40 + (auto % 5) * 300, 40 + (auto / 5) * 320);
                auto++;
            } else {
                card.relocate(l.x(), l.y());
                card.collapsedProperty().set(l.collapsed());
                card.setPrefWidth(l.collapsed() ? Region.USE_COMPUTED_SIZE // as wide as its title row
                        : l.width() > 0 ? l.width() : GraphEditorViewModel.DEFAULT_WIDTH);
                if (l.title() != null && !l.title().isBlank()) {
                    card.titleProperty().set(l.title());
                }
            }
        }
        wireLayer.sync(wf, old == null ? null : changed);
    }

    private NodeCard createCard(NodeInstance n) {
        String id = n.id();
        // an uninstalled type (e.g. a ComfyUI custom node) opens as a read-only placeholder with its ports and values
        NodeCard card = vm.schema(n.type())
                .map(schema -> new NodeCard(schema, n, (input, value) -> vm.setInput(id, input, value),
                        (input, mode) -> vm.executeHere(SeedControl.setMode(id, input, mode)), vm.optionDetails()))
                .orElseGet(() -> NodeCard.placeholder(
                        dev.noodle.app.ui.vm.PlaceholderNode.of(vm.level(), n, vm::schema), n));
        card.setPrefWidth(GraphEditorViewModel.DEFAULT_WIDTH);
        card.selectedProperty().set(vm.selection().contains(id));
        card.runStateProperty().set(runStates.states().getOrDefault(vm.where().runPrefix() + id, NodeRunState.IDLE));
        SubgraphCards.decorate(card, vm);
        card.setOnToggleCollapse(() -> edits.toggleCollapsed(id));
        cardDecorator.accept(card);
        javafx.beans.InvalidationListener moved = o -> wireLayer.nodeChanged(id);
        card.layoutXProperty().addListener(moved);
        card.layoutYProperty().addListener(moved);
        card.heightProperty().addListener(moved);
        card.widthProperty().addListener(moved);
        return card;
    }

    /** Forces wire geometry to be recomputed now (benchmarks and tests). */
    public void updateWiresNow() {
        wireLayer.markAllDirty();
        wireLayer.updateIfDirty();
    }

    /** Re-routes every wire on the next pulse (a reroute dot moved). */
    void markWiresDirty() {
        wireLayer.markAllDirty();
        minimap.markDirty();
    }

    private void afterPulse() {
        if (wireLayer.updateIfDirty()) {
            minimap.markDirty();
        }
        minimap.refreshIfDirty();
    }

    Point2D outputPoint(NodeCard card, int index) {
        PortView p = card.outputPort(index);
        return p != null ? portCenter(p) : new Point2D(card.getLayoutX() + card.getWidth(), card.getLayoutY() + 14);
    }

    Point2D inputPoint(NodeCard card, String input) {
        PortView p = card.inputPort(input);
        return p != null ? portCenter(p) : new Point2D(card.getLayoutX(), card.getLayoutY() + 14);
    }

    /** The centre of a port in content (canvas-model) coordinates. */
    Point2D portCenter(PortView port) {
        Point2D pt = new Point2D(port.getCenterX(), port.getCenterY());
        Node n = port;
        while (n != null && n != nodeLayer) {
            pt = n.localToParent(pt);
            n = n.getParent();
        }
        return pt;
    }

    // ---- gestures ----

    private void pressed(MouseEvent e) {
        requestFocus();
        Node target = e.getPickResult().getIntersectedNode();
        if (e.getButton() == MouseButton.SECONDARY) {
            onContextMenu.accept(e, cardOf(target));
            e.consume();
            return;
        }
        if (e.getButton() == MouseButton.MIDDLE || e.getButton() == MouseButton.PRIMARY && isEmpty(target)) {
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
                onRequestSearch.accept(new Point2D(e.getX(), e.getY()));
                e.consume();
                return;
            }
            if (e.getButton() == MouseButton.PRIMARY && RubberBand.starts(e)) {
                band.start(e);
                e.consume();
                return;
            }
            panStart = new Point2D(e.getSceneX(), e.getSceneY());
            panOrigin = new Point2D(pan.getX(), pan.getY());
            panned = false;
            e.consume();
            return;
        }
        if (e.getButton() != MouseButton.PRIMARY) {
            return;
        }
        if (target instanceof PortView port) {
            wireDrag.start(port, e);
            e.consume();
            return;
        }
        NodeCard card = cardOf(target);
        if (card == null || insideControl(target, card)) {
            return;
        }
        cardDrag.start(e, card);
        e.consume();
    }

    private void dragged(MouseEvent e) {
        if (wireDrag.active()) {
            wireDrag.drag(e);
        } else if (band.active()) {
            band.drag(e);
        } else if (panStart != null) {
            double dx = e.getSceneX() - panStart.getX();
            double dy = e.getSceneY() - panStart.getY();
            panned |= Math.abs(dx) + Math.abs(dy) > 3;
            pan.setX(panOrigin.getX() + dx);
            pan.setY(panOrigin.getY() + dy);
        } else if (cardDrag.active()) {
            cardDrag.drag(e);
        } else {
            return;
        }
        e.consume();
    }

    private void released(MouseEvent e) {
        if (wireDrag.active()) {
            wireDrag.finish(e);
        } else if (band.active()) {
            band.finish(e);
        } else if (panStart != null) {
            if (!panned && e.getButton() == MouseButton.PRIMARY) {
                vm.select(Set.of());
            }
            panStart = null;
        } else if (cardDrag.active()) {
            cardDrag.finish();
        } else {
            return;
        }
        e.consume();
    }

    private void scrolled(ScrollEvent e) {
        double factor = Math.exp(e.getDeltaY() * 0.0015);
        zoomAt(factor, e.getX(), e.getY());
        e.consume();
    }

    /** Zooms by {@code factor} keeping the canvas point (x, y) fixed under the cursor. */
    public void zoomAt(double factor, double x, double y) {
        double s = zoom.getX();
        double s2 = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, s * factor));
        pan.setX(x - (x - pan.getX()) * s2 / s);
        pan.setY(y - (y - pan.getY()) * s2 / s);
        zoom.setX(s2);
        zoom.setY(s2);
    }

    /** Pans by (dx, dy) canvas pixels. */
    public void panBy(double dx, double dy) {
        pan.setX(pan.getX() + dx);
        pan.setY(pan.getY() + dy);
    }

    /** Zooms and pans so that every node is visible. */
    public void fitToView() {
        if (cards.isEmpty() || getWidth() <= 0) {
            return;
        }
        nodeLayer.applyCss();
        nodeLayer.layout();
        Bounds b = nodeLayer.getBoundsInParent();
        double s = Math.max(MIN_ZOOM, Math.min(1.25,
                Math.min((getWidth() - 60) / b.getWidth(), (getHeight() - 60) / b.getHeight())));
        zoom.setX(s);
        zoom.setY(s);
        pan.setX((getWidth() - b.getWidth() * s) / 2 - b.getMinX() * s);
        pan.setY((getHeight() - b.getHeight() * s) / 2 - b.getMinY() * s);
    }

    /** Converts a point in this region's coordinates to content (workflow layout) coordinates. */
    public Point2D toContent(double x, double y) {
        return new Point2D((x - pan.getX()) / zoom.getX(), (y - pan.getY()) / zoom.getY());
    }

    /** The last mouse position over the canvas, in canvas coordinates. */
    public Point2D lastMouse() {
        return lastMouse;
    }

    /** The current zoom factor. */
    public double zoom() {
        return zoom.getX();
    }

    /** The card showing a node, or null. */
    public NodeCard card(String nodeId) {
        return cards.get(nodeId);
    }

    /** All cards by node id. */
    Map<String, NodeCard> cards() {
        return cards;
    }

    /** Number of wires drawn. */
    public int wireCount() {
        return wireLayer.count();
    }

    /** The wire drawn into {@code input} of {@code nodeId}, or null. */
    public WireView wire(String nodeId, String input) {
        return wireLayer.wire(nodeId, input);
    }

    /** The layout edits (groups, reroutes, collapse, rubber band) this canvas makes. */
    public CanvasEdits edits() {
        return edits;
    }

    /** The minimap (toggle its visibility to show or hide it). */
    public Minimap minimap() {
        return minimap;
    }

    /** Groups the selected nodes under a new group and starts editing its title; does nothing without a selection. */
    public void groupSelection() {
        int index = edits.groupSelection(cardRects(), "Group");
        if (index >= 0) {
            groupLayer.editTitle(index);
        }
    }

    /** Every card's rectangle in content coordinates, by node id. */
    public Map<String, Rect> cardRects() {
        Map<String, Rect> out = new LinkedHashMap<>();
        cards.forEach((id, c) -> out.put(id, new Rect(c.getLayoutX(), c.getLayoutY(), c.getWidth(), c.getHeight())));
        return out;
    }

    /** The visible part of the content, in content coordinates. */
    public Rect viewportRect() {
        Point2D a = toContent(0, 0);
        Point2D b = toContent(getWidth(), getHeight());
        return Rect.corners(a.getX(), a.getY(), b.getX(), b.getY());
    }

    /** Pans so that the content point (x, y) is in the middle of the canvas. */
    public void centreOn(double x, double y) {
        pan.setX(getWidth() / 2 - x * zoom.getX());
        pan.setY(getHeight() / 2 - y * zoom.getY());
    }

    private boolean isEmpty(Node target) {
        return target == this || target == null || target instanceof WireView || cardOf(target) == null;
    }

    static NodeCard cardOf(Node n) {
        while (n != null && !(n instanceof NodeCard)) {
            n = n.getParent();
        }
        return (NodeCard) n;
    }

    private static boolean insideControl(Node n, NodeCard card) {
        while (n != null && n != card) {
            if (n instanceof Control && !(n instanceof Label)) {
                return true;
            }
            n = n.getParent();
        }
        return false;
    }

    @Override
    protected void layoutChildren() {
        // content keeps its own coordinates; cards size themselves
        for (NodeCard c : cards.values()) {
            c.autosize();
        }
        noteLayer.autosizeNotes();
        minimap.relocate(Math.max(0, getWidth() - Minimap.WIDTH - 12), Math.max(0, getHeight() - Minimap.HEIGHT - 12));
    }
}
