package dev.noodle.nodes.library;

import dev.noodle.engine.io.ModelFiles;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.SafetensorsHeader;
import dev.noodle.engine.io.TensorInfo;
import dev.noodle.engine.io.pickle.PickleCheckpoint;
import dev.noodle.engine.io.pickle.PickleTensor;
import dev.noodle.engine.io.pickle.Py;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Tells what a model file is and which base model it was made for, from the file itself: a safetensors header (key
 * names, dtypes, shapes and {@code __metadata__}; tensor data is never read) or a PyTorch zip checkpoint read by the
 * restricted unpickler (nothing in it is executed). Declared metadata ({@code modelspec.architecture},
 * {@code ss_base_model_version}, {@code ss_v2}) names the base where the tensors cannot (a VAE, a tiny LoRA); where
 * both speak and disagree the tensors win and a warning says so. Pony is told from a title, tag or training base
 * name that says so, on an SDXL-shaped file. Any failure — unreadable, truncated, hostile, unknown — is an
 * {@link Unidentified} with one line naming the file, never an exception. Stateless and thread-safe.
 */
public final class ModelIdentifier {
    /** Largest safetensors header read for identification (the format's own limit). */
    static final long MAX_HEADER = SafetensorsHeader.MAX_HEADER_SIZE;
    private static final int MAX_PICKLE_DEPTH = 8;
    private static final int MAX_PICKLE_TENSORS = 200_000;

    private ModelIdentifier() {}

    /** Identifies {@code file}; never throws for bad input. */
    public static IdentifyResult identify(Path file) {
        try {
            return identifyOrThrow(file);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return new Unidentified(file + " cannot be identified: " + firstLine(e));
        }
    }

