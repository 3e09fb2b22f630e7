package dev.noodle.nodes;

import dev.noodle.nodes.host.PngWriter;
import dev.noodle.nodes.image.ImageNodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.noodle.graph.node.CancellationToken;
import dev.noodle.graph.node.MessageLevel;
import dev.noodle.graph.node.NodeContext;
import dev.noodle.graph.node.NodeInputs;
import dev.noodle.graph.node.RunCancelledException;
import dev.noodle.nodes.values.HeapTensor;
import dev.noodle.nodes.values.ImageValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SaveImage writes a batch all or nothing (bad-inputs row H8: no partial batch left looking finished). */
class SaveImageBatchTest {
    @TempDir
    Path dir;

    /** A node context with one service, the PNG writer, and a cancellation token. */
    private record Ctx(PngWriter writer, CancellationToken token) implements NodeContext {
        @Override
        public String nodeId() {
            return "9";
        }

        @Override
        public String nodeType() {
            return "SaveImage";
        }

        @Override
        public NodeInputs inputs() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void progress(long value, long max) {}

        @Override
        public void progress(long value, long max, Object preview) {}

        @Override
        public void message(MessageLevel level, String text) {}

        @Override
        public CancellationToken cancellation() {
            return token;
        }

        @Override
        public <T> T service(Class<T> type) {
            return type.cast(writer);
        }

        @Override
        public String runId() {
            return "run";
        }

        @Override
        public dev.noodle.graph.model.Workflow workflow() {
            return null;
        }

        @Override
        public java.util.Map<String, String> extraPngInfo() {
            return java.util.Map.of();
        }
    }

    private static ImageValue batch(int n) {
        return new ImageValue(new HeapTensor(new long[] {n, 4, 4, 3}, new float[n * 4 * 4 * 3]));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aCompleteBatchIsWritten() throws IOException {
        PngWriter writer = (img, file, ctx) -> Files.write(file, new byte[] {1});
        List<Path> out = ImageNodes.save(new Ctx(writer, new CancellationToken()), batch(3), dir, "ok");
        assertEquals(3, out.size());
        assertEquals(List.of("ok_00001_.png", "ok_00002_.png", "ok_00003_.png"), files());
    }

    @Test
    void interruptedBetweenImagesLeavesNoImage() throws IOException {
        CancellationToken token = new CancellationToken();
        PngWriter writer = (img, file, ctx) -> {
            Files.write(file, new byte[] {1});
            token.cancel(); // /interrupt arrives while the first image is written
        };
        assertThrows(RunCancelledException.class, () -> ImageNodes.save(new Ctx(writer, token), batch(3), dir, "x"));
        assertEquals(List.of(), files());
    }

    @Test
    void aFailingWriteLeavesNoImage() throws IOException {
        int[] calls = {0};
        PngWriter writer = (img, file, ctx) -> {
            if (++calls[0] == 2) {
                throw new IOException("disk full");
            }
            Files.write(file, new byte[] {1});
        };
        IOException e = assertThrows(IOException.class,
                () -> ImageNodes.save(new Ctx(writer, new CancellationToken()), batch(3), dir, "y"));
        assertEquals("disk full", e.getMessage());
        assertEquals(List.of(), files());
    }
}
