package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.json.WorkflowJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The queue and history kept in the embedded database: restarts, crashes, damaged or busy files, queue control. */
class QueueStoreTest {
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<PromptQueue> open = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() {
        open.forEach(PromptQueue::close);
    }

    private PromptQueue open(Path stateDir) {
        PromptQueue q = new EmbeddedPromptQueue(new H2QueueStore(stateDir, mapper), mapper, () -> { });
        open.add(q);
        return q;
    }

    private void put(PromptQueue q, String id, long seed) throws Exception {
        ObjectNode prompt = ServerFixture.txt2img(seed, 1, id);
        ObjectNode extra = mapper.createObjectNode().put("client_id", "c-" + id);
        q.put(new QueueItem(q.nextNumber(false), q.nextSeq(), id, prompt, extra, List.of("9"),
                WorkflowJson.parse(mapper.writeValueAsString(prompt), "prompt")));
    }

    private static void finish(PromptQueue q, QueueItem item, String file) {
        ServerFixture.finish(q, item, file);
    }

    private static List<String> pendingIds(PromptQueue q) {
        List<String> ids = new ArrayList<>();
        q.queueJson().path("queue_pending").forEach(t -> ids.add(t.get(1).asText()));
        return ids;
    }

    @Test
    void queueAndHistorySurviveARestartAndTheRunningPromptRunsAgainOnce() throws Exception {
        PromptQueue q = open(dir);
        put(q, "a", 1);
        put(q, "b", 2);
        put(q, "c", 3);
        finish(q, q.take(0), "a.png");
        QueueItem b = q.take(0); // running when the server stops
        assertEquals("b", b.promptId());
        ObjectNode historyBefore = q.history((Integer) null);
        q.close();
        open.remove(q);

        PromptQueue again = open(dir);
        assertEquals(mapper.writeValueAsString(historyBefore), mapper.writeValueAsString(again.history((Integer) null)));
        assertEquals(List.of("b", "c"), pendingIds(again));
        assertEquals(mapper.writeValueAsString(b.toJson(mapper)),
                mapper.writeValueAsString(again.queueJson().path("queue_pending").get(0)));
        QueueItem rerun = again.take(0);
        assertEquals("b", rerun.promptId());
        assertEquals("c-b", rerun.clientId());
        assertEquals(b.workflow().nodes().keySet(), rerun.workflow().nodes().keySet());
        finish(again, rerun, "b.png");
        assertEquals(List.of("a", "b"), List.copyOf(iterable(again.history((Integer) null))));
        assertEquals("b.png", again.history("b").path("b").path("outputs").path("9").path("images").get(0)
                .path("filename").asText());
        assertEquals("execution_success",
                again.history("b").path("b").path("status").path("messages").get(0).get(0).asText());
        // numbering goes on after the saved prompts
        put(again, "d", 4);
        assertTrue(again.queueJson().path("queue_pending").get(1).get(0).asLong() > 2);
    }

