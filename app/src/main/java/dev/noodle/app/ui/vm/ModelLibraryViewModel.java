package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.NodeInstance;
import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelKind;
import dev.noodle.nodes.library.BaseModel;
import dev.noodle.nodes.library.IdentifyResult;
import dev.noodle.nodes.library.Identification;
import dev.noodle.nodes.library.InstallResult;
import dev.noodle.nodes.library.LibraryException;
import dev.noodle.nodes.library.ModelEntry;
import dev.noodle.nodes.library.ModelIdentifier;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.ModelType;
import dev.noodle.nodes.library.SourceInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.ObservableMap;
import javafx.collections.transformation.FilteredList;

/**
 * The Models panel: every file the model library records under the editor's models folder, filtered by base model,
 * kind and text; files dropped on the editor filed through {@link ModelLibrary#install}; and the base-model warnings
 * of the nodes of the shown graph level ({@link ModelMismatch}). The database is opened on the background executor
 * for each action and closed again (so {@code ./noodle models} and the nodes' hash cache can use it meanwhile); hashing
 * and scans never run on the UI thread. Results reach the observable state through the UI executor. Properties and
 * lists: UI thread only.
 */
public final class ModelLibraryViewModel {
    private final GraphEditorViewModel editor;
    private final Path root;
    private final Executor background;
    private final Executor ui;
    private final ObservableList<ModelEntry> entries = FXCollections.observableArrayList();
    private final FilteredList<ModelEntry> shown = new FilteredList<>(entries, e -> true);
    private final ObjectProperty<BaseModel> baseFilter = new SimpleObjectProperty<>(this, "baseFilter");
    private final ObjectProperty<ModelType> typeFilter = new SimpleObjectProperty<>(this, "typeFilter");
    private final StringProperty search = new SimpleStringProperty(this, "search", "");
    private final BooleanProperty busy = new SimpleBooleanProperty(this, "busy");
    private final StringProperty status = new SimpleStringProperty(this, "status", "");
    private final ObservableMap<String, ModelMismatch.Finding> warnings = FXCollections.observableHashMap();
    /** Base models told from files the library does not record yet (header only), by file. */
    private final Map<Path, BaseModel> identified = new ConcurrentHashMap<>();
    private final Map<Path, Boolean> identifying = new ConcurrentHashMap<>();
    private int running;
    private java.util.function.Supplier<dev.noodle.nodes.library.ModelDownloads> downloads =
            () -> new dev.noodle.nodes.library.ModelDownloads(
                    dev.noodle.nodes.library.DownloadSettings.fromEnvironment());

    /**
     * @param editor the graph editor whose workflow the warnings and "used in" follow
     * @param modelsRoot the models folder
     * @param background where the database is read and files hashed (never the UI thread)
     * @param ui the UI thread ({@code Platform::runLater})
     */
    public ModelLibraryViewModel(GraphEditorViewModel editor, Path modelsRoot, Executor background, Executor ui) {
        this.editor = editor;
        this.root = modelsRoot.toAbsolutePath().normalize();
        this.background = background;
        this.ui = ui;
        baseFilter.addListener((o, a, b) -> refilter());
        typeFilter.addListener((o, a, b) -> refilter());
        search.addListener((o, a, b) -> refilter());
        editor.levelProperty().addListener((o, a, b) -> recheck());
    }

    /** The library's files after the filters, sorted by path. */
    public ObservableList<ModelEntry> shown() {
        return shown;
    }

    /** Every recorded file. */
    public ObservableList<ModelEntry> entries() {
        return entries;
    }

    /** Only files shown under this base model (Pony under SDXL), or all when null. */
    public ObjectProperty<BaseModel> baseFilterProperty() {
        return baseFilter;
    }

    /** Only files of this kind (LyCORIS under LoRA), or all when null. */
    public ObjectProperty<ModelType> typeFilterProperty() {
        return typeFilter;
    }

    /** Words every shown file must match (name, title, trigger words, notes, source, hash prefix). */
    public StringProperty searchProperty() {
        return search;
    }

    /** True while the library is read, a scan runs or a file is filed. */
    public ReadOnlyBooleanProperty busyProperty() {
        return busy;
    }

    /** What the panel last did, in one line ("Scanning models…", "3 files added …"). */
    public ReadOnlyStringProperty statusProperty() {
        return status;
    }

    /** The base-model findings of the nodes at the shown graph level, by node id. */
    public ObservableMap<String, ModelMismatch.Finding> warnings() {
        return warnings;
    }

    /** The models folder. */
    public Path root() {
        return root;
    }

