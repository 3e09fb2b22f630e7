package dev.noodle.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes files so that readers see either the old file or the complete new one, never a partial file: the content
 * goes to a temporary file in the same folder, is forced to disk, then renamed over the target atomically and the
 * folder is synced. A failure removes the temporary file and leaves the target untouched (bad-inputs R3–R5).
 * A save killed mid-write leaves its temporary file; the next save of the same target removes it (in-flight
 * temporary files are locked, stale ones are not). Stateless and thread-safe; concurrent writers of the same target
 * each win atomically, last rename wins.
 */
public final class AtomicFiles {
    /** Writes the new content into the temporary file's channel. */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code target} atomically with the given body. */
    public static void write(Path target, ChannelWriter body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path folder = abs.getParent();
        if (folder == null) {
            throw new IOException("Cannot write " + target + ": it has no parent folder");
        }
        Files.createDirectories(folder);
        Path tmp = folder.resolve("." + abs.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8)
                + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    FileLock inFlight = ch.lock()) {
                removeStaleTemps(folder, "." + abs.getFileName() + ".");
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncFolder(folder);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes the bytes to {@code target} atomically. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /** Writes every remaining byte of {@code buf}. */
    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /**
     * Deletes temp files of earlier saves of the same target that died mid-write (kill -9, power loss), so they do
     * not pile up: a save in flight holds an exclusive lock on its temp file (released by the OS when its process
     * dies), so only unlocked ones are removed.
     */
    private static void removeStaleTemps(Path dir, String prefix) {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, p -> p.getFileName().toString()
                .startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
            for (Path p : temps) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE); FileLock lock = ch.tryLock()) {
                    if (lock != null) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException | OverlappingFileLockException inUseOrGone) {
                    // another save holds it (in this JVM or another), or it vanished: leave it
                }
            }
        } catch (IOException e) {
            // the folder cannot be listed: nothing to clean, the save itself goes on
        }
    }

    private static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // some platforms (Windows) cannot open folders; the rename itself is still atomic there
        }
    }
}
