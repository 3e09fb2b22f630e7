package dev.noodle.app.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.nio.file.StandardCopyOption;
import org.h2.api.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link QueueStore}: one H2 database ({@value #FILE_NAME}) in the server's state folder.
 *
 * <p>H2 rather than SQLite: it is pure Java, so {@code serve} needs no native library unpacked at run time on any
 * platform, and it speaks plain JDBC/SQL like a server database would. {@code WRITE_DELAY=0} writes every commit to
 * the file before the call returns, so a killed process loses nothing acknowledged. The database is opened in
 * exclusive mode (H2 also locks the file against other processes), so a second server on the same folder fails at
 * start instead of both running the same prompts.
 */
final class H2QueueStore implements QueueStore {
    /** File name inside the state folder. */
    static final String FILE_NAME = "noodle-queue.mv.db";
    private static final String SUFFIX = ".mv.db";
    /** The JSON history file of earlier versions, imported once. */
    static final String OLD_HISTORY = "noodle-history.json";
    private static final Logger LOG = LoggerFactory.getLogger(H2QueueStore.class);

    private final Path file;
    private final ObjectMapper mapper;
    private final Connection db;

    /** Opens (creating when missing) the database in {@code stateDir}; a clear {@link QueueStoreException} if not. */
    H2QueueStore(Path stateDir, ObjectMapper mapper) {
        this.file = stateDir.resolve(FILE_NAME).toAbsolutePath();
        this.mapper = mapper;
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new QueueStoreException("cannot create the state folder " + stateDir + ": " + e.getMessage()
                    + "; choose a writable folder with --state DIR", e);
        }
        String base = file.toString().substring(0, file.toString().length() - SUFFIX.length());
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:h2:file:" + base
                    + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;FILE_LOCK=FILE;IFEXISTS=FALSE", "noodle", "");
            try (Statement s = c.createStatement()) {
                s.execute("SET EXCLUSIVE 1");
                s.execute("CREATE TABLE IF NOT EXISTS prompt_queue (prompt_id VARCHAR(64) PRIMARY KEY,"
                        + " num DOUBLE PRECISION NOT NULL, seq_no BIGINT NOT NULL, run_state VARCHAR(16) NOT NULL,"
                        + " item CLOB NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS prompt_history (pos BIGINT AUTO_INCREMENT PRIMARY KEY,"
                        + " prompt_id VARCHAR(64) NOT NULL UNIQUE, entry CLOB NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS queue_meta (name VARCHAR(64) PRIMARY KEY,"
                        + " val VARCHAR(64) NOT NULL)");
            }
            c.setAutoCommit(false);
        } catch (SQLException e) {
            closeQuietly(c);
            throw openError(e);
        }
        this.db = c;
        importJsonHistory(stateDir.resolve(OLD_HISTORY));
    }

    /**
     * Takes over the history file older versions kept ({@value #OLD_HISTORY}) when the database has no history yet,
     * then renames it {@code .imported}; an unreadable file is left alone (and logged).
     */
    private void importJsonHistory(Path old) {
        if (!Files.isRegularFile(old)) {
            return;
        }
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM prompt_history")) {
            r.next();
            if (r.getLong(1) > 0) {
                return;
            }
            JsonNode root = mapper.readTree(old.toFile());
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            try (PreparedStatement p = db.prepareStatement(
                    "INSERT INTO prompt_history(prompt_id, entry) VALUES (?, ?)")) {
                for (var it = root.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (e.getValue().isObject()) {
                        p.setString(1, e.getKey());
                        p.setString(2, json(e.getValue()));
                        p.executeUpdate();
                    }
                }
            }
            db.commit();
            Files.move(old, old.resolveSibling(OLD_HISTORY + ".imported"), StandardCopyOption.REPLACE_EXISTING);
            LOG.info("imported the history in {} into {}", old, file);
        } catch (SQLException | IOException | RuntimeException e) {
            rollback();
            LOG.warn("could not import the history in {} ({}); it is left as it was", old, e.getMessage());
        }
    }

    private QueueStoreException openError(SQLException e) {
        int code = e.getErrorCode();
        String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        if (code == ErrorCode.DATABASE_ALREADY_OPEN_1 || code == ErrorCode.DATABASE_IS_IN_EXCLUSIVE_MODE) {
            return new QueueStoreException("the queue database " + file + " is in use by another program (another"
                    + " noodle serve on the same state folder?); stop it, or give this server its own folder with"
                    + " --state DIR", e);
        }
        if (code == ErrorCode.FILE_CORRUPTED_1 || code == ErrorCode.FILE_VERSION_ERROR_1
                || code == ErrorCode.GENERAL_ERROR_1 || code == ErrorCode.WRONG_USER_OR_PASSWORD
                || ((code == ErrorCode.IO_EXCEPTION_1 || code == ErrorCode.IO_EXCEPTION_2)
                        && Files.isReadable(file) && Files.isWritable(file))) {
            return new QueueStoreException("the queue database " + file + " is damaged or not a Noodle queue ("
                    + first + "); move it aside (the server then starts with an empty queue and history)"
                    + " or restore it from a backup", e);
        }
        return new QueueStoreException("cannot open the queue database " + file + ": " + first
                + "; check that the folder is writable, or choose another with --state DIR", e);
    }

    @Override
    public Path location() {
        return file;
    }

    @Override
    public Saved load() {
        try {
            try (Statement s = db.createStatement()) {
                s.executeUpdate("UPDATE prompt_queue SET run_state='queued' WHERE run_state='running'");
            }
            List<SavedPrompt> pending = new ArrayList<>();
            long maxSeq = -1;
            double maxNumber = -1;
            try (Statement s = db.createStatement();
                    ResultSet r = s.executeQuery("SELECT item, seq_no, num FROM prompt_queue ORDER BY num, seq_no")) {
                while (r.next()) {
                    ArrayNode tuple = (ArrayNode) mapper.readTree(r.getString(1));
                    double n = r.getDouble(3);
                    // the place may have changed since the tuple was written
                    if (n == Math.rint(n) && Math.abs(n) < 1e15) {
                        tuple.set(0, mapper.getNodeFactory().numberNode((long) n));
                    } else {
                        tuple.set(0, mapper.getNodeFactory().numberNode(n));
                    }
                    pending.add(new SavedPrompt(tuple, r.getLong(2)));
                    maxSeq = Math.max(maxSeq, r.getLong(2));
                    maxNumber = Math.max(maxNumber, Math.abs(r.getDouble(3)));
                }
            }
            LinkedHashMap<String, ObjectNode> history = new LinkedHashMap<>();
            try (Statement s = db.createStatement();
                    ResultSet r = s.executeQuery("SELECT prompt_id, entry FROM prompt_history ORDER BY pos")) {
                while (r.next()) {
                    history.put(r.getString(1), (ObjectNode) mapper.readTree(r.getString(2)));
                }
            }
            long nextNumber = Math.max(meta("next_number", 0), (long) Math.floor(maxNumber) + 1);
            long nextSeq = Math.max(meta("next_seq", 0), maxSeq + 1);
            boolean paused = meta("paused", 0) != 0;
            db.commit();
            return new Saved(pending, history, nextNumber, nextSeq, paused);
        } catch (SQLException | JsonProcessingException | ClassCastException e) {
            rollback();
            throw new QueueStoreException("cannot read the queue database " + file + ": " + e.getMessage()
                    + "; move it aside (the server then starts with an empty queue and history)"
                    + " or restore it from a backup", e);
        }
    }

    private long meta(String key, long fallback) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT val FROM queue_meta WHERE name=?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Long.parseLong(r.getString(1)) : fallback;
            }
        }
    }

    private void putMeta(String key, long value) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("MERGE INTO queue_meta(name, val) KEY(name) VALUES (?, ?)")) {
            p.setString(1, key);
            p.setString(2, Long.toString(value));
            p.executeUpdate();
        }
    }

    @Override
    public void add(QueueItem item) {
        write("queue a prompt", () -> {
            try (PreparedStatement p = db.prepareStatement(
                    "MERGE INTO prompt_queue(prompt_id, num, seq_no, run_state, item) KEY(prompt_id)"
                    + " VALUES (?, ?, ?, 'queued', ?)")) {
                p.setString(1, item.promptId());
                p.setDouble(2, item.number());
                p.setLong(3, item.seq());
                p.setString(4, json(item.toJson(mapper)));
                p.executeUpdate();
            }
            putMeta("next_seq", Math.max(meta("next_seq", 0), item.seq() + 1));
            long n = (long) Math.floor(Math.abs(item.number())) + 1;
            putMeta("next_number", Math.max(meta("next_number", 0), n));
        });
    }

    @Override
    public void started(String promptId) {
        write("mark a prompt running", () -> {
            try (PreparedStatement p = db.prepareStatement("UPDATE prompt_queue SET run_state='running' WHERE prompt_id=?")) {
                p.setString(1, promptId);
                p.executeUpdate();
            }
        });
    }

    @Override
    public void finished(String promptId, ObjectNode entry, int maxHistory) {
        write("record a finished prompt", () -> {
            try (PreparedStatement p = db.prepareStatement("DELETE FROM prompt_queue WHERE prompt_id=?")) {
                p.setString(1, promptId);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("DELETE FROM prompt_history WHERE prompt_id=?")) {
                p.setString(1, promptId);
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement("INSERT INTO prompt_history(prompt_id, entry) VALUES (?, ?)")) {
                p.setString(1, promptId);
                p.setString(2, json(entry));
                p.executeUpdate();
            }
            try (PreparedStatement p = db.prepareStatement(
                    "DELETE FROM prompt_history WHERE pos NOT IN"
                    + " (SELECT pos FROM prompt_history ORDER BY pos DESC FETCH FIRST ? ROWS ONLY)")) {
                p.setInt(1, maxHistory);
                p.executeUpdate();
            }
        });
    }

    @Override
    public void removePending(Collection<String> promptIds) {
        write("remove queued prompts", () -> {
            try (PreparedStatement p = db.prepareStatement(
                    "DELETE FROM prompt_queue WHERE prompt_id=? AND run_state='queued'")) {
                for (String id : promptIds) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
            }
        });
    }

    @Override
    public void reorder(String promptId, double number, long seq) {
        write("move a queued prompt", () -> {
            try (PreparedStatement p = db.prepareStatement("UPDATE prompt_queue SET num=?, seq_no=? WHERE prompt_id=?")) {
                p.setDouble(1, number);
                p.setLong(2, seq);
                p.setString(3, promptId);
                p.executeUpdate();
            }
        });
    }

    @Override
    public void removeHistory(Collection<String> promptIds) {
        write("delete history", () -> {
            try (PreparedStatement p = db.prepareStatement("DELETE FROM prompt_history WHERE prompt_id=?")) {
                for (String id : promptIds) {
                    p.setString(1, id);
                    p.executeUpdate();
                }
            }
        });
    }

    @Override
    public void clearHistory() {
        write("clear history", () -> {
            try (Statement s = db.createStatement()) {
                s.executeUpdate("DELETE FROM prompt_history");
            }
        });
    }

    @Override
    public void setPaused(boolean paused) {
        write("pause or resume the queue", () -> putMeta("paused", paused ? 1 : 0));
    }

    @Override
    public void close() {
        closeQuietly(db);
    }

    private interface Work {
        void run() throws SQLException, JsonProcessingException;
    }

    /** Runs {@code work} as one transaction, committed (durably) before returning. */
    private void write(String what, Work work) {
        try {
            work.run();
            db.commit();
        } catch (SQLException | JsonProcessingException e) {
            rollback();
            throw new QueueStoreException("cannot " + what + " in the queue database " + file + ": "
                    + e.getMessage() + "; check free disk space and that the file is writable", e);
        }
    }

    private String json(JsonNode node) throws JsonProcessingException {
        return mapper.writeValueAsString(node);
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the failed transaction is dropped when the connection closes
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing left to save
            }
        }
    }
}
