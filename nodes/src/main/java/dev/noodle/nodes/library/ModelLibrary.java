package dev.noodle.nodes.library;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.noodle.nodes.interop.HashStore;
import dev.noodle.nodes.interop.ModelHashes;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Noodle's record of the model files under one models root: one embedded H2 database,
 * {@value #FILE_NAME}, beside the models folder. A row per file (kind, base model, size, time, SHA-256, AutoV2,
 * addnet hash, safetensors metadata, trigger words, source, notes, preview) and the hashes {@link
 * dev.noodle.nodes.interop.ModelHashCache} remembers. H2 because it is pure Java and plain JDBC; every change is one
 * transaction and {@code WRITE_DELAY=0} writes it before the call returns, so a killed process loses nothing it was
 * told was done. The old {@value #LEGACY_HASHES} file is imported once and renamed.
 *
 * <p>{@link #install} identifies a file ({@link ModelIdentifier}), refuses what it cannot identify, copies or moves it
 * into its kind's folder without ever replacing a different file, and records it. Methods are synchronized; close
 * the library when done (another process opening the same database meanwhile is told it is in use).
 */
public final class ModelLibrary implements AutoCloseable {
    /** The database file beside the models root. */
    public static final String FILE_NAME = "noodle-library.mv.db";
    /** The JSON hash cache of earlier versions, imported once. */
    public static final String LEGACY_HASHES = "noodle-model-hashes.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final LibraryDatabase db;

    private ModelLibrary(Path root, LibraryDatabase db) {
        this.root = root;
        this.db = db;
    }

    /** The database file for a models root: {@code <root>/../noodle-library.mv.db}. */
    public static Path databaseBeside(Path modelsRoot) {
        Path r = modelsRoot.toAbsolutePath().normalize();
        return (r.getParent() == null ? r : r.getParent()).resolve(FILE_NAME);
    }

    /**
     * Opens (creating when missing) the library of {@code modelsRoot}.
     *
     * @throws LibraryException with one line naming the database when it is damaged, in use or not writable
     */
    public static ModelLibrary open(Path modelsRoot) {
        Path root = modelsRoot.toAbsolutePath().normalize();
        Path file = databaseBeside(root);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new LibraryException("cannot create the folder for the model library " + file + ": " + e.getMessage());
        }
        return new ModelLibrary(root, LibraryDatabase.open(file));
    }

    /**
     * A hash store on the library of {@code modelsRoot} that opens the database for each call and closes it again
     * (so other Noodle processes can use it in between). When the database cannot be opened it answers empty and
     * forgets: hashing still works, only slower.
     */
    public static HashStore hashStore(Path modelsRoot) {
        Path root = modelsRoot.toAbsolutePath().normalize();
        return new HashStore() {
            @Override
            public Optional<String> find(String kind, String realPath, long size, long mtimeMillis) {
                try (ModelLibrary lib = open(root)) {
                    return lib.cachedHash(kind, realPath, size, mtimeMillis);
                } catch (LibraryException e) {
                    return Optional.empty();
                }
            }

            @Override
            public void save(String kind, String realPath, long size, long mtimeMillis, String hex) {
                try (ModelLibrary lib = open(root)) {
                    lib.rememberHash(kind, realPath, size, mtimeMillis, hex);
                } catch (LibraryException e) {
                    // persisting is an optimisation; the in-memory cache still has it
                }
            }
        };
    }

    /** The models root. */
    public Path root() {
        return root;
    }

    /** The database file. */
    public Path databaseFile() {
        return db.file();
    }

    // ---- install ----

    /**
     * Identifies {@code file}, files it in its kind's folder under the models root and records it.
     *
     * @param source what is known of its origin (nullable)
     * @param move move the file instead of copying it
     * @throws LibraryException naming the file when it cannot be identified, its SHA-256 differs from the one the
     *     source publishes, a different file of the same name is already there, or it cannot be copied
     */
    public synchronized InstallResult install(Path file, SourceInfo source, boolean move) {
        return install(file, null, source, move);
    }

    /**
     * As {@link #install(Path, SourceInfo, boolean)}, filing the file under another name (a download kept as
     * {@code x.safetensors.part} is filed as {@code x.safetensors}).
     *
     * @param name the file name to file it under (no folders), or null for the file's own name
     */
    public synchronized InstallResult install(Path file, String name, SourceInfo source, boolean move) {
        SourceInfo src = source == null ? SourceInfo.none() : source;
        Path in = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(in)) {
            throw new LibraryException(file + " does not exist or is not a file; not filed");
        }
        String fileName = name == null ? in.getFileName().toString() : name;
        if (fileName.isBlank() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")
                || fileName.chars().anyMatch(c -> c < 0x20)) {
            throw new LibraryException("'" + fileName + "' is not a usable file name for " + file + " (no folders,"
                    + " no leading dot); not filed");
        }
        IdentifyResult r = ModelIdentifier.identify(in);
        if (r instanceof Unidentified u) {
            throw new LibraryException(u.reason() + "; not filed");
        }
        Identification id = (Identification) r;
        String lower = fileName.toLowerCase(Locale.ROOT);
        List<String> endings = id.type().folder().extensions();
        if (endings.stream().noneMatch(lower::endsWith)) {
            throw new LibraryException(file + " is " + id.describeWithArticle() + " but its name " + fileName
                    + " does not end in " + String.join(", ", endings) + ", so the loaders would not list it; rename"
                    + " it and add it again. Not filed");
        }
        String sha = hash(in);
        if (!src.expectedSha256().isEmpty() && !src.expectedSha256().equals(sha)) {
            throw new LibraryException(file + " has SHA-256 " + sha + " but its source publishes "
                    + src.expectedSha256() + " (damaged or different download); not filed");
        }
        Sidecars.Info side = Sidecars.read(in);
        Path folder = root.resolve(id.type().folder().folder());
        Path dest = folder.resolve(fileName);
        boolean already = false;
        try {
            Files.createDirectories(folder);
            if (Files.exists(dest) && !Files.isSameFile(dest, in)) {
                String other = Files.isRegularFile(dest) ? hash(dest) : "";
                if (!other.equals(sha)) {
                    throw new LibraryException(shown(dest) + " already exists and is a different file"
                            + (other.isEmpty() ? "" : " (sha256 " + other + ")") + "; rename " + in.getFileName()
                            + " or remove the old file, then add it again. Not filed");
                }
                already = true;
                if (move) {
                    Files.delete(in);
                }
            } else if (Files.exists(dest)) {
                already = true; // the file is already in its place: only record it
            } else {
                transfer(in, dest, move);
                for (Path car : Sidecars.filesOf(in)) {
                    Path to = folder.resolve(car.getFileName().toString());
                    if (!Files.exists(to)) {
                        transfer(car, to, move);
                    }
                }
            }
        } catch (IOException e) {
            throw new LibraryException("cannot " + (move ? "move " : "copy ") + file + " to " + dest + ": "
                    + e.getMessage() + "; check free space and permissions. Not filed");
        }
        ModelEntry entry = record(dest, id, sha, side, src);
        Optional<BaseModel> named = Optional.ofNullable(src.base()).or(side::base);
        if (named.isPresent() && id.hasBase() && id.base() != BaseModel.UNKNOWN && named.get() != entry.base()) {
            List<String> warnings = new ArrayList<>(id.warnings());
            warnings.add("its " + (src.base() != null ? "source" : "sidecar file") + " says "
                    + named.get().displayName() + " but its tensors are " + id.base().displayName() + "'s ("
                    + id.evidence() + "); filed as " + entry.base().displayName());
            id = new Identification(id.type(), id.base(), id.variant(), id.evidence(), id.title(), id.triggerWords(),
                    warnings, id.metadata());
        }
        return new InstallResult(entry, id, dest, shown(dest), already);
    }

    private static void transfer(Path from, Path to, boolean move) throws IOException {
        Path part = to.resolveSibling("." + to.getFileName() + ".part");
        try {
            if (move) {
                try {
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                    return;
                } catch (AtomicMoveNotSupportedException e) {
                    // another file system: copy under a temporary name, then rename
                }
            }
            Files.copy(from, part, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(part, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, to);
            }
            if (move) {
                Files.delete(from);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private ModelEntry record(Path dest, Identification id, String sha, Sidecars.Info side, SourceInfo src) {
        BaseModel base = id.base();
        Optional<BaseModel> named = Optional.ofNullable(src.base()).or(side::base);
        if (named.isPresent() && id.hasBase()) {
            BaseModel n = named.get();
            if (base == BaseModel.UNKNOWN || (base == BaseModel.SDXL && n == BaseModel.PONY)) {
                base = n;
            }
        }
        List<String> triggers = new ArrayList<>(id.triggerWords());
        for (String t : src.triggerWords()) {
            if (!triggers.contains(t)) {
                triggers.add(t);
            }
        }
        for (String t : side.triggerWords()) {
            if (!triggers.contains(t)) {
                triggers.add(t);
            }
        }
        String notes = String.join("\n\n", nonEmpty(src.notes(), side.notes(), side.description()));
        String addnet = "";
        boolean lora = id.type() == ModelType.LORA || id.type() == ModelType.LYCORIS;
        try {
            if (lora && dest.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
                addnet = ModelHashes.addnetSha256(dest);
            }
            long size = Files.size(dest);
            long mtime = Files.getLastModifiedTime(dest).toMillis();
            Path shownPreview = side.preview() == null ? null : dest.resolveSibling(side.preview().getFileName());
            String preview = shownPreview != null && Files.isRegularFile(shownPreview) ? relative(shownPreview) : "";
            ModelEntry e = new ModelEntry(relative(dest), id.type(), base, id.variant(), size, mtime, sha,
                    sha.substring(0, 10), addnet, metadataJson(id.metadata()), triggers,
                    first(src.url(), side.sourceUrl()), first(src.pageUrl(), side.pageUrl()), id.title(), notes,
                    preview);
            db.upsert(e);
            String real = dest.toRealPath().toString();
            rememberHash("sha256", real, size, mtime, sha);
            if (!addnet.isEmpty()) {
                rememberHash("addnet", real, size, mtime, addnet);
            }
            return e;
        } catch (IOException e) {
            throw new LibraryException("cannot read " + dest + " after filing it: " + e.getMessage());
        }
    }

    // ---- scan ----

    /**
     * What {@link #scan} found.
     *
     * @param added files recorded for the first time
     * @param updated files whose row was refreshed (changed on disk)
     * @param unchanged files already recorded as they are
     * @param removed rows dropped because their file is gone
     * @param problems one line per file that could not be identified or read, or lies in the wrong folder
     */
    public record ScanReport(int added, int updated, int unchanged, int removed, List<String> problems) {
        public ScanReport {
            problems = List.copyOf(problems);
        }
    }

    /**
     * Records every model file already in the kind folders under the root (files whose size and time match their row
     * are not read again) and drops rows whose file is gone. Files that cannot be identified are reported, not
     * recorded.
     */
    public synchronized ScanReport scan() {
        int added = 0;
        int updated = 0;
        int unchanged = 0;
        List<String> problems = new ArrayList<>();
        Map<String, ModelEntry> known = new TreeMap<>();
        for (ModelEntry e : list(null, null)) {
            known.put(e.path(), e);
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<dev.noodle.nodes.host.ModelKind> folders = new java.util.LinkedHashSet<>();
        for (ModelType t : ModelType.values()) {
            folders.add(t.folder());
        }
        for (dev.noodle.nodes.host.ModelKind kind : folders) {
            Path dir = root.resolve(kind.folder());
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (var walk = Files.walk(dir, 8)) {
                files = walk.filter(Files::isRegularFile).filter(p -> isModelName(p, kind)).sorted().toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                problems.add("cannot list " + dir + ": " + e.getMessage());
                continue;
            }
            for (Path f : files) {
                String rel = relative(f);
                seen.add(rel);
                try {
                    long size = Files.size(f);
                    long mtime = Files.getLastModifiedTime(f).toMillis();
                    ModelEntry old = known.get(rel);
                    if (old != null && old.size() == size && old.mtimeMillis() == mtime) {
                        unchanged++;
                        continue;
                    }
                    IdentifyResult r = ModelIdentifier.identify(f);
                    if (r instanceof Unidentified u) {
                        problems.add(u.reason());
                        continue;
                    }
                    Identification id = (Identification) r;
                    if (id.type().folder() != kind) {
                        problems.add(shown(f) + " is " + id.describeWithArticle() + " but lies in " + kind.folder()
                                + "/; move it to " + id.type().folder().folder() + "/");
                    }
                    String sha = cachedOrHash(f, size, mtime);
                    Sidecars.Info side = Sidecars.read(f);
                    problems.addAll(side.problems());
                    SourceInfo keep = old == null ? SourceInfo.none()
                            : new SourceInfo(old.sourceUrl(), old.pageUrl(), null, old.triggerWords(), old.notes(),
                                    old.base() == BaseModel.UNKNOWN ? null : old.base());
                    record(f, id, sha, side, keep);
                    if (old == null) {
                        added++;
                    } else {
                        updated++;
                    }
                } catch (IOException | LibraryException e) {
                    problems.add("cannot read " + f + ": " + e.getMessage());
                }
            }
        }
        int removed = 0;
        for (String rel : known.keySet()) {
            if (!seen.contains(rel) && !Files.isRegularFile(root.resolve(rel))) {
                db.delete(rel);
                removed++;
            }
        }
        return new ScanReport(added, updated, unchanged, removed, problems);
    }

    private static boolean isModelName(Path p, dev.noodle.nodes.host.ModelKind kind) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !n.startsWith(".") && kind.extensions().stream().anyMatch(n::endsWith);
    }

    private String cachedOrHash(Path f, long size, long mtime) throws IOException {
        String real = f.toRealPath().toString();
        Optional<String> c = cachedHash("sha256", real, size, mtime);
        return c.isPresent() ? c.get() : hash(f);
    }

    // ---- queries ----

    /**
     * The recorded files, sorted by path, optionally only those shown under a base model and/or kind
     * ({@link BaseModel#shownUnder}, {@link ModelType#shownUnder}).
     */
    public List<ModelEntry> list(BaseModel base, ModelType type) {
        List<ModelEntry> out = new ArrayList<>();
        for (ModelEntry e : db.all()) {
            if ((base == null || e.base().shownUnder(base)) && (type == null || e.type().shownUnder(type))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The row of a file by its path under the root ('/' separators). */
    public Optional<ModelEntry> find(String path) {
        return db.find(path);
    }

    /** The recorded files with this SHA-256 (lower-case hex), by path. */
    public List<ModelEntry> findBySha256(String sha256) {
        return db.findBySha256(sha256);
    }

    /** A hash recorded for this version of a file. */
    public Optional<String> cachedHash(String kind, String realPath, long size, long mtimeMillis) {
        return db.cachedHash(kind, realPath, size, mtimeMillis);
    }

    /** Records a hash of this version of a file (replacing one of an older version). */
    public void rememberHash(String kind, String realPath, long size, long mtimeMillis, String hex) {
        db.rememberHash(kind, realPath, size, mtimeMillis, hex);
    }

    // ---- legacy import, helpers ----

    private static String hash(Path f) {
        try {
            return ModelHashes.sha256(f);
        } catch (IOException e) {
            throw new LibraryException("cannot read " + f + ": " + e.getMessage());
        }
    }

    private String relative(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return (a.startsWith(root) ? root.relativize(a) : a).toString().replace('\\', '/');
    }

    private String shown(Path p) {
        Path a = p.toAbsolutePath().normalize();
        Path parent = root.getParent();
        return (parent != null && a.startsWith(parent) ? parent.relativize(a) : a).toString().replace('\\', '/');
    }

    private static String metadataJson(Map<String, String> meta) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(meta));
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }

    private static List<String> nonEmpty(String... parts) {
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            if (p != null && !p.isBlank() && !out.contains(p.strip())) {
                out.add(p.strip());
            }
        }
        return out;
    }

    private static String first(String a, String b) {
        return a != null && !a.isEmpty() ? a : b == null ? "" : b;
    }

    @Override
    public synchronized void close() {
        db.close();
    }
}
