package dev.noodle.app.ui.view;

import dev.noodle.app.ui.vm.QueueBackend;
import dev.noodle.app.ui.vm.QueueEntry;
import dev.noodle.app.ui.vm.QueueSnapshot;
import dev.noodle.app.ui.vm.QueueViewModel;
import dev.noodle.app.ui.vm.RunViewModel;
import java.util.function.Function;
import javafx.beans.binding.Bindings;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Tab;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

/**
 * The Queue tab: the queue of the server the editor is connected to (or the editor's own runs) — paused or running,
 * the running prompts with their worker, node and step, the waiting prompts in run order, the workers — with
 * pause/resume, move, cancel, interrupt and clear; below, this editor's runs and how they ended. It polls only while
 * the tab is shown.
 */
final class QueuePanel {
    private QueuePanel() {}

    static Tab create(QueueViewModel q, RunViewModel run) {
        Label headline = wrap(new Label());
        headline.setId("queue-headline");
        headline.textProperty().bind(q.headlineProperty());
        Label problem = wrap(new Label());
        problem.setId("queue-problem");
        problem.getStyleClass().add("queue-failed");
        problem.textProperty().bind(q.problemProperty());
        problem.visibleProperty().bind(q.problemProperty().isNotEmpty());
        problem.managedProperty().bind(problem.visibleProperty());

        Button pause = new Button();
        pause.setId("queue-pause");
        pause.textProperty().bind(Bindings.when(q.pausedProperty()).then("▶ Resume").otherwise("Pause"));
        pause.disableProperty().bind(q.canPauseProperty().not());
        pause.setOnAction(e -> q.togglePause());
        Button clear = new Button("Clear queue");
        clear.setId("queue-clear");
        clear.setTooltip(new Tooltip("Take every waiting prompt out of the queue; running ones go on"));
        clear.disableProperty().bind(Bindings.isEmpty(q.pending()));
        clear.setOnAction(e -> q.clear());
        Label note = wrap(new Label("Pausing and reordering need a Noodle server: start `./noodle serve` and open the "
                + "editor with --connect URL."));
        note.setId("queue-note");
        note.visibleProperty().bind(q.reachableProperty().and(q.canPauseProperty().not()));
        note.managedProperty().bind(note.visibleProperty());

        ListView<QueueSnapshot.Prompt> running = list(q.running(), q::runningLine, "queue-running", 64);
        Button interrupt = new Button("■ Interrupt");
        interrupt.setId("queue-interrupt");
        interrupt.setTooltip(new Tooltip("Stop the picked running prompt (the only one when one runs)"));
        // with several prompts running (several workers), the user picks which one to stop
        interrupt.disableProperty().bind(Bindings.isEmpty(q.running()).or(Bindings.size(q.running()).greaterThan(1)
                .and(running.getSelectionModel().selectedItemProperty().isNull())));
        interrupt.setOnAction(e -> {
            QueueSnapshot.Prompt p = running.getSelectionModel().getSelectedItem();
            if (p == null && q.running().size() == 1) {
                p = q.running().get(0);
            }
            if (p != null) {
                q.interrupt(p.id());
            }
        });

        ListView<QueueSnapshot.Prompt> pending = list(q.pending(), QueueViewModel::line, "queue-pending", 160);
        keepSelection(pending);
        var none = pending.getSelectionModel().selectedItemProperty().isNull();
        HBox moves = new HBox(4);
        for (QueueBackend.Move m : QueueBackend.Move.values()) {
            String[] label = switch (m) {
                case TOP -> new String[] {"⤒", "Run it next"};
                case UP -> new String[] {"↑", "One place earlier"};
                case DOWN -> new String[] {"↓", "One place later"};
                case BOTTOM -> new String[] {"⤓", "Run it last"};
            };
            Button b = new Button(label[0]);
            b.setId("queue-" + m.word());
            b.setTooltip(new Tooltip(label[1]));
            b.disableProperty().bind(none.or(q.canMoveProperty().not()));
            b.setOnAction(e -> {
                QueueSnapshot.Prompt p = pending.getSelectionModel().getSelectedItem();
                if (p != null) {
                    q.move(p.id(), m);
                }
            });
            moves.getChildren().add(b);
        }
        Button cancel = new Button("✕ Cancel");
        cancel.setId("queue-cancel");
        cancel.setTooltip(new Tooltip("Take the selected prompt out of the queue"));
        cancel.disableProperty().bind(none);
        cancel.setOnAction(e -> {
            QueueSnapshot.Prompt p = pending.getSelectionModel().getSelectedItem();
            if (p != null) {
                q.cancel(p.id());
            }
        });
        moves.getChildren().add(cancel);

        ListView<QueueSnapshot.Worker> workers = list(q.workers(), QueueViewModel::line, "queue-workers", 150);
        // a running row names its worker's node and step: redraw it when only the workers changed
        q.workers().addListener((ListChangeListener<QueueSnapshot.Worker>) c -> running.refresh());

        ListView<QueueEntry> mine = new ListView<>(run.queue());
        mine.setId("queue-list");
        mine.setPrefHeight(140);
        mine.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(QueueEntry e, boolean empty) {
                super.updateItem(e, empty);
                getStyleClass().removeIf(c -> c.startsWith("queue-"));
                if (empty || e == null) {
                    setText(null);
                    return;
                }
                setText(e.runId() + " · " + e.name() + " — " + e.state()
                        + (e.detail().isEmpty() ? "" : " (" + e.detail() + ")"));
                getStyleClass().add("queue-" + e.state());
            }
        });

        VBox box = new VBox(6, headline, problem, new HBox(6, pause, clear), note,
                heading("Running"), running, interrupt,
                heading("Waiting (runs top first)"), pending, moves,
                heading("Workers"), workers,
                heading("This editor's runs"), mine);
        box.setId("queue-panel");
        box.getStyleClass().add("explain-panel");
        ScrollPane scroll = new ScrollPane(box);
        scroll.setFitToWidth(true);
        Tab tab = new Tab("Queue", scroll);
        tab.setId("queue-tab");
        tab.selectedProperty().addListener((obs, was, now) -> q.setShown(now));
        q.setShown(tab.isSelected());
        return tab;
    }

    private static <T> ListView<T> list(javafx.collections.ObservableList<T> items, Function<T, String> text,
            String id, double height) {
        ListView<T> list = new ListView<>(items);
        list.setId(id);
        list.setPrefHeight(height);
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : text.apply(item)); // lines too long end in "…"
            }
        });
        return list;
    }

    // a refresh replaces the rows; the prompt the user picked stays picked while it waits
    private static void keepSelection(ListView<QueueSnapshot.Prompt> list) {
        String[] picked = {null};
        list.getSelectionModel().selectedItemProperty().addListener((obs, was, now) -> {
            if (now != null) {
                picked[0] = now.id();
            }
        });
        list.getItems().addListener((ListChangeListener<QueueSnapshot.Prompt>) c -> {
            if (picked[0] == null) {
                return;
            }
            for (int i = 0; i < list.getItems().size(); i++) {
                if (list.getItems().get(i).id().equals(picked[0])) {
                    list.getSelectionModel().clearAndSelect(i);
                    return;
                }
            }
            picked[0] = null;
            list.getSelectionModel().clearSelection();
        });
    }

    private static Label heading(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("explain-heading");
        return l;
    }

    private static Label wrap(Label l) {
        l.setWrapText(true);
        l.setMaxWidth(290);
        return l;
    }
}
