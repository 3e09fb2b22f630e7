package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.WorkflowJson;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.ModelHashCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue kept on a real NATS JetStream broker, driven in-process by several coordinator and worker queues sharing
 * it: ordering and control, exactly-one claims, re-queueing from silent workers up to the delivery limit, one result
 * when a prompt finishes twice, a broker restart, a connection the broker stops answering, model names mapped by
 * hash, and the errors for a broker that is missing, wrong or without JetStream.
 */
class BrokerPromptQueueTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    private NatsServer nats;

    @BeforeEach
    void startBroker() throws Exception {
        nats = NatsServer.start(dir);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        nats.close();
    }

    private ModelInventory inventory(String folder) {
        ModelInventory inv = new ModelInventory(new ModelFolders(dir.resolve(folder)), new ModelHashCache(), null);
        open.add(inv);
        inv.hashAll();
        return inv;
    }

    private BrokerPromptQueue queue(String workerId, long leaseMs, int maxDeliveries) {
        return queue(workerId, leaseMs, maxDeliveries, "models-" + (workerId == null ? "c" : workerId));
    }

    private BrokerPromptQueue queue(String workerId, long leaseMs, int maxDeliveries, String models) {
        Broker b = Broker.connect(nats.url(), "test " + workerId);
        open.add(b);
        BrokerPromptQueue q = new BrokerPromptQueue(b, mapper, () -> { }, workerId, inventory(models), maxDeliveries,
                60_000, leaseMs);
        open.add(q);
        return q;
    }

    private void put(PromptQueue q, String id, long seed, String ckpt) throws Exception {
        ObjectNode prompt = ServerFixture.txt2img(seed, 1, id);
        ((ObjectNode) prompt.get("4").get("inputs")).put("ckpt_name", ckpt);
        ObjectNode extra = mapper.createObjectNode().put("client_id", "c-" + id);
        q.put(new QueueItem(q.nextNumber(false), q.nextSeq(), id, prompt, extra, List.of("9"),
                WorkflowJson.parse(mapper.writeValueAsString(prompt), "prompt")));
    }

    private void put(PromptQueue q, String id, long seed) throws Exception {
        put(q, id, seed, "noodle-demo-tiny-sd15.safetensors");
    }

    private static void finish(PromptQueue q, QueueItem item, String file) {
        ServerFixture.finish(q, item, file);
    }

    private static List<String> pendingIds(PromptQueue q) {
        List<String> ids = new ArrayList<>();
        q.queueJson().path("queue_pending").forEach(t -> ids.add(t.get(1).asText()));
        return ids;
    }

    private static List<String> historyIds(PromptQueue q) {
        List<String> ids = new ArrayList<>();
        q.history((Integer) null).fieldNames().forEachRemaining(ids::add);
        return ids;
    }

    /** Waits until {@code value} equals {@code expected} (other processes' changes arrive through watchers). */
    private static <T> void eventually(T expected, Supplier<T> value) throws InterruptedException {
        eventually(expected, value, 20);
    }

    private static <T> void eventually(T expected, Supplier<T> value, int seconds) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        T last = value.get();
        while (!expected.equals(last) && System.nanoTime() < end) {
            Thread.sleep(50);
            last = value.get();
        }
        assertEquals(expected, last);
    }

    @Test
    void coordinatorsShareOneOrderedQueueAndEachPromptIsClaimedOnce() throws Exception {
        BrokerPromptQueue c1 = queue(null, 10_000, 3);
        BrokerPromptQueue c2 = queue(null, 10_000, 3);
        BrokerPromptQueue w1 = queue("w1", 10_000, 3);
        BrokerPromptQueue w2 = queue("w2", 10_000, 3);
        c1.setPaused(true);
        put(c1, "a", 1);
        put(c2, "b", 2);
        put(c1, "c", 3);
        put(c2, "d", 4);
        eventually(List.of("a", "b", "c", "d"), () -> pendingIds(c1));
        eventually(List.of("a", "b", "c", "d"), () -> pendingIds(c2));
        eventually(true, w1::paused);
        assertNull(w1.take(300), "a paused queue hands out nothing");

        assertTrue(c2.move("d", Integer.MIN_VALUE / 2)); // to the top
        assertTrue(c1.move("a", 1)); // one down
        assertEquals(1, c1.deletePending(List.of("c")));
        eventually(List.of("d", "b", "a"), () -> pendingIds(c1));
        eventually(List.of("d", "b", "a"), () -> pendingIds(c2));
        assertTrue(!c1.move("zzz", 1), "an unknown prompt is not moved");
        assertThrows(QueueStoreException.class, () -> put(c1, "a", 9), "a queued prompt id is not accepted twice");

        c2.setPaused(false);
        eventually(false, w2::paused);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<QueueItem> t1 = () -> w1.take(10_000);
            Callable<QueueItem> t2 = () -> w2.take(10_000);
            Future<QueueItem> f1 = pool.submit(t1);
            Future<QueueItem> f2 = pool.submit(t2);
            QueueItem i1 = f1.get();
            QueueItem i2 = f2.get();
            assertNotNull(i1);
            assertNotNull(i2);
            assertNotEquals(i1.promptId(), i2.promptId(), "two workers never get the same prompt");
            assertEquals(java.util.Set.of("d", "b"), java.util.Set.of(i1.promptId(), i2.promptId()),
                    "the first two in queue order are taken first");
            eventually(2, () -> c1.queueJson().path("queue_running").size());
            eventually(3, c2::remaining);
            finish(w1, i1, i1.promptId() + ".png");
            finish(w2, i2, i2.promptId() + ".png");
            QueueItem last = w1.take(10_000);
            assertEquals("a", last.promptId());
            finish(w1, last, "a.png");
        } finally {
            pool.shutdownNow();
        }
        eventually(3, () -> historyIds(c2).size());
        eventually(0, c1::remaining);
        JsonNode a = c2.history("a").get("a");
        assertEquals("success", a.path("status").path("status_str").asText());
        assertEquals("w1", a.path("noodle").path("worker").asText());
        assertEquals(1, a.path("noodle").path("attempt").asInt());
        assertEquals("a.png", a.path("outputs").path("9").path("images").get(0).path("filename").asText());
        c1.deleteHistory(List.of("a"));
        eventually(2, () -> historyIds(c2).size());
    }

    @Test
    void aPromptFinishedTwiceKeepsTheFirstResult() throws Exception {
        BrokerPromptQueue c = queue(null, 10_000, 3);
        BrokerPromptQueue w1 = queue("w1", 10_000, 3);
        BrokerPromptQueue w2 = queue("w2", 10_000, 3);
        put(c, "a", 1);
        QueueItem item = w1.take(10_000);
        assertEquals("a", item.promptId());
        // a network split: w2 was given the same prompt (w1 looked dead) and both finish it
        finish(w1, item, "first.png");
        finish(w2, item, "second.png");
        eventually(1, () -> historyIds(c).size());
        Thread.sleep(300);
        assertEquals("first.png", c.history("a").get("a").path("outputs").path("9").path("images").get(0)
                .path("filename").asText());
        assertEquals(0, c.remaining());
    }

    @Test
    void aResultOverTheBrokersMessageLimitIsKeptWithoutTheClientsExtraData() throws Exception {
        BrokerPromptQueue c = queue(null, 10_000, 3);
        BrokerPromptQueue w = queue("w1", 10_000, 3);
        ObjectNode prompt = ServerFixture.txt2img(1, 1, "big");
        ObjectNode extra = mapper.createObjectNode().put("client_id", "c-big");
        extra.putObject("extra_pnginfo").put("workflow", "x".repeat(600_000));
        c.put(new QueueItem(c.nextNumber(false), c.nextSeq(), "big", prompt, extra, List.of("9"),
                WorkflowJson.parse(mapper.writeValueAsString(prompt), "prompt")));
        QueueItem item = w.take(10_000);
        ObjectNode outputs = mapper.createObjectNode();
        outputs.putObject("9").put("text", "y".repeat(500_000));
        ObjectNode status = mapper.createObjectNode().put("status_str", "success").put("completed", true);
        w.done(item, outputs, status, mapper.createObjectNode());
        eventually(List.of("big"), () -> historyIds(c));
        JsonNode e = c.history("big").get("big");
        assertEquals("c-big", e.path("prompt").get(3).path("client_id").asText());
        assertTrue(e.path("noodle").path("trimmed").asText().startsWith("extra_data"), e.path("noodle").toString());
        assertEquals(500_000, e.path("outputs").path("9").path("text").asText().length());
        eventually(0, c::remaining); // the queue entry's removal reaches the mirror after the history entry
    }

    @Test
    void aSilentWorkersPromptGoesBackThenEndsAsAnErrorAfterTheDeliveryLimit() throws Exception {
        BrokerPromptQueue c = queue(null, 1_500, 2);
        BrokerPromptQueue w = queue("ghost", 1_500, 2); // takes prompts but never advertises: it looks dead
        put(c, "a", 1);
        put(c, "b", 2);
        QueueItem first = w.take(10_000);
        assertEquals("a", first.promptId());
        eventually(List.of("a", "b"), () -> pendingIds(c)); // put back at its old place, ahead of b
        eventually(List.of("a", "b"), () -> pendingIds(w));
        QueueItem second = w.take(10_000);
        assertEquals("a", second.promptId(), "re-delivered");
        eventually(List.of("a"), () -> historyIds(c));
        JsonNode status = c.history("a").get("a").path("status");
        assertEquals("error", status.path("status_str").asText());
        String message = status.path("messages").get(0).get(1).path("exception_message").asText();
        assertTrue(message.contains("given to 2 worker(s)") && message.contains("worker ghost")
                && message.contains("stopped answering"), message);
        // the next prompt is untouched (the history entry can reach this process before the queue entry's removal)
        eventually(List.of("b"), () -> pendingIds(c));
    }

    @Test
    void aBrokerRestartLosesNothingQueuedOrFinished() throws Exception {
        BrokerPromptQueue c = queue(null, 10_000, 3);
        BrokerPromptQueue w = queue("w1", 10_000, 3);
        put(c, "a", 1);
        put(c, "b", 2);
        finish(w, w.take(10_000), "a.png");
        eventually(List.of("a"), () -> historyIds(c));
        c.setPaused(true);
        nats.restart();
        BrokerPromptQueue fresh = queue(null, 10_000, 3);
        assertEquals(List.of("b"), pendingIds(fresh));
        assertEquals(List.of("a"), historyIds(fresh));
        assertTrue(fresh.paused());
        // the processes that were connected reconnect and go on (a connection the restarted broker leaves silent is
        // made again within a few link checks; a loaded CI machine gets the time for that)
        long end = System.nanoTime() + 45_000_000_000L;
        while (true) {
            try {
                put(c, "c", 3);
                break;
            } catch (QueueStoreException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        eventually(List.of("b", "c"), () -> pendingIds(fresh));
        eventually(List.of("b", "c"), () -> pendingIds(w));
        fresh.setPaused(false);
        QueueItem b = w.take(10_000);
        assertEquals("b", b.promptId());
    }

    @Test
    void aConnectionTheBrokerStopsAnsweringIsMadeAgainAndReadsTheQueueAnew() throws Exception {
        SilentLink link = new SilentLink(nats.port());
        open.add(link);
        Broker b = Broker.connect(link.url(), "test behind a link");
        open.add(b);
        BrokerPromptQueue c = new BrokerPromptQueue(b, mapper, () -> { }, null, inventory("models-c"), 3, 60_000,
                10_000);
        open.add(c);
        BrokerPromptQueue other = queue(null, 10_000, 3);
        put(c, "a", 1);
        eventually(List.of("a"), () -> pendingIds(other));
        link.silenceOpenLinks(); // the socket stays open: nothing tells the client the broker is gone
        put(other, "b", 2);
        // within a few link checks (3 s each) the silent connection is dropped, made again, and the queue read anew;
        // a loaded machine gets a minute for that
        eventually(List.of("a", "b"), () -> pendingIds(c), 60);
        assertEquals(2, link.connections(), "one new connection");
        put(c, "c", 3);
        eventually(List.of("a", "b", "c"), () -> pendingIds(other));
    }

    @Test
    void aWorkerRunsAPromptOnItsOwnCopyFoundByHashWhateverItsName() throws Exception {
        byte[] weights = new byte[4096];
        new java.util.Random(7).nextBytes(weights);
        Path coordinatorCopy = dir.resolve("models-c/checkpoints/original-name.safetensors");
        Path workerCopy = dir.resolve("models-w1/checkpoints/my copy.safetensors");
        Files.createDirectories(coordinatorCopy.getParent());
        Files.createDirectories(workerCopy.getParent());
        Files.write(coordinatorCopy, weights);
        Files.write(workerCopy, weights);
        weights[0] ^= 1;
        Files.createDirectories(dir.resolve("models-w2/checkpoints"));
        Files.write(dir.resolve("models-w2/checkpoints/original-name.safetensors"), weights); // same name, other file

        BrokerPromptQueue c = queue(null, 10_000, 3);
        BrokerPromptQueue w1 = queue("w1", 10_000, 3);
        BrokerPromptQueue w2 = queue("w2", 10_000, 3);
        // w1 advertises its files (as a running worker does), so w2 knows it is not the one for this prompt
        WorkerAdvert ad = new WorkerAdvert("w1", "h1", 1, "idle", null, null, null, 0, 0, 0,
                inventory("models-w1").files(), List.of(), "cpu", 0);
        Broker b = Broker.connect(nats.url(), "advert");
        open.add(b);
        b.workers().put("w1", ad.toBytes(mapper));
        eventually(1, () -> w2.liveWorkers().size());
        put(c, "a", 1, "original-name.safetensors");
        assertNull(w2.take(500), "the same name with another hash is not this prompt's model");
        QueueItem item = w1.take(10_000);
        assertEquals("a", item.promptId());
        assertEquals(new dev.noodle.graph.model.Literal("my copy.safetensors"),
                item.workflow().nodes().get("4").inputs().get("ckpt_name"),
                "the prompt runs on this machine's copy");
        assertEquals("original-name.safetensors",
                item.prompt().get("4").get("inputs").get("ckpt_name").asText(), "the history keeps the name asked");
    }

    @Test
    void aMissingWrongOrPlainBrokerIsOneClearLine() throws Exception {
        QueueStoreException none = assertThrows(QueueStoreException.class,
                () -> Broker.connect("nats://127.0.0.1:1", "test"));
        assertTrue(none.getMessage().startsWith("cannot reach the NATS broker at nats://127.0.0.1:1")
                && none.getMessage().contains("nats-server -js"), none.getMessage());
        QueueStoreException http = assertThrows(QueueStoreException.class, () -> Broker.checkUrl("http://host:80"));
        assertTrue(http.getMessage().contains("nats://host:4222"), http.getMessage());
        assertEquals("nats://broker:4222", Broker.checkUrl("broker"));

        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process plain = new ProcessBuilder(NatsServer.binary(), "-a", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("plain.log").toFile()).start();
        try {
            long end = System.nanoTime() + 10_000_000_000L;
            QueueStoreException noJs = null;
            while (noJs == null || noJs.getMessage().startsWith("cannot reach") && System.nanoTime() < end) {
                int p = port;
                noJs = assertThrows(QueueStoreException.class, () -> Broker.connect("nats://127.0.0.1:" + p, "t"));
                Thread.sleep(100);
            }
            assertTrue(noJs.getMessage().contains("does not offer JetStream")
                    && noJs.getMessage().contains("-js"), noJs.getMessage());
        } finally {
            plain.destroyForcibly().waitFor();
        }
    }
}
