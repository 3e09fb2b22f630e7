package dev.noodle.app.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.graph.model.Workflow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The server's parts without a server: queue order, origin checks, bind address. */
class ServerPartsTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    Path dir;

    private QueueItem item(PromptQueue q, double number, String id) {
        return new QueueItem(number, q.nextSeq(), id, mapper.createObjectNode(), mapper.createObjectNode(),
                List.of("9"), new Workflow(1, id, java.util.Map.of(), null, java.util.Map.of()));
    }

    @Test
    void queueRunsLowestNumberFirstAndFrontJumpsAhead() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        PromptQueue q = new EmbeddedPromptQueue(new H2QueueStore(dir, mapper), mapper, changes::incrementAndGet);
        q.put(item(q, q.nextNumber(false), "a"));
        q.put(item(q, q.nextNumber(false), "b"));
        q.put(item(q, q.nextNumber(true), "front")); // -2
        q.put(item(q, 1, "tie-with-b")); // same number as b, arrived later
        assertEquals(4, q.remaining());
        assertEquals("front", q.queueJson().path("queue_pending").get(0).get(1).asText());
        assertEquals("front", q.take(0).promptId());
        assertEquals("a", q.take(0).promptId());
        assertEquals(2, q.queueJson().path("queue_running").size()); // taken, not yet done
        assertEquals("b", q.take(0).promptId());
        assertEquals(1, q.deletePending(List.of("tie-with-b")));
        assertNull(q.take(0));
        assertTrue(changes.get() >= 7);
        q.close();
    }

    @Test
    void originAndHostChecks() {
        RequestGuard local = new RequestGuard(true);
        assertNull(local.refusal(null, "127.0.0.1:8188"));
        assertNull(local.refusal("http://127.0.0.1:8188", "127.0.0.1:8188"));
        assertNull(local.refusal("http://localhost:8188", "localhost:8188"));
        assertNull(local.refusal("http://[::1]:8188", "[::1]:8188"));
        assertNotNull(local.refusal("http://evil.example", "127.0.0.1:8188"));
        assertNotNull(local.refusal("null", "127.0.0.1:8188"));
        assertNotNull(local.refusal("http://127.0.0.1:9999", "127.0.0.1:8188"));
        assertNotNull(local.refusal("http://localhost:8188", "127.0.0.1:8188"));
        assertNotNull(local.refusal(null, "evil.example:8188"), "DNS rebinding");
        assertNotNull(local.refusal(null, null));
        assertNotNull(local.refusal("not a uri at all", "127.0.0.1:8188"));
        RequestGuard wide = new RequestGuard(false);
        assertNull(wide.refusal("http://studio.lan:8188", "studio.lan:8188"));
        assertNotNull(wide.refusal("http://evil.example", "studio.lan:8188"));
    }

    @Test
    void bindsLoopbackUnlessListenIsGiven() {
        ServeCommand plain = new ServeCommand();
        new CommandLine(plain).parseArgs();
        assertEquals("127.0.0.1", plain.options().host());
        assertEquals(8188, plain.options().port());
        assertTrue(plain.options().loopbackOnly());
        ServeCommand listen = new ServeCommand();
        new CommandLine(listen).parseArgs("--listen", "--port", "9000");
        assertEquals("0.0.0.0", listen.options().host());
        assertEquals(9000, listen.options().port());
        ServeCommand addr = new ServeCommand();
        new CommandLine(addr).parseArgs("--listen", "192.168.1.5");
        assertEquals("192.168.1.5", addr.options().host());
        assertEquals(ServerOptions.LOOPBACK, ServerOptions.local(0, dir, dir.resolve("out")).host());
    }

    /** ComfyUI's --preview-method: auto by default, taesd taken, anything else refused before serving. */
    @Test
    void previewMethodIsComfyUIsFlag() throws Exception {
        ServeCommand plain = new ServeCommand();
        new CommandLine(plain).parseArgs();
        assertEquals("auto", plain.previewMethod);
        ServeCommand taesd = new ServeCommand();
        new CommandLine(taesd).parseArgs("--preview-method", "taesd");
        assertEquals("taesd", taesd.previewMethod);
        ServeCommand bad = new ServeCommand();
        new CommandLine(bad).parseArgs("--preview-method", "fast", "--port", "0");
        assertEquals(2, bad.call());
    }

    /** Bad-inputs H4: {@code --listen} warns, naming the address, that anyone reaching it can use the open API. */
    @Test
    void listenPrintsAWarningAndLoopbackDoesNot() {
        ServeCommand listen = new ServeCommand();
        new CommandLine(listen).parseArgs("--listen", "--port", "9000");
        String warning = ServeCommand.exposureWarning(listen.options()).orElseThrow();
        assertTrue(warning.startsWith("noodle: WARNING: listening on 0.0.0.0:9000: anyone who can reach this machine"
                + " can queue prompts, read outputs and upload files."), warning);
        assertTrue(warning.contains("no authentication") && warning.contains("trusted network"), warning);
        ServeCommand lan = new ServeCommand();
        new CommandLine(lan).parseArgs("--listen", "192.168.1.5");
        assertTrue(ServeCommand.exposureWarning(lan.options()).orElseThrow().contains("192.168.1.5:8188"));

        ServeCommand plain = new ServeCommand();
        new CommandLine(plain).parseArgs();
        assertTrue(ServeCommand.exposureWarning(plain.options()).isEmpty(), "the default bind is loopback: no warning");
        ServeCommand loopback = new ServeCommand();
        new CommandLine(loopback).parseArgs("--listen", "127.0.0.1");
        assertTrue(ServeCommand.exposureWarning(loopback.options()).isEmpty(), "--listen on loopback is not exposed");
    }

    @Test
    void uploadNamesCountUpOnCollision() throws Exception {
        Files.writeString(dir.resolve("a.png"), "one");
        Files.writeString(dir.resolve("a (1).png"), "two");
        assertEquals("a (2).png", FileHandlers.freeName(dir, "a.png", "three".getBytes()));
        assertEquals("a (1).png", FileHandlers.freeName(dir, "a.png", "two".getBytes()));
        assertEquals("b", FileHandlers.freeName(dir, "b", "x".getBytes()));
    }
}
