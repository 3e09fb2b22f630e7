package dev.noodle.app.server;

import dev.noodle.app.server.BrokerJob.ModelRef;
import dev.noodle.app.server.WorkerAdvert.Held;
import java.util.Collection;
import java.util.List;

/**
 * Which queued prompt an idle worker takes, so prompts go preferably to a worker that has their checkpoint loaded,
 * then to one that holds their model files, then to any (loading a checkpoint costs tens of seconds). A worker's
 * <em>tier</em> for a prompt is 2 when it holds every model the prompt names and has its checkpoints loaded, 1 when it
 * holds them all (or the prompt names none), 0 when it lacks one. Models match by SHA-256 when the prompt's reference
 * has one, by name otherwise.
 *
 * <p>Taking, in order: the first prompt (in queue order) that has waited longer than the patience and that this
 * worker can run; else the first prompt for which no live worker, busy or idle, has a higher tier; else the first for
 * which no idle worker has a higher tier. A prompt that no live worker can run goes to any worker, which then reports
 * the missing file. Stateless.
 */
final class Affinity {
    static final int NONE = 0;
    static final int FILE = 1;
    static final int LOADED = 2;

    private Affinity() {
    }

    /** The prompt to take and how well this worker suits it. */
    record Choice(BrokerJob job, int tier) {
        /** How it is recorded in the history: {@code loaded}, {@code file} or {@code any}. */
        String label() {
            return tier == LOADED ? "loaded" : tier == FILE ? "file" : "any";
        }
    }

    /** What a worker holds: its files and its loaded checkpoints. */
    record Holdings(List<Held> files, List<Held> loaded) {
        static Holdings of(WorkerAdvert a) {
            return new Holdings(a.files(), a.loaded());
        }
    }

    static int tier(List<ModelRef> refs, Holdings w) {
        if (refs.isEmpty()) {
            return FILE;
        }
        boolean allLoaded = true;
        boolean anyCheckpoint = false;
        for (ModelRef r : refs) {
            if (!holds(w.files(), r)) {
                return NONE;
            }
            if ("checkpoints".equals(r.kind()) || r.kind() == null && isCheckpoint(w.files(), r)) {
                anyCheckpoint = true;
                allLoaded &= holds(w.loaded(), r);
            }
        }
        return anyCheckpoint && allLoaded ? LOADED : FILE;
    }

    private static boolean isCheckpoint(List<Held> files, ModelRef r) {
        for (Held h : files) {
            if (matches(h, r)) {
                return "checkpoints".equals(h.kind());
            }
        }
        return false;
    }

    static boolean holds(List<Held> held, ModelRef r) {
        for (Held h : held) {
            if (matches(h, r)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Held h, ModelRef r) {
        if (r.sha256() != null) {
            return r.sha256().equalsIgnoreCase(h.sha256());
        }
        return r.name().equals(h.name()) && (r.kind() == null || r.kind().equals(h.kind()));
    }

    /**
     * The prompt worker {@code me} should take from {@code queued} (in queue order), or null when it should wait.
     *
     * @param others the other live workers
     * @param patienceMs after this long in the queue a prompt goes to any worker that can run it
     */
    static Choice choose(List<BrokerJob> queued, Holdings me, Collection<WorkerAdvert> others, long nowMs,
            long patienceMs) {
        for (BrokerJob j : queued) {
            int mine = tier(j.models(), me);
            if (nowMs - j.queuedAt() > patienceMs && (mine > NONE || best(j, others, false) == NONE)) {
                return new Choice(j, mine);
            }
        }
        for (BrokerJob j : queued) {
            int mine = tier(j.models(), me);
            int best = best(j, others, false);
            if (mine >= best && (mine > NONE || best == NONE)) {
                return new Choice(j, mine);
            }
        }
        for (BrokerJob j : queued) {
            int mine = tier(j.models(), me);
            if (mine >= best(j, others, true) && (mine > NONE || best(j, others, false) == NONE)) {
                return new Choice(j, mine);
            }
        }
        return null;
    }

    private static int best(BrokerJob j, Collection<WorkerAdvert> others, boolean idleOnly) {
        int best = NONE;
        for (WorkerAdvert w : others) {
            if (!idleOnly || w.idle()) {
                best = Math.max(best, tier(j.models(), Holdings.of(w)));
            }
        }
        return best;
    }
}
