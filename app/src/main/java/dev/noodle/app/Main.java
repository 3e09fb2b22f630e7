package dev.noodle.app;

import dev.noodle.app.cli.NoodleCommand;
import picocli.CommandLine;

/**
 * Entry point of Noodle (deliberately not a JavaFX {@code Application}, so the JavaFX runtime can come from the
 * class path). With no sub-command it opens the editor; {@code run}, {@code bench}, {@code convert} work headless.
 */
public final class Main {
    /** Held so the level set on it stays (loggers are weakly referenced). */
    private static final java.util.logging.Logger JAVAFX_STARTUP =
            java.util.logging.Logger.getLogger("com.sun.javafx.application.PlatformImpl");

    private Main() {}

    public static void main(String[] args) {
        dev.noodle.app.cli.StartClock.mainEntered();
        quietLibraries(java.util.Arrays.asList(args).contains("--debug"));
        int code = NoodleCommand.commandLine().execute(args);
        System.exit(code);
    }

    /**
     * Keeps library chatter off the terminal on a normal run: DJL's CUDA probe warns on every machine without a
     * matching driver, and JavaFX warns that it runs from the class path (Noodle's choice). {@code --debug} shows
     * DJL's warnings. Settings given with {@code -D} win.
     */
    static void quietLibraries(boolean debug) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.log.ai.djl",
                System.getProperty("org.slf4j.simpleLogger.log.ai.djl", debug ? "warn" : "error"));
        if (!debug) {
            JAVAFX_STARTUP.setLevel(java.util.logging.Level.SEVERE);
        }
    }
}
