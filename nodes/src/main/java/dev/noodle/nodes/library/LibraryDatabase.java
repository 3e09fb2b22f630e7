package dev.noodle.nodes.library;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.h2.api.ErrorCode;

/**
 * The SQL side of {@link ModelLibrary}: one H2 connection to {@value ModelLibrary#FILE_NAME} with the tables
 * {@code model_file} (a row per model file) and {@code file_hash} (hashes per file version). Every change is committed
 * at once ({@code WRITE_DELAY=0}: on disk before the call returns); errors become one-line {@link LibraryException}s
 * naming the file. Thread-safe (synchronized); close when done.
 */
final class LibraryDatabase implements AutoCloseable {
    private static final String SUFFIX = ".mv.db";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long BUSY_WAIT_MILLIS = 3000;

    private final Path file;
    private final Connection db;

    private LibraryDatabase(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /**
     * Opens (creating when missing) the database {@code file}, waiting up to 3 s while another process holds it.
     *
     * @throws LibraryException with one line naming the file when it is damaged, in use or not writable
     */
    static LibraryDatabase open(Path file) {
        String base = file.toString().substring(0, file.toString().length() - SUFFIX.length());
        String url = "jdbc:h2:file:" + base + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;FILE_LOCK=FILE;IFEXISTS=FALSE";
        long deadline = System.currentTimeMillis() + BUSY_WAIT_MILLIS;
        while (true) {
            Connection c = null;
            try {
                c = DriverManager.getConnection(url, "noodle", "");
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS model_file (path VARCHAR(4096) PRIMARY KEY,"
                            + " kind VARCHAR(32) NOT NULL, base VARCHAR(32) NOT NULL, variant VARCHAR(128) NOT NULL,"
                            + " size BIGINT NOT NULL, mtime BIGINT NOT NULL, sha256 CHAR(64) NOT NULL,"
                            + " autov2 CHAR(10) NOT NULL, addnet VARCHAR(64) NOT NULL, metadata CLOB NOT NULL,"
                            + " trigger_words CLOB NOT NULL, source_url VARCHAR(4096) NOT NULL,"
                            + " page_url VARCHAR(4096) NOT NULL, title VARCHAR(1024) NOT NULL, notes CLOB NOT NULL,"
                            + " preview VARCHAR(4096) NOT NULL)");
                    s.execute("CREATE INDEX IF NOT EXISTS model_file_sha ON model_file(sha256)");
                    s.execute("CREATE TABLE IF NOT EXISTS file_hash (kind VARCHAR(16) NOT NULL,"
                            + " real_path VARCHAR(4096) NOT NULL, size BIGINT NOT NULL, mtime BIGINT NOT NULL,"
                            + " hex CHAR(64) NOT NULL, PRIMARY KEY (kind, real_path))");
                }
                c.setAutoCommit(false);
                LibraryDatabase lib = new LibraryDatabase(file, c);
                lib.importLegacyHashes(file.resolveSibling(ModelLibrary.LEGACY_HASHES));
                return lib;
            } catch (SQLException e) {
                closeQuietly(c);
                boolean busy = busy(e);
                if (busy && System.currentTimeMillis() < deadline) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw openError(file, e);
                    }
                    continue;
                }
                throw openError(file, e);
            }
        }
    }

    /** The database file. */
    Path file() {
        return file;
    }

    /** Every row, sorted by path (rows of kinds this version does not know are skipped). */
    synchronized List<ModelEntry> all() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM model_file ORDER BY path")) {
            List<ModelEntry> out = entries(r);
            db.commit();
            return out;
        } catch (SQLException e) {
            throw dbError("read", e);
        }
    }

    /** The rows of {@code r} this version knows, in order. */
    private List<ModelEntry> entries(ResultSet r) throws SQLException {
        List<ModelEntry> out = new ArrayList<>();
        while (r.next()) {
            ModelEntry e = entry(r);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** The row of a file by its path under the root ('/' separators). */
    synchronized Optional<ModelEntry> find(String path) {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM model_file WHERE path = ?")) {
            p.setString(1, path);
            try (ResultSet r = p.executeQuery()) {
                Optional<ModelEntry> e = r.next() ? Optional.ofNullable(entry(r)) : Optional.empty();
                db.commit();
                return e;
            }
        } catch (SQLException e) {
            throw dbError("read", e);
        }
    }

    /** The recorded files with this SHA-256 (lower-case hex), by path. */
    synchronized List<ModelEntry> findBySha256(String sha256) {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM model_file WHERE sha256 = ? ORDER BY path")) {
            p.setString(1, sha256.toLowerCase(Locale.ROOT));
            List<ModelEntry> out;
            try (ResultSet r = p.executeQuery()) {
                out = entries(r);
            }
            db.commit();
            return out;
        } catch (SQLException e) {
            throw dbError("read", e);
        }
    }

    /** A hash recorded for this version of a file. */
    synchronized Optional<String> cachedHash(String kind, String realPath, long size, long mtimeMillis) {
        try (PreparedStatement p = db.prepareStatement(
                "SELECT hex FROM file_hash WHERE kind = ? AND real_path = ? AND size = ? AND mtime = ?")) {
            p.setString(1, kind);
            p.setString(2, realPath);
            p.setLong(3, size);
            p.setLong(4, mtimeMillis);
            try (ResultSet r = p.executeQuery()) {
                Optional<String> hex = r.next() ? Optional.of(r.getString(1)) : Optional.empty();
                db.commit();
                return hex;
            }
        } catch (SQLException e) {
            throw dbError("read", e);
        }
    }

    /** Records a hash of this version of a file (replacing one of an older version). */
    synchronized void rememberHash(String kind, String realPath, long size, long mtimeMillis, String hex) {
        try (PreparedStatement p = db.prepareStatement(
                "MERGE INTO file_hash(kind, real_path, size, mtime, hex) KEY(kind, real_path) VALUES (?, ?, ?, ?, ?)")) {
            p.setString(1, kind);
            p.setString(2, realPath);
            p.setLong(3, size);
            p.setLong(4, mtimeMillis);
            p.setString(5, hex);
            p.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw dbError("write", e);
        }
    }

    synchronized void upsert(ModelEntry e) {
        try (PreparedStatement p = db.prepareStatement("MERGE INTO model_file(path, kind, base, variant, size, mtime,"
                + " sha256, autov2, addnet, metadata, trigger_words, source_url, page_url, title, notes, preview)"
                + " KEY(path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, e.path());
            p.setString(2, e.type().id());
            p.setString(3, e.base().id());
            p.setString(4, e.variant());
            p.setLong(5, e.size());
            p.setLong(6, e.mtimeMillis());
            p.setString(7, e.sha256());
            p.setString(8, e.autoV2());
            p.setString(9, e.addnetHash());
            p.setString(10, e.metadataJson());
            p.setString(11, JSON.writeValueAsString(e.triggerWords()));
            p.setString(12, e.sourceUrl());
            p.setString(13, e.pageUrl());
            p.setString(14, e.title());
            p.setString(15, e.notes());
            p.setString(16, e.previewPath());
            p.executeUpdate();
            db.commit();
        } catch (SQLException | JsonProcessingException x) {
            rollback();
            throw x instanceof SQLException s ? dbError("write", s) : new LibraryException("cannot record " + e.path()
                    + ": " + x.getMessage());
        }
    }

    synchronized void delete(String path) {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM model_file WHERE path = ?")) {
            p.setString(1, path);
            p.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            rollback();
            throw dbError("write", e);
        }
    }

    private static ModelEntry entry(ResultSet r) throws SQLException {
        Optional<ModelType> type = ModelType.parse(r.getString("kind"));
        Optional<BaseModel> base = BaseModel.parse(r.getString("base"));
        if (type.isEmpty() || base.isEmpty()) {
            return null; // a row of a newer version's kind: skipped
        }
        List<String> triggers = new ArrayList<>();
        try {
            for (JsonNode t : JSON.readTree(r.getString("trigger_words"))) {
                triggers.add(t.asText());
            }
        } catch (IOException e) {
            // unreadable list: shown as none
        }
        return new ModelEntry(r.getString("path"), type.get(), base.get(), r.getString("variant"), r.getLong("size"),
                r.getLong("mtime"), r.getString("sha256").strip(), r.getString("autov2").strip(),
                r.getString("addnet"), r.getString("metadata"), triggers, r.getString("source_url"),
                r.getString("page_url"), r.getString("title"), r.getString("notes"), r.getString("preview"));
    }

    private void importLegacyHashes(Path old) {
        if (!Files.isRegularFile(old)) {
            return;
        }
        try {
            JsonNode rootNode = JSON.readTree(old.toFile());
            for (JsonNode e : rootNode.path("entries")) {
                String hex = e.path("sha256").asText("");
                String kind = e.path("kind").asText("sha256");
                if (hex.matches("[0-9a-f]{64}") && e.path("path").isTextual() && (kind.equals("sha256")
                        || kind.equals("addnet"))) {
                    rememberHash(kind, e.path("path").asText(), e.path("size").asLong(-1), e.path("mtime").asLong(-1),
                            hex);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a damaged old cache only costs recomputation
        }
        try {
            Files.move(old, old.resolveSibling(ModelLibrary.LEGACY_HASHES + ".imported"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            // left in place: imported again next time, which is harmless
        }
    }

    private void rollback() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the next call reports it
        }
    }

    private LibraryException dbError(String what, SQLException e) {
        return new LibraryException("cannot " + what + " the model library " + file + ": "
                + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + "; if it is damaged, move it aside"
                + " and run 'noodle models scan' to rebuild it");
    }

    /** Whether opening failed because another process holds the database (H2 90020, or 8000 "was faster"). */
    private static boolean busy(SQLException e) {
        int code = e.getErrorCode();
        String m = String.valueOf(e.getMessage());
        return code == ErrorCode.DATABASE_ALREADY_OPEN_1 || code == ErrorCode.DATABASE_IS_IN_EXCLUSIVE_MODE
                || (code == ErrorCode.ERROR_OPENING_DATABASE_1 && (m.contains("Another process") || m.contains(
                        "already in use") || m.contains("locked")));
    }

    private static LibraryException openError(Path file, SQLException e) {
        int code = e.getErrorCode();
        String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        if (busy(e)) {
            return new LibraryException("the model library " + file + " is in use by another Noodle program; close it"
                    + " or wait for it to finish, then try again", e);
        }
        if (code == ErrorCode.FILE_CORRUPTED_1 || code == ErrorCode.FILE_VERSION_ERROR_1
                || code == ErrorCode.GENERAL_ERROR_1 || code == ErrorCode.WRONG_USER_OR_PASSWORD
                || ((code == ErrorCode.IO_EXCEPTION_1 || code == ErrorCode.IO_EXCEPTION_2) && Files.isReadable(file)
                        && Files.isWritable(file))) {
            return new LibraryException("the model library " + file + " is damaged or not a Noodle library (" + first
                    + "); move it aside and run 'noodle models scan' to rebuild it", e);
        }
        return new LibraryException("cannot open the model library " + file + ": " + first + "; check that its"
                + " folder is writable", e);
    }

    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(db);
    }
}
