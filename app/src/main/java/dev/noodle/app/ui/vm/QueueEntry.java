package dev.noodle.app.ui.vm;

/**
 * One run in the queue panel.
 *
 * @param runId the run's id
 * @param name the workflow name when queued
 * @param state queued, running, done, failed, cancelled or invalid
 * @param detail summary, e.g. "3 run, 2 cached, 1.4 s" or the failure message
 */
public record QueueEntry(String runId, String name, String state, String detail) {
    /** A copy with a new state and detail. */
    public QueueEntry with(String newState, String newDetail) {
        return new QueueEntry(runId, name, newState, newDetail);
    }
}
