package dev.noodle.app.server;

import dev.noodle.nodes.host.CustomNodes;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link NoodleServer} is set up: where it listens, where models and files live, where history is kept.
 *
 * @param host the address to bind; loopback ({@code 127.0.0.1}) unless the user asked to listen wider
 * @param port the TCP port, 0 for any free port
 * @param modelsRoot the models root (ComfyUI layout)
 * @param outputDir the output folder; input and temp folders sit beside it
 * @param stateDir where the prompt history file is kept
 * @param maxUploadBytes the largest upload accepted (bigger requests get 413)
 * @param customNodes which custom node packs to load ({@code serve} loads those in {@code custom_nodes/} beside the
 *     models folder unless {@code --disable-custom-nodes}); null for none
 * @param workflowsDir the folder of workflow files whose forms are served at {@code /noodle/forms}; null for the
 *     {@code workflows} folder beside the output folder
 */
public record ServerOptions(String host, int port, Path modelsRoot, Path outputDir, Path stateDir, long maxUploadBytes,
        CustomNodes customNodes, Path workflowsDir) {
    /** Loopback address used unless {@code --listen} is given. */
    public static final String LOOPBACK = "127.0.0.1";
    /** ComfyUI's default port. */
    public static final int DEFAULT_PORT = 8188;
    /** Default upload cap: 32 MiB. */
    public static final long DEFAULT_MAX_UPLOAD = 32L << 20;

    /** Checks the values and makes the paths absolute. */
    public ServerOptions {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 0..65535");
        }
        modelsRoot = modelsRoot.toAbsolutePath().normalize();
        outputDir = outputDir.toAbsolutePath().normalize();
        Path parent = outputDir.getParent() == null ? outputDir : outputDir.getParent();
        stateDir = (stateDir == null ? parent : stateDir).toAbsolutePath().normalize();
        if (maxUploadBytes <= 0) {
            throw new IllegalArgumentException("upload cap must be positive");
        }
        customNodes = customNodes == null ? CustomNodes.disabled() : customNodes;
        workflowsDir = (workflowsDir == null ? parent.resolve("workflows") : workflowsDir).toAbsolutePath()
                .normalize();
    }

    /** Options serving the forms of the {@code workflows} folder beside the output folder. */
    public ServerOptions(String host, int port, Path modelsRoot, Path outputDir, Path stateDir, long maxUploadBytes,
            CustomNodes customNodes) {
        this(host, port, modelsRoot, outputDir, stateDir, maxUploadBytes, customNodes, null);
    }

    /** Options loading no custom node pack. */
    public ServerOptions(String host, int port, Path modelsRoot, Path outputDir, Path stateDir, long maxUploadBytes) {
        this(host, port, modelsRoot, outputDir, stateDir, maxUploadBytes, CustomNodes.disabled());
    }

    /** Loopback on the given port, history beside the output folder, 32 MiB uploads, no custom node pack. */
    public static ServerOptions local(int port, Path modelsRoot, Path outputDir) {
        return new ServerOptions(LOOPBACK, port, modelsRoot, outputDir, null, DEFAULT_MAX_UPLOAD);
    }

    /** True when the server only accepts connections from this machine. */
    public boolean loopbackOnly() {
        return RequestGuard.isLoopbackName(host);
    }
}