    /** The preview image of {@code e}, when the library knows one and it is there. */
    public Optional<Path> preview(ModelEntry e) {
        if (e.previewPath().isEmpty()) {
            return Optional.empty();
        }
        Path p = root.resolve(e.previewPath()).normalize();
        return p.startsWith(root) && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Reads the library's records again. */
    public CompletableFuture<Void> refresh() {
        return run("Reading the model library…", lib -> {
            List<ModelEntry> all = lib.list(null, null);
            return all.size() + (all.size() == 1 ? " model" : " models") + " in the library";
        });
    }

    /** Records the files in the models folders the library does not know yet (hashing new ones), then re-reads. */
    public CompletableFuture<Void> scan() {
        return run("Scanning " + root + " (new files are hashed; this can take a while)…", lib -> {
            ModelLibrary.ScanReport r = lib.scan();
            return "Scanned: " + r.added() + " added, " + r.updated() + " updated, " + r.removed() + " removed"
                    + (r.problems().isEmpty() ? "" : "; " + r.problems().size() + " not filed: "
                    + r.problems().get(0) + (r.problems().size() > 1 ? " …" : ""));
        });
    }

    /**
     * Files a copy of {@code file} in its kind's folder (the file itself is left where it is) and says what was done,
     * or why not, in the panel and the status bar. The future completes with that line once the list shows it.
     */
    public CompletableFuture<String> install(Path file) {
        CompletableFuture<String> said = new CompletableFuture<>();
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        run("Filing " + name + " (identifying and hashing)…", lib -> {
            String line;
            try {
                InstallResult r = lib.install(file, SourceInfo.none(), false);
                line = r.summary();
            } catch (LibraryException e) {
                line = "Could not file " + name + ": " + e.getMessage();
            } catch (RuntimeException e) { // an unexpected failure still names the file, in one line
                line = "Could not file " + name + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            return line;
        }).whenComplete((v, e) -> said.complete(status.get()));
        return said;
    }

    /** Where links are downloaded from (the sites, tokens and proxy of the environment by default). */
    public void setDownloads(java.util.function.Supplier<dev.noodle.nodes.library.ModelDownloads> downloads) {
        this.downloads = java.util.Objects.requireNonNull(downloads, "downloads");
    }

    /**
     * Downloads the model a link names (Civitai model or download page, Hugging Face file, any http(s) address) with
     * its progress in the panel's status line, then files it as {@link #install} does; the library is opened only
     * once the download is complete. The future completes with what was done, or why not, in one line.
     */
    public CompletableFuture<String> installLink(String link) {
        CompletableFuture<String> said = new CompletableFuture<>();
        String url = link == null ? "" : link.strip();
        running++;
        busy.set(true);
        status.set("Downloading " + url + "…");
        CompletableFuture.runAsync(() -> {
            String line;
            try {
                int[] shown = {-1};
                dev.noodle.nodes.library.DownloadedModel d = downloads.get().download(url,
                        dev.noodle.nodes.library.LinkInstaller.downloadsFolder(root),
                        new dev.noodle.nodes.library.DownloadProgress() {
                            @Override
                            public void update(long done, long total) {
                                int pct = total > 0 ? (int) (done * 100 / total) : -1;
                                if (pct != shown[0] || total <= 0) {
                                    shown[0] = pct;
                                    String text = "Downloading " + url + ": " + (total > 0 ? pct + "% of "
                                            + megabytes(total) : megabytes(done) + " so far");
                                    ui.execute(() -> status.set(text));
                                }
                            }

                            @Override
                            public void note(String note) {
                                ui.execute(() -> status.set(note));
                            }
                        });
                try (ModelLibrary lib = ModelLibrary.open(root)) {
                    line = dev.noodle.nodes.library.LinkInstaller.file(lib, d).summary();
                }
            } catch (java.io.IOException | LibraryException e) {
                line = "Could not add " + url + ": " + e.getMessage();
            } catch (RuntimeException e) {
                line = "Could not add " + url + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            String result = line;
            ui.execute(() -> {
                running--; // the re-read below keeps the panel busy until the list shows the new file
                refresh().whenComplete((v, e) -> {
                    status.set(result);
                    said.complete(result);
                });
            });
        }, background);
        return said;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private CompletableFuture<Void> run(String doing, Function<ModelLibrary, String> action) {
        running++;
        busy.set(true);
        status.set(doing);
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            String line;
            List<ModelEntry> all = null;
            try (ModelLibrary lib = ModelLibrary.open(root)) {
                line = action.apply(lib);
                all = lib.list(null, null);
            } catch (LibraryException e) {
                line = e.getMessage();
            } catch (RuntimeException e) {
                line = "The model library failed: " + e;
            }
            String said = line;
            List<ModelEntry> read = all;
            ui.execute(() -> {
                if (read != null) {
                    entries.setAll(read);
                }
                identified.clear();
                status.set(said);
                if (--running == 0) {
                    busy.set(false);
                }
                recheck();
                done.complete(null);
            });
        }, background);
        return done;
    }

    private void refilter() {
        BaseModel base = baseFilter.get();
        ModelType type = typeFilter.get();
        String[] words = search.get() == null ? new String[0]
                : search.get().toLowerCase(Locale.ROOT).strip().split("\\s+");
        shown.setPredicate(e -> (base == null || e.base().shownUnder(base))
                && (type == null || e.type().shownUnder(type)) && matches(e, words));
    }

    private static boolean matches(ModelEntry e, String[] words) {
        String text = String.join("\n", e.path(), e.title(), String.join(" ", e.triggerWords()), e.notes(),
                e.sourceUrl(), e.pageUrl(), e.describe()).toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (!w.isEmpty() && !text.contains(w) && !e.sha256().startsWith(w)) {
                return false;
            }
        }
        return true;
    }

    /** The nodes at the top level of the open workflow that load {@code e}: "4 LoraLoader". */
    public List<String> usedIn(ModelEntry e) {
        List<String> out = new ArrayList<>();
        Workflow wf = editor.workflow();
        if (wf == null) {
            return out;
        }
        for (NodeInstance n : wf.nodes().values()) {
            for (Map.Entry<ModelKind, String> f : ModelMismatch.files(n).values()) {
                if (candidates(f.getKey(), f.getValue()).contains(e.path())) {
                    out.add("node " + n.id() + " (" + editor.schema(n.type()).map(s -> s.displayName())
                            .orElse(n.type()) + ")");
                }
            }
        }
        return out;
    }

    private static String pathOf(ModelKind kind, String name) {
        return kind.folder() + "/" + name.replace('\\', '/');
    }

    /** The paths a name may mean: itself, and for embeddings written without an ending, with each ending. */
    private static List<String> candidates(ModelKind kind, String name) {
        List<String> out = new ArrayList<>(List.of(pathOf(kind, name)));
        if (kind == ModelKind.EMBEDDINGS) {
            kind.extensions().forEach(ext -> out.add(pathOf(kind, name + ext)));
        }
        return out;
    }

    /** Recomputes the warnings of the shown level; files not known yet are identified in the background first. */
    public void recheck() {
        Workflow level = editor.level();
        if (level == null) {
            warnings.clear();
            return;
        }
        Map<String, ModelEntry> byPath = new HashMap<>();
        entries.forEach(e -> byPath.put(e.path(), e));
        Map<String, ModelMismatch.Finding> found = ModelMismatch.check(level, (kind, name) -> {
            for (String candidate : candidates(kind, name)) {
                ModelEntry e = byPath.get(candidate);
                if (e != null) {
                    return Optional.of(e.base());
                }
            }
            Path file = null;
            for (String candidate : candidates(kind, name)) {
                Path p = root.resolve(candidate).normalize();
                if (file == null || Files.isRegularFile(p)) {
                    file = p;
                    if (Files.isRegularFile(p)) {
                        break;
                    }
                }
            }
            if (!file.startsWith(root)) {
                return Optional.empty();
            }
            BaseModel b = identified.get(file);
            if (b == null && dev.noodle.nodes.host.DemoAddons.isDemo(kind, name) && !Files.exists(file)) {
                return Optional.of(BaseModel.SD1); // the demo files, listed before their first use generates them
            }
            if (b == null) {
                identifyLater(file);
                return Optional.empty();
            }
            return Optional.of(b);
        });
        warnings.keySet().retainAll(found.keySet());
        warnings.putAll(found);
    }

    private void identifyLater(Path file) {
        if (identifying.putIfAbsent(file, Boolean.TRUE) != null) {
            return;
        }
        CompletableFuture.runAsync(() -> {
            BaseModel base = BaseModel.UNKNOWN;
            if (Files.isRegularFile(file)) {
                try {
                    IdentifyResult r = ModelIdentifier.identify(file);
                    if (r instanceof Identification id) {
                        base = id.base();
                    }
                } catch (RuntimeException e) {
                    base = BaseModel.UNKNOWN; // unreadable: no warning rather than a wrong one
                }
            }
            BaseModel told = base;
            ui.execute(() -> {
                identified.put(file, told);
                identifying.remove(file);
                recheck();
            });
        }, background);
    }
}
