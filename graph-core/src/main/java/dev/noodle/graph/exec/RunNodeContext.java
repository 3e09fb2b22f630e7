package dev.noodle.graph.exec;

import dev.noodle.graph.model.Workflow;
import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import java.util.Map;

/** The {@link NodeContext} the executor hands to one node; forwards progress and messages as run events. */
final class RunNodeContext implements NodeContext {
    private final String runId;
    private final String nodeId;
    private final String nodeType;
    private final NodeInputs inputs;
    private final CancellationToken token;
    private final ServiceLookup services;
    private final RunListener listener;
    private final Workflow workflow;
    private final Map<String, String> extraPngInfo;

    RunNodeContext(String runId, String nodeId, String nodeType, NodeInputs inputs, CancellationToken token,
            ServiceLookup services, RunListener listener, Workflow workflow, Map<String, String> extraPngInfo) {
        this.workflow = workflow;
        this.extraPngInfo = extraPngInfo;
        this.runId = runId;
        this.nodeId = nodeId;
        this.nodeType = nodeType;
        this.inputs = inputs;
        this.token = token;
        this.services = services;
        this.listener = listener;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String nodeType() {
        return nodeType;
    }

    @Override
    public NodeInputs inputs() {
        return inputs;
    }

    @Override
    public void progress(long value, long max) {
        progress(value, max, null);
    }

    @Override
    public void progress(long value, long max, Object preview) {
        listener.onEvent(new RunEvent.NodeProgress(runId, nodeId, value, max, preview));
    }

    @Override
    public void message(MessageLevel level, String text) {
        listener.onEvent(new RunEvent.NodeMessage(runId, nodeId, level, text));
    }

    @Override
    public CancellationToken cancellation() {
        return token;
    }

    @Override
    public <T> T service(Class<T> type) {
        T s = services.get(type);
        if (s == null) {
            throw new IllegalStateException("Node " + nodeId + " (" + nodeType + ") needs the service "
                    + type.getName() + ", which the host did not provide");
        }
        return s;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public Workflow workflow() {
        return workflow;
    }

    @Override
    public Map<String, String> extraPngInfo() {
        return extraPngInfo;
    }
}
