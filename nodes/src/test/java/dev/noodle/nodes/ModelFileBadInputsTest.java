package dev.noodle.nodes;

import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.host.ModelKind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.noodle.engine.image.PngText;
import dev.noodle.engine.io.SafetensorsFile;
import dev.noodle.engine.io.SafetensorsWriter;
import dev.noodle.graph.json.WorkflowFormatException;
import dev.noodle.graph.json.WorkflowJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad-inputs rows R5 (saving over a model that is open), W6/M3 (model names that escape the folder, symlink loops)
 * and G3 (a PNG whose {@code workflow} text is not a workflow).
 */
class ModelFileBadInputsTest {
    @TempDir
    Path dir;

    @Test
    void savingOverAnOpenModelLeavesTheReaderOnTheOldFile() throws Exception {
        Path p = dir.resolve("model.safetensors");
        new SafetensorsWriter().addF32("w", new long[] {3}, new float[] {1f, 2f, 3f}).write(p);
        try (SafetensorsFile open = SafetensorsFile.open(p)) {
            new SafetensorsWriter().addF32("w", new long[] {5}, new float[] {9f, 9f, 9f, 9f, 9f}).write(p);
            assertArrayEquals(new float[] {1f, 2f, 3f}, open.loadFloats("w"), "reader keeps the old file");
        }
        try (SafetensorsFile fresh = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {9f, 9f, 9f, 9f, 9f}, fresh.loadFloats("w"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
    }

    @Test
    void namesEscapingTheFolderAreRefusedWithoutOpening() throws Exception {
        ModelFolders folders = new ModelFolders(dir.resolve("models"));
        Path ckpts = Files.createDirectories(folders.folder(ModelKind.CHECKPOINTS));
        Path secret = Files.writeString(dir.resolve("secret.safetensors"), "x"); // outside the models root
        for (String bad : new String[] {"../../secret.safetensors", secret.toString(), "a/../../../secret.safetensors",
                "..\\..\\secret.safetensors", "x\0.safetensors", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> folders.resolve(ModelKind.CHECKPOINTS, bad), bad);
            assertTrue(!e.getMessage().isBlank(), bad);
        }
    }

    /**
     * A symlink the user put inside the models folder (models shared with A1111 or ComfyUI, a second disk) is the
     * user's own choice and is followed, as ComfyUI does; a workflow's name alone can never leave the folder. Remote
     * clients cannot create links there: uploads go to input/, whose serving uses real-path containment (row H2).
     */
    @Test
    void aSymlinkTheUserPlacedInsideTheFolderIsFollowed() throws Exception {
        ModelFolders folders = new ModelFolders(dir.resolve("models"));
        Path ckpts = Files.createDirectories(folders.folder(ModelKind.CHECKPOINTS));
        Path shared = Files.writeString(dir.resolve("shared.safetensors"), "x");
        Files.createSymbolicLink(ckpts.resolve("link.safetensors"), shared);
        assertEquals(List.of("link.safetensors"), folders.list(ModelKind.CHECKPOINTS));
        assertEquals(ckpts.resolve("link.safetensors"), folders.resolve(ModelKind.CHECKPOINTS, "link.safetensors"));
    }

    @Test
    void symlinkLoopsListFinitely() throws Exception {
        ModelFolders folders = new ModelFolders(dir);
        Path ckpts = Files.createDirectories(folders.folder(ModelKind.CHECKPOINTS));
        Files.createDirectories(ckpts.resolve("sub"));
        Files.writeString(ckpts.resolve("sub/a.safetensors"), "x");
        Files.createSymbolicLink(ckpts.resolve("sub/loop"), ckpts);
        assertEquals(List.of("sub/a.safetensors"), folders.list(ModelKind.CHECKPOINTS));
    }

    /**
     * M3: a symlink loop met early in the scan is skipped and the rest is still listed, including a folder the user
     * linked in (followed, as ComfyUI's {@code os.walk(followlinks=True)}). {@code Files.walk} with FOLLOW_LINKS threw
     * on the loop and the listing stopped there; without it the linked folder was not listed.
     */
    @Test
    void aSymlinkLoopIsSkippedAndEverythingElseListed() throws Exception {
        ModelFolders folders = new ModelFolders(dir.resolve("models"));
        Path ckpts = Files.createDirectories(folders.folder(ModelKind.CHECKPOINTS));
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.writeString(shared.resolve("s.safetensors"), "x");
        Files.createSymbolicLink(ckpts.resolve("linked"), shared);
        for (String sub : new String[] {"a", "b", "c"}) {
            Files.createDirectories(ckpts.resolve(sub));
            Files.createSymbolicLink(ckpts.resolve(sub + "/loop"), ckpts);
            Files.writeString(ckpts.resolve(sub + "/" + sub + ".safetensors"), "x");
        }
        Files.writeString(ckpts.resolve("z.safetensors"), "x");
        assertEquals(List.of("a/a.safetensors", "b/b.safetensors", "c/c.safetensors", "linked/s.safetensors",
                "z.safetensors"), folders.list(ModelKind.CHECKPOINTS));
    }

    /**
     * M3: an unreadable sub-folder (mode 000) is skipped with a warning, not the end of the listing. Skipped when the
     * tests run as root, for whom mode 000 does not block reading (the loop test above covers the same skip path).
     */
    @Test
    void anUnreadableSubFolderIsSkipped() throws Exception {
        ModelFolders folders = new ModelFolders(dir.resolve("models"));
        Path ckpts = Files.createDirectories(folders.folder(ModelKind.CHECKPOINTS));
        Files.writeString(Files.createDirectories(ckpts.resolve("a")).resolve("a.safetensors"), "x");
        Path locked = Files.createDirectories(ckpts.resolve("b"));
        Files.writeString(locked.resolve("hidden.safetensors"), "x");
        Files.writeString(Files.createDirectories(ckpts.resolve("c")).resolve("c.safetensors"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        try {
            Assumptions.assumeFalse(Files.isReadable(locked), "running as root: mode 000 does not block reading");
            assertEquals(List.of("a/a.safetensors", "c/c.safetensors"), folders.list(ModelKind.CHECKPOINTS));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void pngWorkflowTextThatIsNotAWorkflowIsAClearError() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        for (String text : new String[] {"not json {", "[1,2,3]", "{\"hello\":\"world\"}"}) {
            byte[] png = PngText.encode(img, Map.of("workflow", text));
            String read = PngText.read(new ByteArrayInputStream(png), "image.png").get("workflow");
            assertEquals(text, read);
            WorkflowFormatException e = assertThrows(WorkflowFormatException.class,
                    () -> WorkflowJson.parse(read, "image.png (workflow)"), text);
            assertTrue(e.getMessage().contains("image.png"), e.getMessage());
        }
    }
}
