package dev.noodle.app.cli;

import dev.noodle.graph.validate.ValidationCode;
import dev.noodle.graph.validate.ValidationError;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.host.NodeEnvironment;
import java.util.Map;
import java.util.Optional;

/**
 * Where to put a file a workflow names but no folder holds: for a {@code value_not_in_list} problem on one of
 * ComfyUI's file inputs ({@code ckpt_name}, {@code lora_name}, {@code vae_name}, {@code hypernetwork_name},
 * {@code image}), the folders searched and the one to put the file in, as absolute paths. Stateless.
 */
final class MissingFileHints {
    private static final Map<String, ModelKind> MODEL_INPUTS = Map.of("ckpt_name", ModelKind.CHECKPOINTS,
            "lora_name", ModelKind.LORAS, "vae_name", ModelKind.VAE, "hypernetwork_name", ModelKind.HYPERNETWORKS);

    private MissingFileHints() {}

    /** The hint for this problem, if it is a missing file. */
    static Optional<String> hint(ValidationError e, NodeEnvironment env) {
        if (e.code() != ValidationCode.VALUE_NOT_IN_LIST || e.input() == null) {
            return Optional.empty();
        }
        Object name = e.details().get("received_value");
        ModelKind kind = MODEL_INPUTS.get(e.input());
        if (kind != null) {
            return Optional.of(env.models().notFound(kind, String.valueOf(name)));
        }
        if (e.input().equals("image")) {
            return Optional.of("'" + name + "' is not in the input folder. Put the image in "
                    + env.inputDir().toAbsolutePath().normalize());
        }
        return Optional.empty();
    }
}
