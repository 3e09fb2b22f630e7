package dev.noodle.app.ui.vm;

import dev.noodle.graph.edit.AddGroup;
import dev.noodle.graph.edit.Composite;
import dev.noodle.graph.edit.EditCommand;
import dev.noodle.graph.edit.MoveNodes;
import dev.noodle.graph.edit.MoveReroutes;
import dev.noodle.graph.edit.SetReroutes;
import dev.noodle.graph.edit.RemoveGroup;
import dev.noodle.graph.edit.SetCollapsed;
import dev.noodle.graph.edit.SetGroup;
import dev.noodle.graph.model.Group;
import dev.noodle.graph.model.NodeLayout;
import dev.noodle.graph.model.Reroute;
import dev.noodle.graph.model.Workflow;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Canvas layout edits on top of {@link GraphEditorViewModel}: rubber-band selection, groups, reroutes and collapse.
 * Every edit is one undoable graph-core command. Card rectangles come from the view (cards size themselves), keyed
 * by node id, in canvas units; nodes the view does not know fall back to their stored layout. Not thread-safe: use
 * from one thread (the FX thread in the app; any thread in tests).
 */
public final class CanvasEdits {
    /** Space between a new group's border and the cards inside; the top leaves room for the title bar. */
    public static final double GROUP_PAD = 20;
    public static final double GROUP_TITLE = 34;
    /** Colour of new groups (ComfyUI's default group colour). */
    public static final String GROUP_COLOR = "#3f789e";

    private final GraphEditorViewModel vm;

    /** Edits the workflow of {@code vm}. */
    public CanvasEdits(GraphEditorViewModel vm) {
        this.vm = vm;
    }

    /** The nodes whose card touches {@code band}. */
    public static Set<String> touching(Map<String, Rect> cards, Rect band) {
        Set<String> hit = new LinkedHashSet<>();
        cards.forEach((id, r) -> {
            if (r.intersects(band)) {
                hit.add(id);
            }
        });
        return hit;
    }

    /** Selects every card touching {@code band}; with {@code add}, keeps the current selection too. */
    public void selectTouching(Map<String, Rect> cards, Rect band, boolean add) {
        Set<String> ids = new LinkedHashSet<>(touching(cards, band));
        if (add) {
            ids.addAll(vm.selection());
        }
        vm.select(ids);
    }

    /**
     * Creates a group around the selected nodes titled {@code title}, as one undo step; returns its index, or -1 when
     * nothing is selected.
     */
    public int groupSelection(Map<String, Rect> cards, String title) {
        Rect box = null;
        for (String id : vm.selection()) {
            Rect r = rectOf(cards, id);
            if (r != null) {
                box = box == null ? r : box.union(r);
            }
        }
        if (box == null) {
            return -1;
        }
        Group g = new Group(title, box.x() - GROUP_PAD, box.y() - GROUP_PAD - GROUP_TITLE,
                box.width() + 2 * GROUP_PAD, box.height() + 2 * GROUP_PAD + GROUP_TITLE, GROUP_COLOR);
        vm.executeHere(new AddGroup(g));
        return vm.level().layout().groups().size() - 1;
    }

    /** Renames group number {@code index}; a blank or unchanged title changes nothing. */
    public void renameGroup(int index, String title) {
        Group g = group(index);
        if (g != null && title != null && !title.isBlank() && !title.equals(g.title())) {
            vm.executeHere(new SetGroup(index, g.withTitle(title.strip())));
        }
    }

    /** Deletes group number {@code index}; its nodes stay where they are. */
    public void deleteGroup(int index) {
        if (group(index) != null) {
            vm.executeHere(new RemoveGroup(index));
        }
    }

    /** The nodes whose card centre lies inside group number {@code index}. */
    public Set<String> nodesIn(int index, Map<String, Rect> cards) {
        Group g = group(index);
        Set<String> inside = new LinkedHashSet<>();
        if (g == null) {
            return inside;
        }
        for (String id : vm.level().nodes().keySet()) {
            Rect r = rectOf(cards, id);
            if (r != null && g.contains(r.centerX(), r.centerY())) {
                inside.add(id);
            }
        }
        return inside;
    }

