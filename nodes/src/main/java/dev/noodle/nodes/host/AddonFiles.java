package dev.noodle.nodes.host;

import dev.noodle.nodes.loaders.LoaderNodes;
import dev.noodle.nodes.loaders.VaeFileKeys;

import ai.djl.ndarray.NDManager;
import dev.noodle.engine.adapters.EmbeddingLibrary;
import dev.noodle.engine.adapters.Hypernetwork;
import dev.noodle.engine.adapters.Lora;
import dev.noodle.engine.control.ControlModel;
import dev.noodle.engine.control.ControlModels;
import dev.noodle.engine.gligen.GligenModel;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.model.ModelManager;
import dev.noodle.engine.text.EmbeddingLookup;
import dev.noodle.engine.vae.AutoencoderKL;
import dev.noodle.engine.vision.ClipVisionModel;
import dev.noodle.engine.vision.StyleAdapter;
import dev.noodle.nodes.values.SharedRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The add-on files nodes use (LoRAs, hypernetworks, VAE files, GLIGEN models, embeddings), each parsed once and
 * cached by path, size and modified time: a file changed on disk is read again. LoRAs and hypernetworks stay cached
 * until {@link #close()}; the weights of a VAE or GLIGEN file are freed when the last value using them is released.
 * Thread-safe.
 */
public final class AddonFiles implements AutoCloseable, EmbeddingLookupFactory {
    private final ModelFolders folders;
    private final ModelManager models;
    private final Map<String, Lora> loras = new HashMap<>();
    private final Map<String, Hypernetwork> hypernetworks = new HashMap<>();
    private final Map<String, VaeEntry> vaes = new HashMap<>();
    private final LeasedCache<dev.noodle.engine.ipadapter.IpAdapterModel> ipAdapters = new LeasedCache<>();
    private final Map<Integer, Library> embeddings = new HashMap<>();
    private final LeasedCache<ControlModel> controls = new LeasedCache<>();
    private final LeasedCache<ClipVisionModel> clipVisions = new LeasedCache<>();
    private final LeasedCache<StyleAdapter> styleModels = new LeasedCache<>();
    private final LeasedCache<GligenModel> gligens = new LeasedCache<>();
    private final LeasedCache<dev.noodle.engine.upscale.UpscaleNet> upscalers = new LeasedCache<>();
    private int fileReads;

    private record Library(String fingerprint, EmbeddingLibrary library) {}

    private static final class VaeEntry {
        final AutoencoderKL vae;
        final NDManager owner;
        int leases;

        VaeEntry(AutoencoderKL vae, NDManager owner) {
            this.vae = vae;
            this.owner = owner;
        }
    }

    public AddonFiles(ModelFolders folders, ModelManager models) {
        this.folders = folders;
        this.models = models;
    }

    /** How many add-on files were parsed so far (a cache hit reads nothing). */
    public synchronized int fileReads() {
        return fileReads;
    }

    static String key(Path file) {
        try {
            return file.toRealPath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** The parsed LoRA in {@code file} (cached). */
    public synchronized Lora lora(Path file) {
        String k = key(file);
        Lora l = loras.get(k);
        if (l == null) {
            dropStale(loras, file);
            l = Lora.load(file);
            fileReads++;
            loras.put(k, l);
        }
        return l;
    }

    /** The hypernetwork in {@code file} (cached, weights on the CPU in float32). */
    public synchronized Hypernetwork hypernetwork(Path file) {
        String k = key(file);
        Hypernetwork h = hypernetworks.get(k);
        if (h == null) {
            dropStale(hypernetworks, file);
            h = Hypernetwork.load(file);
            fileReads++;
            hypernetworks.put(k, h);
        }
        return h;
    }

    private static <T extends AutoCloseable> void dropStale(Map<String, T> cache, Path file) {
        String prefix;
        try {
            prefix = file.toRealPath() + "|";
        } catch (IOException e) {
            return;
        }
        for (Iterator<Map.Entry<String, T>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, T> e = it.next();
            if (e.getKey().startsWith(prefix)) {
                try {
                    e.getValue().close();
                } catch (Exception ignored) {
                    // a stale file handle
                }
                it.remove();
            }
        }
    }

    /** A loaded IP-Adapter and the reference that keeps it loaded; release the reference when done. */
    public record IpAdapterLease(dev.noodle.engine.ipadapter.IpAdapterModel model, SharedRef ref) {}

    /**
     * The IP-Adapter in {@code file} (safetensors or the .bin pickle), on the CPU in float32; read once and shared
     * until the last lease is released.
     */
    public IpAdapterLease ipAdapter(Path file) {
        LeasedCache.Lease<dev.noodle.engine.ipadapter.IpAdapterModel> l = ipAdapters.lease(file,
                dev.noodle.engine.ipadapter.IpAdapterFiles::load,
                dev.noodle.engine.ipadapter.IpAdapterModel::sizeBytes, this::countRead);
        return new IpAdapterLease(l.value(), l.ref());
    }

    /** A loaded VAE and the reference that keeps it loaded; release the reference when done. */
    public record VaeLease(AutoencoderKL vae, SharedRef ref) {}

    /**
     * The VAE in a standalone file (safetensors or .ckpt, with or without the {@code first_stage_model.} prefix),
     * bound on the engine's device with latent scale 1 (raw latents, as checkpoint VAEs in Noodle's nodes).
     */
    public synchronized VaeLease vae(Path file) {
        String k = key(file);
        VaeEntry e = vaes.get(k);
        if (e == null) {
            NDManager owner = NDManager.newBaseManager(models.target().device());
            try (ModelFile src = ModelFiles.open(file)) {
                e = new VaeEntry(AutoencoderKL.load(VaeFileKeys.vaeOnly(src), 1f, owner, models.target().options()),
                        owner);
            } catch (RuntimeException ex) {
                owner.close();
                throw ex;
            }
            fileReads++;
            vaes.put(k, e);
        }
        e.leases++;
        VaeEntry entry = e;
        return new VaeLease(e.vae, SharedRef.of(() -> releaseVae(k, entry), 0));
    }

    /** A loaded CLIP image tower or style model and the reference that keeps it loaded. */
    public record VisionLease<T>(T model, SharedRef ref) {}

    /** The CLIP image tower in a clip_vision file (shared while values hold it, fp32 on the engine's device). */
    public VisionLease<ClipVisionModel> clipVision(Path file) {
        LeasedCache.Lease<ClipVisionModel> l = clipVisions.lease(file, p -> {
            try (ModelFile src = ModelFiles.open(p)) {
                return ClipVisionModel.load(src, p.getFileName().toString(), models.target().device());
            }
        }, ClipVisionModel::sizeBytes, this::countRead);
        return new VisionLease<>(l.value(), l.ref());
    }

    /** The style adapter in a style_models file (shared while values hold it, fp32 on the CPU). */
    public VisionLease<StyleAdapter> styleModel(Path file) {
        LeasedCache.Lease<StyleAdapter> l = styleModels.lease(file, p -> {
            try (ModelFile src = ModelFiles.open(p)) {
                return StyleAdapter.load(src, p.getFileName().toString());
            }
        }, StyleAdapter::sizeBytes, this::countRead);
        return new VisionLease<>(l.value(), l.ref());
    }

    private synchronized void countRead() {
        fileReads++;
    }

    private synchronized void releaseVae(String k, VaeEntry e) {
        if (--e.leases == 0 && vaes.get(k) == e) {
            vaes.remove(k);
            e.vae.close();
            e.owner.close();
        }
    }

    /** A loaded control model and the reference that keeps it loaded; release the reference when done. */
    public record ControlLease(ControlModel model, SharedRef ref) {}

    /**
     * The control model in a file (any format {@link ControlModels} reads), loaded once on the engine's device and
     * shared by every value using it; its weights are freed when the last such value is released.
     */
    public ControlLease controlNet(Path file) {
        LeasedCache.Lease<ControlModel> l = controls.lease(file,
                p -> ControlModels.load(p, ControlModels.Request.of(models.target())), ControlModel::sizeBytes,
                this::countRead);
        return new ControlLease(l.value(), l.ref());
    }

    /** A loaded GLIGEN model and the reference that keeps it loaded; release the reference when done. */
    public record GligenLease(GligenModel model, SharedRef ref) {}

    /**
     * The GLIGEN text-box model in {@code file}, bound strictly on the engine's device in float32; shared by every
     * value loaded from the same unchanged file and freed when the last is released.
     */
    public GligenLease gligen(Path file) {
        LeasedCache.Lease<GligenModel> l = gligens.lease(file, p -> {
            try (ModelFile src = ModelFiles.open(p)) {
                return GligenModel.load(src, models.target().device());
            }
        }, GligenModel::sizeBytes, this::countRead);
        return new GligenLease(l.value(), l.ref());
    }

    /** A loaded upscale model and the reference that keeps it loaded; release the reference when done. */
    public record UpscaleLease(dev.noodle.engine.upscale.UpscaleNet net, ai.djl.Device device, SharedRef ref) {}

    /**
     * The upscale model in {@code file} (any architecture {@link dev.noodle.engine.upscale.UpscaleModels} reads),
     * float32 on the engine's device; shared by every value loaded from the same unchanged file and freed when the
     * last is released.
     */
    public UpscaleLease upscaleModel(Path file) {
        ai.djl.Device device = models.target().device();
        LeasedCache.Lease<dev.noodle.engine.upscale.UpscaleNet> l = upscalers.lease(file,
                p -> dev.noodle.engine.upscale.UpscaleModels.load(p, device),
                dev.noodle.engine.upscale.UpscaleNet::sizeBytes, this::countRead);
        return new UpscaleLease(l.value(), device, l.ref());
    }

    /** The engine's device, dtype and kernels (for control models loaded per model, as difference ControlNets). */
    public dev.noodle.engine.runtime.Devices.Target target() {
        return models.target();
    }

    @Override
    public EmbeddingLookup forClip(dev.noodle.nodes.values.ClipValue clip, dev.noodle.graph.node.NodeContext ctx) {
        int width = clip.clip().config().width();
        if (width == dev.noodle.engine.model.DemoCheckpoint.clipConfig().width()) {
            try { // the demo CLIP's example embedding, generated on first use like the demo checkpoint
                DemoAddons.ensureEmbedding(folders.folder(ModelKind.EMBEDDINGS).resolve(DemoAddons.EMBEDDING));
            } catch (IOException e) {
                ctx.message(dev.noodle.graph.node.MessageLevel.WARNING, "could not write the demo embedding: "
                        + e.getMessage());
            }
        }
        return embeddings(width);
    }

    /** The embeddings of {@code models/embeddings} for a text encoder of this width (rescanned when files change). */
    public synchronized EmbeddingLibrary embeddings(int width) {
        StringBuilder fp = new StringBuilder();
        for (String name : folders.list(ModelKind.EMBEDDINGS)) {
            Path p;
            try {
                p = folders.resolve(ModelKind.EMBEDDINGS, name);
            } catch (IllegalArgumentException removedMeanwhile) {
                continue;
            }
            fp.append(name).append(':').append(LoaderNodes.fileFingerprint(p).orElse("")).append(';');
        }
        Library lib = embeddings.get(width);
        if (lib == null || !lib.fingerprint().equals(fp.toString())) {
            lib = new Library(fp.toString(), EmbeddingLibrary.scan(folders.folders(ModelKind.EMBEDDINGS), width));
            embeddings.put(width, lib);
        }
        return lib.library();
    }

    private final LeasedCache<dev.noodle.engine.vae.TinyAutoencoder> taesds = new LeasedCache<>();
    /** Preview decoders by file key, kept until {@link #close()}; replaced ones wait there too (a run may use one). */
    private final Map<String, dev.noodle.engine.vae.TinyAutoencoder> previewDecoders = new HashMap<>();
    private final java.util.List<dev.noodle.engine.vae.TinyAutoencoder> retiredPreviewDecoders =
            new java.util.ArrayList<>();

    /** A loaded TAESD and the reference that keeps it loaded; release the reference when done. */
    public record TaesdLease(dev.noodle.engine.vae.TinyAutoencoder vae, SharedRef ref) {}

    /**
     * TAESD from its encoder and decoder files (models/vae_approx), float32 on the engine's device; read once and
     * shared by every value using the same unchanged pair, freed when the last is released.
     */
    public TaesdLease taesd(dev.noodle.engine.vae.TinyAutoencoder.Variant variant, Path encoder, Path decoder) {
        LeasedCache.Lease<dev.noodle.engine.vae.TinyAutoencoder> l = taesds.lease(key(encoder) + "&" + key(decoder),
                () -> loadTaesd(variant, encoder, decoder), dev.noodle.engine.vae.TinyAutoencoder::sizeBytes,
                this::countRead);
        return new TaesdLease(l.value(), l.ref());
    }

    /**
     * The TAESD decoder in {@code decoder} for live previews: loaded on first use and kept (about 5 MB) until this
     * closes; a file changed on disk is read again.
     */
    public synchronized dev.noodle.engine.vae.TinyAutoencoder previewDecoder(
            dev.noodle.engine.vae.TinyAutoencoder.Variant variant, Path decoder) {
        String k = variant + "|" + key(decoder);
        dev.noodle.engine.vae.TinyAutoencoder t = previewDecoders.get(k);
        if (t == null) {
            String prefix = variant + "|";
            for (Iterator<Map.Entry<String, dev.noodle.engine.vae.TinyAutoencoder>> it =
                    previewDecoders.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, dev.noodle.engine.vae.TinyAutoencoder> e = it.next();
                if (e.getKey().startsWith(prefix)) {
                    retiredPreviewDecoders.add(e.getValue());
                    it.remove();
                }
            }
            t = loadTaesd(variant, null, decoder);
            fileReads++;
            previewDecoders.put(k, t);
        }
        return t;
    }

    private dev.noodle.engine.vae.TinyAutoencoder loadTaesd(dev.noodle.engine.vae.TinyAutoencoder.Variant variant,
            Path encoder, Path decoder) {
        try (ModelFile enc = encoder == null ? null : ModelFiles.open(encoder);
                ModelFile dec = decoder == null ? null : ModelFiles.open(decoder)) {
            return dev.noodle.engine.vae.TinyAutoencoder.load(enc, dec, variant.scale(), variant.id(),
                    models.target().device(), models.target().options());
        }
    }

    @Override
    public synchronized void close() {
        loras.values().forEach(Lora::close);
        loras.clear();
        hypernetworks.values().forEach(Hypernetwork::close);
        hypernetworks.clear();
        for (VaeEntry e : vaes.values()) {
            e.vae.close();
            e.owner.close();
        }
        vaes.clear();
        controls.clear();
        ipAdapters.clear();
        clipVisions.clear();
        styleModels.clear();
        gligens.clear();
        taesds.clear();
        previewDecoders.values().forEach(dev.noodle.engine.vae.TinyAutoencoder::close);
        previewDecoders.clear();
        retiredPreviewDecoders.forEach(dev.noodle.engine.vae.TinyAutoencoder::close);
        retiredPreviewDecoders.clear();
        upscalers.clear();
    }
}
