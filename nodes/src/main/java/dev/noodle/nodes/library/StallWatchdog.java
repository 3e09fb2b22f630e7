package dev.noodle.nodes.library;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a download body that sends nothing for the timeout, so a stalled transfer fails (and resumes) instead of
 * hanging: the reading thread marks each byte, a shared daemon timer checks. One per transfer; {@link #stop()} it.
 */
final class StallWatchdog implements Runnable {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final InputStream body;
    private final long limitNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastByte = System.nanoTime();
    private volatile boolean stalled;

    StallWatchdog(InputStream body, long limitNanos) {
        this.body = body;
        this.limitNanos = limitNanos;
        long period = Math.max(50, Math.min(1000, limitNanos / 4_000_000L));
        this.task = TIMER.scheduleAtFixedRate(this, period, period, TimeUnit.MILLISECONDS);
    }

    /** Bytes arrived just now. */
    void alive() {
        lastByte = System.nanoTime();
    }

    /** Whether the body was closed for sending nothing. */
    boolean stalled() {
        return stalled;
    }

    @Override
    public void run() {
        if (!stalled && System.nanoTime() - lastByte > limitNanos) {
            stalled = true;
            try {
                body.close();
            } catch (IOException ignored) {
                // the reading thread reports the stall
            }
        }
    }

    void stop() {
        task.cancel(false);
    }
}