    /** Moves group number {@code index} with the nodes and reroutes inside it by (dx, dy), as one undo step. */
    public void moveGroup(int index, double dx, double dy, Map<String, Rect> cards) {
        Group g = group(index);
        if (g == null || dx == 0 && dy == 0) {
            return;
        }
        List<EditCommand> steps = new ArrayList<>();
        Set<String> nodes = nodesIn(index, cards);
        steps.add(new SetGroup(index, g.movedBy(dx, dy)));
        if (!nodes.isEmpty()) {
            steps.add(new MoveNodes(nodes, dx, dy));
        }
        List<String> reroutes = new ArrayList<>();
        for (Reroute r : vm.level().layout().reroutes()) {
            if (g.contains(r.x(), r.y())) {
                reroutes.add(r.id());
            }
        }
        if (!reroutes.isEmpty()) {
            steps.add(new MoveReroutes(reroutes, dx, dy));
        }
        vm.executeHere(new Composite("Move group " + g.title(), steps));
    }

    /** Moves one reroute dot to (x, y). */
    public void moveReroute(String id, double x, double y) {
        for (Reroute r : vm.level().layout().reroutes()) {
            if (r.id().equals(id) && (r.x() != x || r.y() != y)) {
                vm.executeHere(new MoveReroutes(List.of(id), x - r.x(), y - r.y()));
                return;
            }
        }
    }

    /**
     * Adds a reroute dot at (x, y) on the wire into {@code input} of {@code toNode}, after any dots the wire already
     * passes through (ComfyUI stores a dot by the link it feeds, {@code "node:slot"}, slot = the input's index among
     * the node's socket inputs). Returns the new dot's id, or null when the input has no wire.
     */
    public String addReroute(String toNode, String input, double x, double y) {
        Workflow wf = vm.level();
        int slot = RerouteRoutes.slotOf(wf, vm::schema, toNode, input);
        if (slot < 0) {
            return null;
        }
        String target = toNode + ":" + slot;
        String id = freeRerouteId(wf);
        List<Reroute> list = new ArrayList<>();
        for (Reroute r : wf.layout().reroutes()) {
            // the dot that fed the input until now feeds the new dot instead, so the new one sits nearest the input
            list.add(target.equals(r.linkTarget()) ? new Reroute(r.id(), r.x(), r.y(), id + ":0") : r);
        }
        list.add(new Reroute(id, x, y, target));
        vm.executeHere(new SetReroutes(list, "Add reroute " + id));
        return id;
    }

    /** Removes a reroute dot; the dot that fed it (if any) feeds what it fed. */
    public void removeReroute(String id) {
        List<Reroute> old = vm.level().layout().reroutes();
        Reroute gone = old.stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
        if (gone == null) {
            return;
        }
        List<Reroute> list = new ArrayList<>();
        for (Reroute r : old) {
            if (r != gone) {
                list.add((id + ":0").equals(r.linkTarget()) ? new Reroute(r.id(), r.x(), r.y(), gone.linkTarget()) : r);
            }
        }
        vm.executeHere(new SetReroutes(list, "Remove reroute " + id));
    }

    // ComfyUI numbers reroutes like nodes: the next number not used by either
    private static String freeRerouteId(Workflow wf) {
        long max = 0;
        for (String id : wf.nodes().keySet()) {
            max = Math.max(max, number(id));
        }
        for (Reroute r : wf.layout().reroutes()) {
            max = Math.max(max, number(r.id()));
        }
        return Long.toString(max + 1);
    }

    private static long number(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whether a node is drawn collapsed. */
    public boolean isCollapsed(String id) {
        NodeLayout l = vm.level().layout().nodes().get(id);
        return l != null && l.collapsed();
    }

    /** Collapses or expands these nodes, as one undo step. */
    public void setCollapsed(Collection<String> ids, boolean collapsed) {
        List<String> change = ids.stream()
                .filter(id -> vm.level().node(id) != null && isCollapsed(id) != collapsed)
                .toList();
        if (!change.isEmpty()) {
            vm.executeHere(new SetCollapsed(change, collapsed));
        }
    }

    /** Toggles one node's collapsed flag. */
    public void toggleCollapsed(String id) {
        setCollapsed(List.of(id), !isCollapsed(id));
    }

    /** Collapses the selection, or expands it when every selected node is already collapsed. */
    public void toggleCollapsedSelection() {
        boolean all = !vm.selection().isEmpty() && vm.selection().stream().allMatch(this::isCollapsed);
        setCollapsed(Set.copyOf(vm.selection()), !all);
    }

    private Group group(int index) {
        List<Group> groups = vm.level().layout().groups();
        return index >= 0 && index < groups.size() ? groups.get(index) : null;
    }

    private Rect rectOf(Map<String, Rect> cards, String id) {
        Rect r = cards.get(id);
        if (r != null) {
            return r;
        }
        Workflow wf = vm.level();
        NodeLayout l = wf.layout().nodes().get(id);
        return l == null ? null : new Rect(l.x(), l.y(), l.width(), l.height());
    }
}
