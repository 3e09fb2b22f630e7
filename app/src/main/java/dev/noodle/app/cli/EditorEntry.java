package dev.noodle.app.cli;

import java.lang.reflect.Method;
import java.nio.file.Path;

/** Opens the JavaFX editor when it is on the class path; says so clearly when it cannot start. */
final class EditorEntry {
    private EditorEntry() {}

    static int open(Path workflow, Path models, Path out, boolean dark) {
        try {
            Class<?> launcher = Class.forName("dev.noodle.app.ui.EditorLauncher");
            Class<?> options = Class.forName("dev.noodle.app.ui.EditorOptions");
            Object opts = options.getConstructors()[0].newInstance(workflow, models, out, dark);
            Method launch = launcher.getMethod("launch", options);
            launch.invoke(null, opts);
            return 0;
        } catch (ClassNotFoundException e) {
            System.err.println("noodle: the editor is not part of this build yet; use `./noodle run FILE`.");
            return 2;
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            System.err.println("noodle: the editor could not start: " + cause.getMessage()
                    + " (is a display available? set DISPLAY or run under xvfb-run)");
            return 1;
        }
    }
}
