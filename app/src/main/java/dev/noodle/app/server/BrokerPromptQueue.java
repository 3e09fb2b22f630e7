package dev.noodle.app.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.graph.model.Workflow;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PromptQueue} kept on a NATS JetStream broker and shared by every coordinator and worker connected to it
 * (see {@link Broker} for the buckets). Each process mirrors the buckets through watchers, so reads are local; every
 * change is a write to the broker that returns once the broker has stored it. Claims, moves and re-queues are
 * compare-and-set writes on a key's revision, so when several processes race exactly one wins.
 *
 * <p>Delivery is at least once: a worker renews its advertisement every second while it runs a prompt; when a
 * running prompt's worker has not been heard from for {@link #LEASE_MS}, any process puts the prompt back at its old
 * place (recording why), and after {@code maxDeliveries} deliveries ends it as an error with the reasons. Results are
 * written create-if-absent, so a prompt finished twice (a worker thought dead finishing after all) keeps the first.
 *
 * <p>On a worker ({@code workerId} non-null) {@link #take} hands out the prompt {@link Affinity} picks for this
 * worker, with its model names rewritten to this machine's copies (matched by content hash). Thread-safe.
 */
final class BrokerPromptQueue implements PromptQueue {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerPromptQueue.class);
    /** How long a running prompt's worker may be silent before the prompt is put back in the queue. */
    static final long LEASE_MS = Long.getLong("noodle.broker.leaseMs", 10_000);

    private final Broker broker;
    private final ObjectMapper mapper;
    private final Runnable onChange;
    private final String workerId;
    private final ModelInventory inventory;
    private final int maxDeliveries;
    private final long patienceMs;
    private final long leaseMs;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, BrokerJob> jobs = new LinkedHashMap<>();
    private final LinkedHashMap<String, ObjectNode> history = new LinkedHashMap<>();
    private final Map<String, WorkerAdvert> workers = new LinkedHashMap<>();
    /** Local {@code System.nanoTime()} when each worker's advertisement last arrived. */
    private final Map<String, Long> heard = new ConcurrentHashMap<>();
    /** On a worker: how each prompt it took was matched (for the history). */
    private final Map<String, Affinity.Choice> taken = new ConcurrentHashMap<>();
    private final List<NatsKeyValueWatchSubscription> watches = new ArrayList<>();
    private final ScheduledExecutorService reaper;
    private final java.util.concurrent.ExecutorService resyncer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "noodle-broker-resync");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean resyncQueued =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long linkedSince = System.nanoTime();
    /** While the buckets are read again after a reconnection: the mirror is partial, so a worker takes nothing. */
    private volatile boolean syncing;
    private volatile BrokerOutputs publisher;
    private volatile boolean handingBack;
    private final java.util.concurrent.atomic.AtomicLong finished = new java.util.concurrent.atomic.AtomicLong();
    private boolean paused;
    private volatile boolean closed;

    /**
     * @param workerId this worker's id, or null on a coordinator (which never takes prompts)
     * @param inventory this machine's model files (names prompts' models by hash; maps them to local copies)
     * @param onChange called after the queue changes, e.g. to broadcast {@code status}
     */
    BrokerPromptQueue(Broker broker, ObjectMapper mapper, Runnable onChange, String workerId,
            ModelInventory inventory, int maxDeliveries, long patienceMs) {
        this(broker, mapper, onChange, workerId, inventory, maxDeliveries, patienceMs, LEASE_MS);
    }

    /** As above, with the lease (how long a running prompt's worker may be silent) given. */
    BrokerPromptQueue(Broker broker, ObjectMapper mapper, Runnable onChange, String workerId,
            ModelInventory inventory, int maxDeliveries, long patienceMs, long leaseMs) {
        this.leaseMs = leaseMs;
        this.broker = broker;
        this.mapper = mapper;
        this.onChange = onChange;
        this.workerId = workerId;
        this.inventory = inventory;
        this.maxDeliveries = maxDeliveries;
        this.patienceMs = patienceMs;
        watchAll();
        broker.onReconnect(this::resync);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "noodle-broker-reaper");
            t.setDaemon(true);
            return t;
        });
        reaper.scheduleWithFixedDelay(this::reap, 1, 1, TimeUnit.SECONDS);
    }

    // ---- mirroring the buckets

    /**
     * Mirrors the four buckets, the queue last: a worker deciding what to take must already know the paused flag and
     * which other workers hold which models when the queued prompts appear.
     */
    private void watchAll() {
        watch(broker.control(), this::onControl, true);
        watch(broker.workers(), this::onWorker, false); // renewed every second: not a queue change
        watch(broker.history(), this::onHistory, true);
        watch(broker.queue(), this::onQueue, true);
    }

    private void watch(KeyValue kv, Consumer<KeyValueEntry> handler, boolean queueChange) {
        CountDownLatch loaded = new CountDownLatch(1);
        KeyValueWatcher w = new KeyValueWatcher() {
            @Override
            public void watch(KeyValueEntry e) {
                try {
                    handler.accept(e);
                } catch (RuntimeException ex) {
                    LOG.warn("ignoring an unreadable entry {} in {}: {}", e.getKey(), e.getBucket(), ex.getMessage());
                }
                if (queueChange && loaded.getCount() == 0) {
                    onChange.run();
                }
            }

            @Override
            public void endOfData() {
                loaded.countDown();
            }
        };
        try {
            NatsKeyValueWatchSubscription sub = kv.watchAll(w);
            synchronized (watches) {
                watches.add(sub);
            }
            if (!loaded.await(15, TimeUnit.SECONDS)) {
                throw new QueueStoreException("the NATS broker at " + broker.url() + " did not send the "
                        + kv.getBucketName() + " bucket within 15 s", null);
            }
        } catch (IOException | JetStreamApiException e) {
            throw broker.failure("let this process read the " + kv.getBucketName() + " bucket", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QueueStoreException("interrupted while reading the queue from " + broker.url(), e);
        }
    }

    /**
     * After a reconnection: reads every bucket again (changes made meanwhile by others are picked up), retrying while
     * the broker's JetStream is still starting up after a restart.
     */
    private void resync() {
        if (!closed && resyncQueued.compareAndSet(false, true)) {
            resyncer.execute(this::readAgain);
        }
    }

    /** One pass at a time (on {@link #resyncer}): two passes would stop each other's watches. */
    private void readAgain() {
        resyncQueued.set(false); // a reconnection from now on asks for another pass after this one
        syncing = true;
        linkedSince = System.nanoTime();
        long backoff = 250;
        while (!closed) {
            unwatch();
            lock.lock();
            try {
                jobs.clear();
                history.clear();
                workers.clear();
                heard.clear();
            } finally {
                lock.unlock();
            }
            try {
                watchAll();
                break;
            } catch (QueueStoreException e) {
                LOG.info("reading the queue again after reconnecting: {}", e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
        linkedSince = System.nanoTime();
        syncing = false;
        wakeTakers();
        onChange.run();
    }

    /** Wakes the threads waiting in {@link #take} to look at the queue again. */
    private void wakeTakers() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops every watch (outside the lock: their callbacks take it). */
    private void unwatch() {
        List<NatsKeyValueWatchSubscription> old;
        synchronized (watches) {
            old = new ArrayList<>(watches);
            watches.clear();
        }
        for (NatsKeyValueWatchSubscription w : old) {
            try {
                w.unsubscribe();
            } catch (RuntimeException e) {
                LOG.debug("closing a watch: {}", e.getMessage());
            }
        }
    }

    private void onQueue(KeyValueEntry e) {
        lock.lock();
        try {
            if (e.getOperation() == KeyValueOperation.PUT) {
                jobs.put(e.getKey(), BrokerJob.fromBytes(e.getValue(), e.getRevision(), mapper));
            } else {
                jobs.remove(e.getKey());
            }
            changed.signalAll();
        } catch (IOException ex) {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        } finally {
            lock.unlock();
        }
    }

    private void onHistory(KeyValueEntry e) {
        lock.lock();
        try {
            if (e.getOperation() == KeyValueOperation.PUT) {
                history.remove(e.getKey());
                history.put(e.getKey(), (ObjectNode) mapper.readTree(e.getValue()));
            } else {
                history.remove(e.getKey());
            }
        } catch (IOException | ClassCastException ex) {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        } finally {
            lock.unlock();
        }
    }

    private void onWorker(KeyValueEntry e) {
        lock.lock();
        try {
            if (e.getOperation() == KeyValueOperation.PUT) {
                workers.put(e.getKey(), WorkerAdvert.fromBytes(e.getValue(), mapper));
                heard.put(e.getKey(), System.nanoTime());
            } else {
                workers.remove(e.getKey());
                heard.remove(e.getKey());
            }
            changed.signalAll();
        } catch (IOException ex) {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        } finally {
            lock.unlock();
        }
    }

    private void onControl(KeyValueEntry e) {
        if (!"paused".equals(e.getKey())) {
            return;
        }
        lock.lock();
        try {
            paused = e.getOperation() == KeyValueOperation.PUT && "true".equals(e.getValueAsString());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The workers heard from within the lease (their advertisements). */
    List<WorkerAdvert> liveWorkers() {
        lock.lock();
        try {
            List<WorkerAdvert> out = new ArrayList<>();
            long now = System.nanoTime();
            for (WorkerAdvert w : workers.values()) {
                Long t = heard.get(w.id());
                if (t != null && now - t < TimeUnit.MILLISECONDS.toNanos(leaseMs) && !"stopped".equals(w.state())) {
                    out.add(w);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a live worker holds a model file of this name. */
    boolean heldByAWorker(String name) {
        for (WorkerAdvert w : liveWorkers()) {
            for (WorkerAdvert.Held h : w.files()) {
                if (h.name().equals(name)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code GET /noodle/queue}'s {@code workers}: every live worker and what it is doing. */
    ArrayNode workersJson() {
        ArrayNode a = mapper.createArrayNode();
        long now = System.nanoTime();
        for (WorkerAdvert w : liveWorkers()) {
            Long t = heard.get(w.id());
            a.add(w.toJson(mapper, t == null ? -1 : TimeUnit.NANOSECONDS.toMillis(now - t)));
        }
        return a;
    }

    // ---- PromptQueue

    @Override
    public double nextNumber(boolean front) {
        long n = increment("counter");
        return front ? -n : n;
    }

    @Override
    public long nextSeq() {
        return increment("seq");
    }

    /** Adds one to a counter in the control bucket (compare-and-set, so coordinators sharing a broker never clash). */
    private long increment(String key) {
        KeyValue kv = broker.control();
        for (int attempt = 0; attempt < 100; attempt++) {
            try {
                KeyValueEntry e = kv.get(key);
                long next = e == null ? 1 : Long.parseLong(e.getValueAsString()) + 1;
                byte[] v = Long.toString(next).getBytes(StandardCharsets.US_ASCII);
                if (e == null) {
                    kv.create(key, v);
                } else {
                    kv.update(key, v, e.getRevision());
                }
                return next;
            } catch (JetStreamApiException e) {
                if (!Broker.lostRace(e)) {
                    throw broker.failure("count the prompt", e);
                }
            } catch (IOException e) {
                throw broker.failure("count the prompt", e);
            }
        }
        throw new QueueStoreException("the prompt counter on " + broker.url() + " kept changing; try again", null);
    }

    @Override
    public void put(QueueItem item) {
        BrokerJob job = BrokerJob.queued(item, inventory.references(item.prompt(), liveWorkers()),
                System.currentTimeMillis());
        byte[] bytes = job.toBytes(mapper);
        long max = broker.connection().getMaxPayload();
        if (bytes.length > max) {
            throw new QueueStoreException("the prompt is " + bytes.length / 1024 + " KiB; the NATS broker at "
                    + broker.url() + " takes messages of at most " + max / 1024 + " KiB (raise max_payload in its"
                    + " configuration)", null);
        }
        try {
            long rev = broker.queue().create(item.promptId(), bytes);
            lock.lock();
            try {
                jobs.put(item.promptId(), job.atRevision(rev));
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        } catch (JetStreamApiException e) {
            if (Broker.lostRace(e)) {
                throw new QueueStoreException("a prompt with id " + item.promptId() + " is already queued", e);
            }
            throw broker.failure("store the prompt", e);
        } catch (IOException e) {
            throw broker.failure("store the prompt", e);
        }
        onChange.run();
    }

    @Override
    public QueueItem take(long timeoutMillis) throws InterruptedException {
        if (workerId == null) {
            throw new IllegalStateException("a coordinator runs no prompts; start `noodle worker --broker`");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!closed && !handingBack) {
            Affinity.Choice choice = null;
            lock.lock();
            try {
                if (!paused && !syncing) {
                    List<BrokerJob> queued = new ArrayList<>();
                    for (BrokerJob j : jobs.values()) {
                        if (j.isQueued()) {
                            queued.add(j);
                        }
                    }
                    queued.sort(null);
                    List<WorkerAdvert> others = new ArrayList<>();
                    for (WorkerAdvert w : liveWorkers()) {
                        if (!w.id().equals(workerId)) {
                            others.add(w);
                        }
                    }
                    choice = Affinity.choose(queued, new Affinity.Holdings(inventory.files(), inventory.loaded()),
                            others, System.currentTimeMillis(), patienceMs);
                }
                if (choice == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return null;
                    }
                    changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
                    continue;
                }
            } finally {
                lock.unlock();
            }
            QueueItem item = claim(choice);
            if (item != null) {
                return item;
            }
        }
        return null;
    }

    /** Compare-and-set from queued to running on this worker; null when another process changed it first. */
    private QueueItem claim(Affinity.Choice choice) {
        BrokerJob job = choice.job();
        BrokerJob mine = job.claimedBy(workerId, System.currentTimeMillis());
        if (!compareAndSet("hand out prompt " + job.id(),
                () -> broker.queue().update(job.id(), mine.toBytes(mapper), job.revision()),
                rev -> jobs.put(job.id(), mine.atRevision(rev)))) {
            return null;
        }
        taken.put(job.id(), choice);
        onChange.run();
        ObjectNode local = job.prompt().deepCopy();
        for (BrokerJob.ModelRef r : job.models()) {
            inventory.localName(r).ifPresent(name -> {
                if (local.path(r.node()).path("inputs").isObject() && !name.equals(r.name())) {
                    ((ObjectNode) local.get(r.node()).get("inputs")).put(r.input(), name);
                }
            });
        }
        BrokerOutputs files = publisher;
        if (files != null) {
            files.fetchInputs(local);
        }
        Workflow wf;
        try {
            wf = WorkflowJson.parse(mapper.writeValueAsString(local), "prompt");
        } catch (WorkflowFormatException | IOException e) {
            // validated by the coordinator; a prompt this version cannot read ends as an error
            taken.remove(job.id());
            ObjectNode entry = mapper.createObjectNode();
            entry.set("prompt", job.tuple(mapper));
            entry.putObject("outputs");
            entry.set("status", error(job.id(), "worker " + workerId + " cannot read the prompt: "
                    + e.getMessage()));
            entry.putObject("meta");
            entry.putObject("noodle").put("worker", workerId).put("attempt", job.attempts() + 1);
            record(job.id(), entry);
            return null;
        }
        return new QueueItem(job.number(), job.seq(), job.id(), job.prompt(), job.extra(), job.outputs(), wf);
    }

    /** On a worker: puts each finished prompt's files in the broker's object store before recording it. */
    void publishOutputsWith(BrokerOutputs outputs) {
        this.publisher = outputs;
    }

    /**
     * On a worker that is shutting down: prompts it stops from now on go back to the queue for another worker
     * (their delivery not counted) instead of ending as interrupted.
     */
    @Override
    public void handBack() {
        handingBack = true;
        wakeTakers();
    }

    @Override
    public void done(QueueItem item, ObjectNode outputs, ObjectNode status, ObjectNode meta) {
        if (handingBack && !"success".equals(status.path("status_str").asText())) {
            BrokerJob j = job(item.promptId());
            taken.remove(item.promptId());
            if (j != null && j.isRunning() && workerId.equals(j.worker())) {
                BrokerJob back = new BrokerJob(j.id(), j.number(), j.seq(), j.prompt(), j.extra(), j.outputs(),
                        BrokerJob.QUEUED, null, Math.max(0, j.attempts() - 1), j.models(), j.queuedAt(), 0,
                        j.failures(), j.revision());
                try {
                    broker.queue().update(j.id(), back.toBytes(mapper), j.revision());
                    LOG.info("prompt {} handed back to the queue: this worker is stopping", j.id());
                    return;
                } catch (IOException | JetStreamApiException e) {
                    LOG.warn("could not hand prompt {} back ({}); the other processes will", j.id(), e.getMessage());
                    return;
                }
            }
        }
        BrokerOutputs p = publisher;
        if (p != null) {
            try {
                p.publish(outputs, workerId);
            } catch (IOException e) {
                LOG.error("the files of prompt {} did not reach the broker: {}", item.promptId(), e.getMessage());
            }
        }
        ObjectNode entry = mapper.createObjectNode();
        entry.set("prompt", item.toJson(mapper));
        entry.set("outputs", outputs);
        entry.set("status", status);
        entry.set("meta", meta);
        BrokerJob job = job(item.promptId());
        Affinity.Choice how = taken.remove(item.promptId());
        ObjectNode where = entry.putObject("noodle");
        where.put("worker", workerId);
        WorkerAdvert self = workerId == null ? null : workers.get(workerId);
        where.put("host", self == null ? null : self.host());
        where.put("attempt", job == null ? 1 : job.attempts());
        where.put("affinity", how == null ? null : how.label());
        if (job != null && !job.failures().isEmpty()) {
            ArrayNode f = where.putArray("earlier_deliveries");
            job.failures().forEach(f::add);
        }
        record(item.promptId(), entry);
        finished.incrementAndGet();
    }

    /** How many prompts this worker has finished. */
    long finishedHere() {
        return finished.get();
    }

    /** Writes a result (create-if-absent) and removes the prompt from the queue, retrying while the broker is away. */
    private void record(String promptId, ObjectNode entry) {
        byte[] bytes = fitted(promptId, entry);
        long backoff = 200;
        while (true) {
            try {
                try {
                    broker.history().create(promptId, bytes);
                } catch (JetStreamApiException e) {
                    if (!Broker.lostRace(e)) {
                        throw e;
                    }
                    LOG.info("prompt {} was already finished elsewhere; keeping the first result", promptId);
                }
                broker.queue().delete(promptId);
                onChange.run();
                return;
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                if (closed && backoff > 60_000) {
                    LOG.error("the result of prompt {} could not be stored on {}: {}", promptId, broker.url(),
                            e.getMessage());
                    return;
                }
                LOG.warn("storing the result of prompt {} on {} failed ({}); retrying", promptId, broker.url(),
                        e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000) + (closed ? 60_000 : 0);
            }
        }
    }

    /**
     * The entry as bytes the broker takes: the prompt was accepted under the broker's message limit, but its
     * history entry adds outputs and messages. When too big, the client's {@code extra_data} (mostly the editor's
     * drawn workflow, kept in the saved images anyway) is reduced to the client id, then the prompt itself is left
     * out, each noted in the entry's {@code noodle} field.
     */
    private byte[] fitted(String promptId, ObjectNode entry) {
        long max = broker.connection().getMaxPayload();
        try {
            byte[] bytes = mapper.writeValueAsBytes(entry);
            if (bytes.length <= max || !entry.path("prompt").isArray()) {
                return bytes;
            }
            com.fasterxml.jackson.databind.node.ArrayNode tuple = (com.fasterxml.jackson.databind.node.ArrayNode)
                    entry.get("prompt");
            ObjectNode extra = mapper.createObjectNode();
            if (tuple.path(3).hasNonNull("client_id")) {
                extra.set("client_id", tuple.path(3).get("client_id"));
            }
            tuple.set(3, extra);
            ObjectNode note = entry.has("noodle") ? (ObjectNode) entry.get("noodle") : entry.putObject("noodle");
            note.put("trimmed", "extra_data (over the broker's " + max / 1024 + " KiB message limit)");
            bytes = mapper.writeValueAsBytes(entry);
            if (bytes.length <= max) {
                return bytes;
            }
            tuple.set(2, mapper.createObjectNode());
            note.put("trimmed", "extra_data and prompt (over the broker's " + max / 1024 + " KiB message limit)");
            LOG.warn("the history entry of prompt {} is over the broker's message limit; kept without its prompt",
                    promptId);
            return mapper.writeValueAsBytes(entry);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A history {@code status} for a prompt that ended without running to the end on any worker. */
    ObjectNode error(String promptId, String message) {
        ObjectNode status = mapper.createObjectNode();
        status.put("status_str", "error");
        status.put("completed", false);
        ArrayNode messages = status.putArray("messages");
        ArrayNode m = messages.addArray();
        m.add("execution_error");
        ObjectNode d = m.addObject();
        d.put("prompt_id", promptId);
        d.put("node_id", "");
        d.put("node_type", "");
        d.set("executed", mapper.createArrayNode());
        d.put("exception_message", message);
        d.put("exception_type", "WorkerLost");
        d.putArray("traceback");
        d.putObject("current_inputs");
        d.putObject("current_outputs");
        d.put("timestamp", System.currentTimeMillis());
        return status;
    }

    private BrokerJob job(String id) {
        lock.lock();
        try {
            return jobs.get(id);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts back (or, after {@code maxDeliveries}, ends as an error) each running prompt whose worker has been silent
     * for the lease. Every process does this; the compare-and-set lets one of them do it.
     */
    private void reap() {
        if (closed || broker.connection().getStatus() != io.nats.client.Connection.Status.CONNECTED) {
            return;
        }
        long now = System.nanoTime();
        long lease = TimeUnit.MILLISECONDS.toNanos(leaseMs);
        if (now - linkedSince < lease) {
            return; // just (re)connected: workers have not had a lease's time to be heard
        }
        List<BrokerJob> lost = new ArrayList<>();
        lock.lock();
        try {
            for (BrokerJob j : jobs.values()) {
                if (j.isRunning()) {
                    Long t = heard.get(j.worker());
                    WorkerAdvert w = workers.get(j.worker());
                    boolean silent = t == null || now - t > lease;
                    boolean stopped = w != null && "stopped".equals(w.state());
                    if (silent || stopped) {
                        lost.add(j);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        for (BrokerJob j : lost) {
            WorkerAdvert w = workers.get(j.worker());
            String who = "worker " + j.worker() + (w == null ? "" : " on " + w.host());
            String why = who + (w != null && "stopped".equals(w.state()) ? " stopped" : " stopped answering (no"
                    + " heartbeat for " + leaseMs / 1000.0 + " s)") + " while running it (delivery " + j.attempts()
                    + ")";
            try {
                if (j.attempts() >= maxDeliveries) {
                    List<String> all = new ArrayList<>(j.failures());
                    all.add(why);
                    String message = "the prompt was given to " + j.attempts() + " worker(s) and none finished it: "
                            + String.join("; ", all) + ". It may crash the workers that run it (memory?); it is"
                            + " not retried again";
                    ObjectNode entry = mapper.createObjectNode();
                    entry.set("prompt", j.tuple(mapper));
                    entry.putObject("outputs");
                    entry.set("status", error(j.id(), message));
                    entry.putObject("meta");
                    entry.putObject("noodle").put("worker", (String) null).put("attempt", j.attempts());
                    broker.queue().update(j.id(), j.requeued(why).toBytes(mapper), j.revision()); // claim the end
                    record(j.id(), entry);
                    event("execution_error", (ObjectNode) entry.get("status").get("messages").get(0).get(1),
                            j.clientId());
                    LOG.warn("prompt {} failed: {}", j.id(), message);
                } else {
                    broker.queue().update(j.id(), j.requeued(why).toBytes(mapper), j.revision());
                    LOG.warn("prompt {} queued again: {}", j.id(), why);
                }
            } catch (JetStreamApiException e) {
                if (!Broker.lostRace(e)) {
                    LOG.warn("could not re-queue prompt {}: {}", j.id(), e.getMessage());
                }
            } catch (IOException e) {
                LOG.warn("could not re-queue prompt {}: {}", j.id(), e.getMessage());
            }
        }
    }

    /** Publishes a ComfyUI event for the coordinators to pass on to {@code sid}. */
    void event(String type, ObjectNode data, String sid) {
        ObjectNode m = mapper.createObjectNode();
        m.put("type", type);
        m.set("data", data);
        m.put("sid", sid);
        try {
            broker.connection().publish(Broker.EVENTS, mapper.writeValueAsBytes(m));
        } catch (IOException | RuntimeException e) {
            LOG.debug("event {} not sent: {}", type, e.getMessage());
        }
    }

    @Override
    public int remaining() {
        lock.lock();
        try {
            return jobs.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ObjectNode queueJson() {
        lock.lock();
        try {
            ObjectNode out = mapper.createObjectNode();
            ArrayNode run = out.putArray("queue_running");
            List<BrokerJob> running = new ArrayList<>();
            List<BrokerJob> pending = new ArrayList<>();
            for (BrokerJob j : jobs.values()) {
                (j.isRunning() ? running : pending).add(j);
            }
            running.sort((a, b) -> Long.compare(a.startedAt(), b.startedAt()));
            running.forEach(j -> {
                ArrayNode t = j.tuple(mapper);
                run.add(t);
            });
            pending.sort(null);
            ArrayNode pend = out.putArray("queue_pending");
            pending.forEach(j -> pend.add(j.tuple(mapper)));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The prompts running now, on any worker. */
    List<BrokerJob> running() {
        lock.lock();
        try {
            List<BrokerJob> out = new ArrayList<>();
            for (BrokerJob j : jobs.values()) {
                if (j.isRunning()) {
                    out.add(j);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private List<BrokerJob> queuedJobs() {
        lock.lock();
        try {
            List<BrokerJob> out = new ArrayList<>();
            for (BrokerJob j : jobs.values()) {
                if (j.isQueued()) {
                    out.add(j);
                }
            }
            out.sort(null);
            return out;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void clearPending() {
        for (BrokerJob j : queuedJobs()) {
            deleteQueued(j);
        }
        onChange.run();
    }

    /** Deletes a queued prompt unless a worker took it meanwhile; whether it was deleted. */
    private boolean deleteQueued(BrokerJob j) {
        return compareAndSet("delete prompt " + j.id(), () -> {
            broker.queue().delete(j.id(), j.revision());
            return 0;
        }, rev -> jobs.remove(j.id()));
    }

    /** One compare-and-set write on the queue bucket: returns the new revision. */
    private interface Write {
        long apply() throws IOException, JetStreamApiException;
    }

    /**
     * Runs a compare-and-set write and, when it succeeds, updates the local mirror under the lock; false when another
     * process changed the key first.
     *
     * @throws QueueStoreException naming {@code what} when the broker fails
     */
    private boolean compareAndSet(String what, Write write, java.util.function.LongConsumer mirror) {
        try {
            long rev = write.apply();
            lock.lock();
            try {
                mirror.accept(rev);
            } finally {
                lock.unlock();
            }
            return true;
        } catch (JetStreamApiException e) {
            if (Broker.lostRace(e)) {
                return false;
            }
            throw broker.failure(what, e);
        } catch (IOException e) {
            throw broker.failure(what, e);
        }
    }

    @Override
    public int deletePending(Collection<String> ids) {
        int n = 0;
        for (BrokerJob j : queuedJobs()) {
            if (ids.contains(j.id()) && deleteQueued(j)) {
                n++;
            }
        }
        if (n > 0) {
            onChange.run();
        }
        return n;
    }

    @Override
    public boolean isRunning(String promptId) {
        BrokerJob j = job(promptId);
        return j != null && j.isRunning();
    }

    @Override
    public ObjectNode history(Integer maxItems) {
        lock.lock();
        try {
            return HistoryViews.last(mapper, history, maxItems);
        } finally {
            lock.unlock();
        }
    }

    /** {@code {id: entry}} for one prompt, or {@code {}} when unknown. */
    @Override
    public ObjectNode history(String promptId) {
        lock.lock();
        try {
            return HistoryViews.one(mapper, history, promptId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void clearHistory() {
        List<String> ids;
        lock.lock();
        try {
            ids = new ArrayList<>(history.keySet());
        } finally {
            lock.unlock();
        }
        deleteHistory(ids);
    }

    @Override
    public void deleteHistory(Collection<String> ids) {
        for (String id : ids) {
            try {
                broker.history().delete(id);
            } catch (IOException | JetStreamApiException e) {
                throw broker.failure("delete history entry " + id, e);
            }
            lock.lock();
            try {
                history.remove(id);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void setPaused(boolean pause) {
        try {
            broker.control().put("paused", Boolean.toString(pause));
        } catch (IOException | JetStreamApiException e) {
            throw broker.failure((pause ? "pause" : "resume") + " the queue", e);
        }
        lock.lock();
        try {
            paused = pause;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }

    @Override
    public boolean paused() {
        lock.lock();
        try {
            return paused;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean setNumber(String promptId, double newNumber) {
        for (int attempt = 0; attempt < 20; attempt++) {
            BrokerJob j = job(promptId);
            if (j == null || !j.isQueued()) {
                return false;
            }
            if (rewrite(j, j.withPlace(newNumber, j.seq()))) {
                onChange.run();
                return true;
            }
        }
        return false;
    }

    /** Compare-and-set of a queued prompt; false when it changed meanwhile. */
    private boolean rewrite(BrokerJob old, BrokerJob now) {
        return compareAndSet("move prompt " + old.id(),
                () -> broker.queue().update(old.id(), now.toBytes(mapper), old.revision()),
                rev -> jobs.put(old.id(), now.atRevision(rev)));
    }

    @Override
    public boolean move(String promptId, int steps) {
        List<BrokerJob> sorted = queuedJobs();
        int from = -1;
        for (int i = 0; i < sorted.size(); i++) {
            if (sorted.get(i).id().equals(promptId)) {
                from = i;
            }
        }
        if (from < 0) {
            return false;
        }
        int to = (int) Math.max(0, Math.min(sorted.size() - 1, (long) from + steps));
        if (to == from) {
            return true;
        }
        BrokerJob item = sorted.get(from);
        BrokerJob target = sorted.get(to);
        // a place just before (or after) the target: between its number and its neighbour's
        double number;
        long seq = target.seq();
        if (to < from) {
            BrokerJob before = to == 0 ? null : sorted.get(to - 1);
            number = before == null ? target.number() - 1 : midpoint(before, target);
        } else {
            BrokerJob after = to == sorted.size() - 1 ? null : sorted.get(to + 1);
            number = after == null ? target.number() + 1 : midpoint(target, after);
        }
        boolean ok = rewrite(item, item.withPlace(number, seq));
        if (ok) {
            onChange.run();
        }
        return ok || job(promptId) != null;
    }

    private static double midpoint(BrokerJob a, BrokerJob b) {
        return a.number() == b.number() ? a.number() : (a.number() + b.number()) / 2;
    }

    @Override
    public String storeLocation() {
        return "the NATS broker at " + broker.url();
    }

    /** The broker's address, for messages. */
    String brokerUrl() {
        return broker.url();
    }

    @Override
    public void close() {
        closed = true;
        reaper.shutdownNow();
        resyncer.shutdownNow();
        unwatch();
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
