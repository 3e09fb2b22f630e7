package dev.noodle.app.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.noodle.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the prompt history in one JSON file ({@code {prompt_id: entry}}, oldest first), written atomically (temp
 * file, fsync, rename) after every change so a crash never leaves half a file. Not thread-safe: the
 * {@link PromptQueue} calls it under its lock.
 */
final class HistoryStore {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryStore.class);
    /** File name inside the state folder. */
    static final String FILE_NAME = "noodle-history.json";
    /** Entries kept; the oldest are dropped first. */
    static final int MAX_ENTRIES = 2000;

    private final Path file;
    private final ObjectMapper mapper;

    HistoryStore(Path stateDir, ObjectMapper mapper) {
        this.file = stateDir.resolve(FILE_NAME);
        this.mapper = mapper;
    }

    Path file() {
        return file;
    }

    /** Reads the saved history; a missing file is empty, an unreadable one is moved aside (and logged). */
    LinkedHashMap<String, ObjectNode> load() {
        LinkedHashMap<String, ObjectNode> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        try {
            JsonNode root = mapper.readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isObject()) {
                    out.put(e.getKey(), (ObjectNode) e.getValue());
                }
            }
        } catch (IOException | RuntimeException e) {
            Path aside = file.resolveSibling(FILE_NAME + ".corrupt");
            LOG.warn("history file {} is unreadable ({}); moved to {} and starting empty", file, e.getMessage(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // keep going with an empty history
            }
            out.clear();
        }
        trim(out);
        return out;
    }

    /** Writes the whole history atomically; failures are logged (the in-memory history stays authoritative). */
    void save(Map<String, ObjectNode> history) {
        ObjectNode root = mapper.createObjectNode();
        history.forEach(root::set);
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.writeBytes(file, mapper.writeValueAsBytes(root));
        } catch (IOException e) {
            LOG.warn("could not save history to {}: {}", file, e.getMessage());
        }
    }

    /** Drops the oldest entries beyond {@link #MAX_ENTRIES}. */
    static void trim(LinkedHashMap<String, ObjectNode> history) {
        Iterator<String> it = history.keySet().iterator();
        while (history.size() > MAX_ENTRIES && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
