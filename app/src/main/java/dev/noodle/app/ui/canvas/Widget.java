package dev.noodle.app.ui.canvas;

import java.util.function.Consumer;
import javafx.scene.Node;

/**
 * An inline input editor on a node card: the control, and how to show a new value without committing it.
 *
 * @param node the control to put in the card
 * @param show displays a value coming from the model (never triggers a commit)
 */
public record Widget(Node node, Consumer<Object> show) {}
