package dev.noodle.graph.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.graph.model.Link;
import dev.noodle.graph.model.Literal;
import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad-inputs R3: a child JVM saves a workflow with {@link WorkflowJson#save} in a tight loop, alternating two
 * versions, and is killed with SIGKILL ({@code destroyForcibly}) at a random moment, 30 times over the same file.
 * After every kill the file must be whole — non-empty, parseable and equal to one of the two versions — and at most
 * one temp file (the save that was in flight) may be left; earlier ones are swept by the next save.
 */
class WorkflowSaveKillTest {
    static final int NODES = 400;

    /** The two versions the child alternates between (big enough that a write takes a while). */
    static Workflow version(int v) {
        Workflow wf = Workflow.empty("version " + v);
        for (int i = 1; i <= NODES; i++) {
            Map<String, dev.noodle.graph.model.InputValue> in = i == 1
                    ? Map.of("seed", Literal.of((long) v))
                    : Map.of("latent", Link.of(String.valueOf(i - 1), 0), "text",
                            Literal.of("version " + v + " node " + i + " ✓ 猫".repeat(4)));
            wf = wf.withNode(NodeInstance.of(String.valueOf(i), "Process", in));
        }
        return wf;
    }

    /** Child process: saves versions 0 and 1 alternately to args[0] until killed; prints "saved" once. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        Workflow[] versions = {version(0), version(1)};
        for (long i = 0; ; i++) {
            WorkflowJson.save(versions[(int) (i & 1)], file);
            if (i == 0) {
                System.out.println("saved");
                System.out.flush();
            }
        }
    }

    @Test
    @Timeout(300)
    void killedSavesNeverLeaveABrokenFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("work.json");
        List<Workflow> versions = List.of(version(0), version(1));
        Random random = new Random(42);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int round = 0; round < 30; round++) {
            Process child = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), WorkflowSaveKillTest.class.getName(), file.toString())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                assertEquals("saved", out.readLine(), "child did not start saving");
                Thread.sleep(random.nextInt(1, 150));
                child.destroyForcibly();
                child.waitFor();
            }
            assertTrue(Files.size(file) > 0, "round " + round + ": zero-length file");
            Workflow read = WorkflowJson.read(file);
            assertTrue(versions.contains(read), "round " + round + ": file holds neither version");
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> temps = files.filter(p -> !p.equals(file)).toList();
                assertTrue(temps.size() <= 1, "round " + round + ": temp files pile up: " + temps);
            }
        }
    }
}