    /**
     * As {@link #identify}, but a failure other than the expected refusals of a bad file (an unreadable file, a
     * {@link ModelFormatException}) propagates: what the fuzz targets look for.
     */
    static IdentifyResult identifyOrThrow(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return new Unidentified(file + " does not exist or is not a file");
            }
            long size = Files.size(file);
            if (size < 8) {
                return new Unidentified(file + " is " + size + " bytes, too small to be a model (empty or"
                        + " truncated download?)");
            }
            String name = file.getFileName().toString();
            return switch (ModelFiles.detect(file)) {
                case SAFETENSORS -> fromSafetensors(readHeader(file, size), file.toString(), name);
                case PYTORCH_ZIP -> fromPickle(file, name);
                case PYTORCH_LEGACY -> new Unidentified(file + " uses PyTorch's legacy (pre-1.6) format, which Noodle"
                        + " does not read; get the .safetensors version");
                case GGUF -> new Unidentified(file + " is a GGUF file, which Noodle does not read; get the"
                        + " .safetensors version");
                case UNKNOWN -> new Unidentified(file + " is neither safetensors nor a PyTorch checkpoint (a web"
                        + " page or an archive saved under a model's name?); download it again");
            };
        } catch (ModelFormatException e) {
            return new Unidentified(firstLine(e));
        } catch (IOException e) {
            return new Unidentified(file + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * Identifies a whole safetensors file held in memory (tests and fuzzing); never throws for bad input.
     *
     * @param name the file name (TAESD variants are told by it) and what messages call the file
     */
    public static IdentifyResult identifySafetensors(byte[] file, String name) {
        try {
            return identifySafetensorsOrThrow(file, name);
        } catch (RuntimeException | StackOverflowError e) {
            return new Unidentified(name + " cannot be identified: " + firstLine(e));
        }
    }

    /** As {@link #identifySafetensors}, letting unexpected failures propagate (fuzzing). */
    static IdentifyResult identifySafetensorsOrThrow(byte[] file, String name) {
        try {
            return fromSafetensors(SafetensorsHeader.parseFile(file, name), name, name);
        } catch (ModelFormatException e) {
            return new Unidentified(firstLine(e));
        }
    }

    private static SafetensorsHeader readHeader(Path file, long size) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] prefix = in.readNBytes(8);
            long n = SafetensorsHeader.headerLength(prefix, size, file.toString());
            byte[] json = in.readNBytes((int) n);
            if (json.length != n) {
                throw new IOException("the file ended inside its " + n + "-byte header");
            }
            return SafetensorsHeader.parse(json, size, file.toString());
        }
    }

    private static IdentifyResult fromSafetensors(SafetensorsHeader header, String where, String name) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry e : header.tensors()) {
            infos.put(e.info().name(), e.info());
        }
        return classify(new TensorTable(infos, where), header.metadata(), name);
    }

    private static IdentifyResult fromPickle(Path file, String name) {
        try (PickleCheckpoint pk = PickleCheckpoint.open(file)) {
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            flatten(pk.root(), "", 0, infos);
            Object root = pk.root();
            if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> sd && !sd.isEmpty()) {
                infos.clear();
                flatten(sd, "", 0, infos); // Lightning checkpoints: the weights are the state dict
            }
            return classify(new TensorTable(infos, file.toString()), Map.of(), name);
        }
    }

    // The tensors of a pickle's tree by dotted path (dict keys, list indices; nn.ParameterDict's _parameters is
    // looked through), as a state dict would name them.
    private static void flatten(Object node, String prefix, int depth, Map<String, TensorInfo> out) {
        if (depth > MAX_PICKLE_DEPTH || out.size() > MAX_PICKLE_TENSORS) {
            return;
        }
        if (node instanceof PickleTensor t) {
            String key = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
            out.put(key, new TensorInfo(key, t.dtype(), t.shape()));
        } else if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object k = e.getKey();
                if (k instanceof String || k instanceof Number) {
                    String part = String.valueOf(k);
                    flatten(e.getValue(), part.equals("_parameters") ? prefix : prefix + part + ".", depth + 1, out);
                }
            }
        } else if (node instanceof List<?> || node instanceof Py.Tuple) {
            List<?> items = node instanceof List<?> l ? l : ((Py.Tuple) node).items();
            for (int i = 0; i < items.size(); i++) {
                flatten(items.get(i), prefix + i + ".", depth + 1, out);
            }
        } else if (node instanceof Py.Instance inst && inst.state() != null) {
            flatten(inst.state(), prefix, depth + 1, out);
        }
    }

    /**
     * Identifies tensors already listed (the pure core: no I/O).
     *
     * @param src names and shapes
     * @param metadata safetensors {@code __metadata__}, or empty
     * @param fileName the file's name
     */
    static IdentifyResult classify(TensorTable src, Map<String, String> metadata, String fileName) {
        KindRules.Found found;
        try {
            found = KindRules.classify(src, fileName);
        } catch (ModelFormatException e) {
            return new Unidentified(firstLine(e));
        }
        List<String> warnings = new ArrayList<>();
        BaseModel base = found.base();
        String evidence = found.evidence();
        String variant = found.variant();
        Optional<Declared> declared = declared(metadata);
        if (declared.isPresent() && declared.get().base == null) {
            String kind = found.type().displayName();
            return new Unidentified(src.describe() + " is " + ("aeiouAEIOU".indexOf(kind.charAt(0)) >= 0 ? "an " : "a ")
                    + kind + " for "
                    + declared.get().label + " (" + declared.get().source + "), which Noodle does not run");
        }
        if (declared.isPresent()) {
            Declared d = declared.get();
            if (base == BaseModel.UNKNOWN) {
                base = d.base;
                evidence = d.source;
            } else if (base != d.base) {
                warnings.add("the metadata says " + d.base.displayName() + " (" + d.source + ") but the tensors are "
                        + base.displayName() + "'s (" + evidence + "); going by the tensors");
            }
            if (d.vPrediction && base == BaseModel.SD2 && !variant.contains("v-prediction")) {
                variant = variant.isEmpty() ? "v-prediction" : variant + ", v-prediction";
            }
        }
        if (base == BaseModel.SDXL || (base == BaseModel.UNKNOWN && found.type() != ModelType.UPSCALER
                && found.type() != ModelType.CLIP_VISION)) {
            String pony = ponyEvidence(metadata);
            if (pony != null) {
                base = BaseModel.PONY;
                evidence = evidence.isEmpty() ? pony : evidence + "; " + pony;
            }
        }
        String title = first(metadata, "modelspec.title", "ss_output_name", "name");
        List<String> triggers = new ArrayList<>();
        String phrase = metadata.get("modelspec.trigger_phrase");
        if (phrase != null) {
            for (String t : phrase.split(",")) {
                if (!t.isBlank()) {
                    triggers.add(t.strip());
                }
            }
        }
        return new Identification(found.type(), base, variant, evidence, title, triggers, warnings, metadata);
    }

    /** A base named by the metadata; {@code base} null for a base Noodle does not run (Flux, SD 3 …). */
    private record Declared(BaseModel base, boolean vPrediction, String label, String source) {}

    private static Optional<Declared> declared(Map<String, String> meta) {
        String arch = meta.get("modelspec.architecture");
        if (arch != null && !arch.isBlank()) {
            String a = arch.strip().toLowerCase(Locale.ROOT);
            String family = a.contains("/") ? a.substring(0, a.indexOf('/')) : a;
            String src = "modelspec.architecture " + arch.strip();
            boolean v = family.endsWith("-v") || "v".equalsIgnoreCase(meta.get("modelspec.prediction_type"));
            if (family.startsWith("stable-diffusion-xl-v1-refiner") || family.startsWith("stable-diffusion-xl-refiner")) {
                return Optional.of(new Declared(BaseModel.SDXL_REFINER, v, "", src));
            }
            if (family.startsWith("stable-diffusion-xl")) {
                return Optional.of(new Declared(BaseModel.SDXL, v, "", src));
            }
            if (family.startsWith("stable-diffusion-v2")) {
                return Optional.of(new Declared(BaseModel.SD2, v, "", src));
            }
            if (family.startsWith("stable-diffusion-v1")) {
                return Optional.of(new Declared(BaseModel.SD1, v, "", src));
            }
            if (family.startsWith("stable-diffusion-3") || family.startsWith("flux") || family.startsWith("chroma")
                    || family.startsWith("lumina") || family.startsWith("stable-cascade")
                    || family.startsWith("hunyuan") || family.startsWith("auraflow") || family.startsWith("pixart")) {
                return Optional.of(new Declared(null, false, family, src));
            }
        }
        String version = meta.get("ss_base_model_version");
        if (version != null && !version.isBlank()) {
            String v = version.strip().toLowerCase(Locale.ROOT);
            String src = "ss_base_model_version " + version.strip();
            if (v.startsWith("sdxl")) {
                return Optional.of(new Declared(BaseModel.SDXL, false, "", src));
            }
            if (v.startsWith("sd_v2")) {
                return Optional.of(new Declared(BaseModel.SD2, v.endsWith("_v"), "", src));
            }
            if (v.startsWith("sd_v1")) {
                return Optional.of(new Declared(BaseModel.SD1, false, "", src));
            }
            if (v.startsWith("flux") || v.startsWith("sd3") || v.startsWith("lumina") || v.startsWith("chroma")) {
                return Optional.of(new Declared(null, false, v, src));
            }
        }
        if ("true".equalsIgnoreCase(meta.getOrDefault("ss_v2", "").strip())) {
            boolean v = "true".equalsIgnoreCase(meta.getOrDefault("ss_v_parameterization", "").strip());
            return Optional.of(new Declared(BaseModel.SD2, v, "", "ss_v2 True"));
        }
        return Optional.empty();
    }

    /** Where the metadata says Pony, or null: a title, tag or training base model name containing "pony". */
    static String ponyEvidence(Map<String, String> meta) {
        for (String key : List.of("modelspec.title", "modelspec.tags", "ss_sd_model_name", "ss_base_model",
                "modelspec.base_model")) {
            String v = meta.get(key);
            if (v != null && v.toLowerCase(Locale.ROOT).contains("pony")) {
                return key + " " + (v.length() > 60 ? v.substring(0, 60) + "…" : v);
            }
        }
        return null;
    }

    private static String first(Map<String, String> meta, String... keys) {
        for (String k : keys) {
            String v = meta.get(k);
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return "";
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return m.lines().findFirst().orElse(m);
    }
}