    private static List<String> iterable(ObjectNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    @Test
    void aCrashLosesNothingAcknowledgedAndABusyDatabaseIsRefusedClearly() throws Exception {
        PromptQueue q = open(dir);
        put(q, "a", 1);
        put(q, "b", 2);
        finish(q, q.take(0), "a.png");
        q.take(0); // b running at the crash
        put(q, "c", 3);
        q.deleteHistory(List.of("nothing"));

        // a second server on the same folder is refused while the first holds it
        QueueStoreException busy = assertThrows(QueueStoreException.class, () -> open(dir));
        assertTrue(busy.getMessage().contains(dir.resolve(H2QueueStore.FILE_NAME).toString()), busy.getMessage());
        assertTrue(busy.getMessage().contains("in use") && busy.getMessage().contains("--state"), busy.getMessage());

        // the file as a killed process leaves it: copied while still open, never closed
        Path crashed = Files.createDirectories(dir.resolve("crashed"));
        Files.copy(dir.resolve(H2QueueStore.FILE_NAME), crashed.resolve(H2QueueStore.FILE_NAME));
        PromptQueue after = open(crashed);
        assertEquals(List.of("a"), iterable(after.history((Integer) null)));
        assertEquals(List.of("b", "c"), pendingIds(after));
        assertEquals(0, after.queueJson().path("queue_running").size());
    }

    @Test
    void theHistoryFileOfEarlierVersionsIsImportedOnce() throws Exception {
        Files.writeString(dir.resolve(H2QueueStore.OLD_HISTORY), """
                {"old1": {"prompt": [0, "old1", {}, {}, ["9"]], "outputs": {}, "status": {"status_str": "success"}},
                 "old2": {"prompt": [1, "old2", {}, {}, ["9"]], "outputs": {}, "status": {"status_str": "error"}}}
                """);
        PromptQueue q = open(dir);
        assertEquals(List.of("old1", "old2"), iterable(q.history((Integer) null)));
        assertEquals("error", q.history("old2").path("old2").path("status").path("status_str").asText());
        assertFalse(Files.exists(dir.resolve(H2QueueStore.OLD_HISTORY)));
        assertTrue(Files.exists(dir.resolve(H2QueueStore.OLD_HISTORY + ".imported")));
    }

    @Test
    void serveStopsWithOneLineWhenItsStateFolderIsInUse() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        open(state);
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            code = new picocli.CommandLine(new ServeCommand()).execute("--port", "0", "--models",
                    dir.resolve("models").toString(), "--out", dir.resolve("output").toString(), "--state",
                    state.toString());
        } finally {
            System.setErr(old);
        }
        String text = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        String line = text.lines().filter(l -> l.contains(H2QueueStore.FILE_NAME)).findFirst().orElse("");
        assertTrue(line.startsWith("noodle: the queue database " + state.resolve(H2QueueStore.FILE_NAME)), text);
        assertTrue(line.contains("--state DIR"), text);
        assertFalse(text.contains("\tat "), "no stack trace: " + text);
    }

    @Test
    void aDamagedDatabaseNamesTheFileAndWhatToDo() throws Exception {
        Path file = dir.resolve(H2QueueStore.FILE_NAME);
        Files.write(file, new byte[8192]);
        Files.writeString(file, "this is not a database at all\n".repeat(200));
        QueueStoreException e = assertThrows(QueueStoreException.class, () -> open(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("move it aside"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aPromptThatCannotBeSavedIsRefusedNamingTheFile() throws Exception {
        PromptQueue q = open(dir);
        q.close();
        open.remove(q);
        QueueStoreException e = assertThrows(QueueStoreException.class, () -> put(q, "a", 1));
        assertTrue(e.getMessage().contains(dir.resolve(H2QueueStore.FILE_NAME).toString()), e.getMessage());
        assertEquals(0, q.remaining(), "not saved, so not queued");
    }

    @Test
    void pauseMoveAndPriorityAreKeptAcrossARestart() throws Exception {
        PromptQueue q = open(dir);
        for (String id : List.of("a", "b", "c", "d")) {
            put(q, id, id.charAt(0));
        }
        q.setPaused(true);
        assertTrue(q.paused());
        assertNull(q.take(50), "paused: nothing is taken");

        assertTrue(q.move("c", -1));
        assertEquals(List.of("a", "c", "b", "d"), pendingIds(q));
        assertTrue(q.move("a", 1));
        assertEquals(List.of("c", "a", "b", "d"), pendingIds(q));
        assertTrue(q.move("d", Integer.MIN_VALUE / 2));
        assertEquals(List.of("d", "c", "a", "b"), pendingIds(q));
        assertTrue(q.setNumber("c", 1000));
        assertEquals(List.of("d", "a", "b", "c"), pendingIds(q));
        assertFalse(q.move("nope", 1));
        assertEquals(1, q.deletePending(List.of("a")));
        ObjectNode before = q.queueJson();
        q.close();
        open.remove(q);

        PromptQueue again = open(dir);
        assertTrue(again.paused());
        assertEquals(mapper.writeValueAsString(before), mapper.writeValueAsString(again.queueJson()));
        assertNull(again.take(50));
        again.setPaused(false);
        assertEquals("d", again.take(0).promptId());
        again.clearPending();
        assertEquals(1, again.remaining());
        again.close();
        open.remove(again);
        PromptQueue third = open(dir);
        assertFalse(third.paused());
        assertEquals(List.of("d"), pendingIds(third), "the running prompt is queued again, the cleared ones not");
    }

    /** Run in a child process: queues prompts, starts one, then waits to be killed. */
    public static void main(String[] args) throws Exception {
        QueueStoreTest t = new QueueStoreTest();
        PromptQueue q = new EmbeddedPromptQueue(new H2QueueStore(Path.of(args[0]), t.mapper), t.mapper, () -> { });
        t.put(q, "a", 1);
        t.put(q, "b", 2);
        t.finish(q, q.take(0), "a.png");
        q.take(0);
        t.put(q, "c", 3);
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }

    @Test
    void aProcessKilledWithSigkillLosesNothingAcknowledged() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                QueueStoreTest.class.getName(), dir.toString()).redirectErrorStream(true).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                // skip logging
            }
            assertEquals("ready", line, "the child process did not get ready");
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, nothing closed
            p.waitFor();
        }
        PromptQueue after = open(dir);
        assertEquals(List.of("a"), iterable(after.history((Integer) null)));
        assertEquals(List.of("b", "c"), pendingIds(after));
        QueueItem b = after.take(0);
        finish(after, b, "b.png");
        assertEquals(List.of("a", "b"), iterable(after.history((Integer) null)));
    }
}
