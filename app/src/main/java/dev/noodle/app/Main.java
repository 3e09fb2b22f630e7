package dev.noodle.app;

import dev.noodle.app.cli.NoodleCommand;
import picocli.CommandLine;

/**
 * Entry point of Noodle (deliberately not a JavaFX {@code Application}, so the JavaFX runtime can come from the
 * class path). With no sub-command it opens the editor; {@code run}, {@code bench}, {@code convert} work headless.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        int code = new CommandLine(new NoodleCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(NoodleCommand::handleExecutionException)
                .execute(args);
        System.exit(code);
    }
}
