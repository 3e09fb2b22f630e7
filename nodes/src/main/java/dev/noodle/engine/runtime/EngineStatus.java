package dev.noodle.engine.runtime;

import ai.djl.engine.Engine;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether DJL's PyTorch engine can load its native library here (bad-inputs R6). DJL unpacks libtorch from the
 * {@code pytorch-native-cpu} jar into its cache folder on first use (or loads {@code PYTORCH_LIBRARY_PATH}); a cache
 * folder that cannot be written, a full disk or a missing jar make that fail. Checked once per process; the app
 * then stays usable for editing and every run says what is wrong instead of a stack trace. Thread-safe.
 */
public final class EngineStatus {
    private static Optional<String> problem;

    private EngineStatus() {}

    /** Null when the engine loads; otherwise one line for the user saying what failed and what to do. */
    public static synchronized Optional<String> problem() {
        if (problem == null) {
            problem = Optional.ofNullable(check());
        }
        return problem;
    }

    private static String check() {
        try {
            Engine engine = Engine.getEngine("PyTorch");
            if (engine == null) {
                return message("DJL found no PyTorch engine on the class path");
            }
            return null;
        } catch (Throwable t) { // EngineException, UnsatisfiedLinkError, ExceptionInInitializerError, ...
            Throwable root = t;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String what = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (root != t && root.getMessage() != null) {
                what += ": " + root.getMessage();
            }
            return message(what);
        }
    }

    /** The user-facing line for an engine that cannot load because of {@code what}. */
    public static String message(String what) {
        String cache = System.getenv("DJL_CACHE_DIR");
        Path dir = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".djl.ai");
        return "the PyTorch engine is not installed or cannot load (" + what + "). Editing workflows works without"
                + " it; to run them, Noodle unpacks libtorch 2.7.1 into " + dir + " (set DJL_CACHE_DIR to move it):"
                + " make that folder writable with about 1 GB free, or set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1"
                + " folder, then start Noodle again.";
    }
}
