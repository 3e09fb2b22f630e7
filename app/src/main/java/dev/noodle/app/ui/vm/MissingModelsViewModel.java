package dev.noodle.app.ui.vm;

import dev.noodle.graph.model.Workflow;
import dev.noodle.nodes.host.ModelFolders;
import dev.noodle.nodes.interop.ModelHashCache;
import dev.noodle.nodes.library.DownloadProgress;
import dev.noodle.nodes.library.DownloadSettings;
import dev.noodle.nodes.library.LibraryException;
import dev.noodle.nodes.library.LinkInstaller;
import dev.noodle.nodes.library.ModelDownloads;
import dev.noodle.nodes.library.ModelLibrary;
import dev.noodle.nodes.library.WorkflowModels;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * What the editor says about a workflow's recorded models when it opens one (see {@link WorkflowModels}): the models
 * found by hash under other names (the workflow already changed to them), files with the right name but another hash,
 * and one row per missing model with its name, SHA-256 and source, and a fetch action where the source URL is known.
 * A fetch downloads and files the model, then resolves the workflow again. Not thread-safe: use from one thread (the
 * fetch itself may run on a worker, its result applied on the UI thread).
 */
public final class MissingModelsViewModel {
    /** Downloads a model from {@code url} into the models folders (the library's link installer in the editor). */
    @FunctionalInterface
    public interface Fetcher {
        void fetch(String url, DownloadProgress progress) throws IOException;
    }

    /**
     * One missing model as the editor lists it.
     *
     * @param text "loras/x.safetensors (sha256 …, source …)"
     * @param hint how to get it
     * @param url the source URL, or "" when none is known (no fetch action)
     */
    public record Row(String text, String hint, String url) {
        /** Whether the row has a fetch action. */
        public boolean canFetch() {
            return !url.isEmpty();
        }
    }

    private final ModelFolders folders;
    private final ModelHashCache hashes;
    private final Fetcher fetcher;
    private WorkflowModels.Resolution last;

    /** A view model resolving over {@code folders}, fetching with {@code fetcher}. */
    public MissingModelsViewModel(ModelFolders folders, ModelHashCache hashes, Fetcher fetcher) {
        this.folders = Objects.requireNonNull(folders, "folders");
        this.hashes = Objects.requireNonNull(hashes, "hashes");
        this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    }

    /** The production fetcher: download the link with the library's downloader and file it in its folder. */
    public static Fetcher linkInstaller(ModelFolders folders) {
        return (url, progress) -> {
            try (ModelLibrary lib = ModelLibrary.open(folders.root())) {
                LinkInstaller.install(new ModelDownloads(DownloadSettings.fromEnvironment()), lib, url, progress);
            } catch (LibraryException e) {
                throw new IOException(e.getMessage(), e);
            }
        };
    }

    /** The model files {@code wf} uses now, with their hashes and the sources the library (or the workflow) knows. */
    private List<WorkflowModels.ModelRef> used(Workflow wf) {
        return WorkflowModels.collect(wf, folders, hashes, WorkflowModels.libraryUrls(folders.root(), hashes));
    }

    /** {@code wf} with the model files it uses recorded, for a save in Noodle's JSON. */
    public Workflow recordModels(Workflow wf) {
        return WorkflowModels.withRecorded(wf, used(wf));
    }

    /** A ComfyUI UI workflow export of {@code wf} with the model files it uses in ComfyUI's {@code models} list. */
    public String recordModels(Workflow wf, String uiJson) {
        return WorkflowModels.record(uiJson, used(wf));
    }

    /** Resolves a workflow just opened; returns the workflow to show (models found by hash renamed to local files). */
    public Workflow check(Workflow wf) {
        last = WorkflowModels.resolve(wf, folders, hashes);
        return last.workflow();
    }

    /** Lines for the status bar and the dialog: models found under other names, and files with another hash. */
    public List<String> messages() {
        if (last == null) {
            return List.of();
        }
        return java.util.stream.Stream.concat(last.notices().stream(),
                last.warnings().stream().map(w -> "Warning: " + w)).toList();
    }

    /** The models the last check found nowhere. */
    public List<Row> missing() {
        if (last == null) {
            return List.of();
        }
        return last.missing().stream().map(m -> new Row(m.describe(), m.hint(), m.ref().url())).toList();
    }

    /** Whether the last check has anything to say. */
    public boolean hasProblems() {
        return !missing().isEmpty() || !messages().isEmpty();
    }

    /**
     * Fetches one missing model from its source, then resolves {@code current} again (the fetched file may have
     * another name: it is found by hash); returns the workflow to show.
     *
     * @throws IOException with one line naming the model and what went wrong; the rows are unchanged then
     */
    public Workflow fetch(Row row, Workflow current, DownloadProgress progress) throws IOException {
        if (!row.canFetch()) {
            throw new IOException(row.text() + ": no source is recorded; " + row.hint());
        }
        try {
            fetcher.fetch(row.url(), progress);
        } catch (IOException e) {
            throw new IOException("could not fetch " + row.text() + ": " + e.getMessage(), e);
        }
        return check(current);
    }
}
