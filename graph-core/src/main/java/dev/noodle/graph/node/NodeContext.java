package dev.noodle.graph.node;

import dev.noodle.graph.model.Workflow;
import java.util.Map;

/**
 * What a running node may see and do: its inputs, progress and messages, cancellation, host services.
 *
 * <p>Valid only during {@link NodeDefinition#execute}; used from the executing thread.
 */
public interface NodeContext {
    /** The node's id in the workflow. */
    String nodeId();

    /** The node's type. */
    String nodeType();

    /** The node's inputs. */
    NodeInputs inputs();

    /** Reports progress (e.g. sampler step {@code value} of {@code max}). */
    void progress(long value, long max);

    /** Reports progress with a preview (e.g. a decoded latent). */
    void progress(long value, long max, Object preview);

    /** Reports a message shown on the node and in the run log. */
    void message(MessageLevel level, String text);

    /** The run's cancellation token; long nodes call {@code throwIfCancelled()} regularly. */
    CancellationToken cancellation();

    /** A host service (model manager, folders); throws IllegalStateException naming the type when missing. */
    <T> T service(Class<T> type);

    /** The id of the current run. */
    String runId();

    /**
     * The workflow this run executes, as the host received it (ComfyUI's hidden {@code PROMPT} input): output nodes
     * embed it in what they save.
     */
    Workflow workflow();

    /**
     * Texts the client asked to embed in saved files (ComfyUI's hidden {@code EXTRA_PNGINFO}: chunk name → JSON
     * text, e.g. the editor's own UI form under {@code workflow}); empty when none.
     */
    Map<String, String> extraPngInfo();
}
