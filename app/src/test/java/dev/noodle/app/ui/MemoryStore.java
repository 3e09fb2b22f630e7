package dev.noodle.app.ui;

import dev.noodle.app.ui.vm.WorkflowStore;
import dev.noodle.graph.model.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A test workflow store: keeps workflows in memory by path and writes a marker file so file checks still work. */
final class MemoryStore implements WorkflowStore {
    private final Map<Path, Workflow> saved = new ConcurrentHashMap<>();

    @Override
    public Workflow read(Path file) throws IOException {
        Workflow wf = saved.get(file.toAbsolutePath().normalize());
        if (wf == null || !Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        return wf;
    }

    @Override
    public void save(Workflow wf, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, wf.name());
        saved.put(file.toAbsolutePath().normalize(), wf);
    }
}
