package dev.noodle.app.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When this process began, for {@code run --timings}: the moment {@code main()} was entered (read once, when
 * {@link #mainEntered()} is first called), the JVM process's start as the operating system records it, and the
 * {@code noodle} launcher script's own start, which the script passes as {@code NOODLE_LAUNCHED}: its pid and bash's
 * {@code EPOCHREALTIME} (seconds since the epoch with microseconds), {@code PID:SECONDS}. Instants are placed on the
 * {@link System#nanoTime()} scale through the one wall-clock reading taken at {@code main()}.
 */
public final class StartClock {
    private static final long MAIN_NANOS = System.nanoTime();
    private static final Instant MAIN_WALL = Instant.now();

    private StartClock() {}

    /** Called first thing in {@code main()}: fixes that moment. */
    public static void mainEntered() {
        // the fields above are set when this class is first used
    }

    /** {@link System#nanoTime()} at {@code main()}. */
    static long mainNanos() {
        return MAIN_NANOS;
    }

    /** The JVM process's start on the nanoTime scale (Linux: 10 ms resolution), if the system says. */
    static Optional<Long> processStartNanos() {
        return ProcessHandle.current().info().startInstant().map(StartClock::toNanos);
    }

    /**
     * The launcher script's start on the nanoTime scale, if it passed one ({@code PID:SECONDS}) that parses and is
     * this process's own: the script execs the JVM, so their pids are equal, and a value inherited from another
     * process does not count.
     */
    static Optional<Long> launcherStartNanos(String launched) {
        String own = ProcessHandle.current().pid() + ":";
        if (launched == null || !launched.startsWith(own)
                || !launched.substring(own.length()).matches("\\d{1,12}([.,]\\d{1,9})?")) {
            return Optional.empty();
        }
        String[] p = launched.substring(own.length()).split("[.,]");
        long nanos = p.length == 1 ? 0 : Long.parseLong((p[1] + "000000000").substring(0, 9));
        return Optional.of(toNanos(Instant.ofEpochSecond(Long.parseLong(p[0]), nanos)));
    }

    private static long toNanos(Instant i) {
        return MAIN_NANOS - Duration.between(i, MAIN_WALL).toNanos();
    }
}
