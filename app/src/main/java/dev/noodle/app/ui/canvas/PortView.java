package dev.noodle.app.ui.canvas;

import dev.noodle.app.ui.vm.PortTypeInfo;
import dev.noodle.graph.spec.PortType;
import javafx.css.PseudoClass;
import javafx.scene.shape.Circle;

/**
 * A typed input or output socket on a node card; coloured by type through the {@code type-*} style class.
 *
 * <p>Input ports are identified by input name, output ports by output index.
 */
public final class PortView extends Circle {
    private static final PseudoClass CONNECTED = PseudoClass.getPseudoClass("connected");
    private static final PseudoClass COMPATIBLE = PseudoClass.getPseudoClass("compatible");
    private static final PseudoClass INCOMPATIBLE = PseudoClass.getPseudoClass("incompatible");

    private final String nodeId;
    private final boolean output;
    private final String inputName;
    private final int outputIndex;
    private final PortType type;

    PortView(String nodeId, boolean output, String inputName, int outputIndex, PortType type) {
        super(6);
        this.nodeId = nodeId;
        this.output = output;
        this.inputName = inputName;
        this.outputIndex = outputIndex;
        this.type = type;
        getStyleClass().addAll("port", PortTypeInfo.styleClass(type));
        setId("port-" + nodeId + (output ? "-out-" + outputIndex : "-in-" + inputName));
    }

    /** The owning node's id. */
    public String nodeId() {
        return nodeId;
    }

    /** True for an output socket. */
    public boolean isOutput() {
        return output;
    }

    /** The input name (inputs only). */
    public String inputName() {
        return inputName;
    }

    /** The output index (outputs only). */
    public int outputIndex() {
        return outputIndex;
    }

    /** The value type travelling through this socket. */
    public PortType type() {
        return type;
    }

    void setConnected(boolean value) {
        pseudoClassStateChanged(CONNECTED, value);
    }

    void setDragHint(Boolean compatible) {
        pseudoClassStateChanged(COMPATIBLE, Boolean.TRUE.equals(compatible));
        pseudoClassStateChanged(INCOMPATIBLE, Boolean.FALSE.equals(compatible));
    }
}
