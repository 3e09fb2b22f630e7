package dev.noodle.engine.io.pickle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFile;
import dev.noodle.engine.io.ModelFormatException;
import dev.noodle.engine.io.TensorCodec;
import dev.noodle.engine.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A legacy PyTorch checkpoint ({@code .ckpt}/{@code .pt}/{@code .pth}, the zip format of torch ≥ 1.6) read without
 * executing it: the zip's names are checked as AUTOMATIC1111's {@code modules/safe.py} does, {@code data.pkl} is
 * interpreted by {@link RestrictedUnpickler}, and every storage is checked against its {@code data/<key>} entry.
 * Tensor values are read on demand. Thread-safe for reads; close releases the zip.
 *
 * <p>The {@link dev.noodle.engine.io.TensorSource} view is the state dict: the top-level {@code state_dict} dict
 * if present, else the top dict itself, keeping string keys whose values are tensors. Other structures (A1111
 * embeddings and hypernetworks) are available as the raw tree, {@link #root()}.
 */
public final class PickleCheckpoint implements ModelFile {
    /** Largest {@code data.pkl} accepted (SD checkpoints have a few MB). */
    static final long MAX_PICKLE_BYTES = 256L << 20;

    // safe.py's allowed_zip_names_re, plus the metadata entries newer torch versions write.
    private static final Pattern NAME = Pattern.compile(
            "^([^/]+)/(data/\\d+|version|byteorder|data\\.pkl|\\.data/serialization_id|\\.data/version"
                    + "|\\.format_version|\\.storage_alignment)$");

    private final Path path;
    private final ZipFile zip;
    private final String archive;
    private final Object root;
    private final Map<String, PickleTensor> stateDict;

    private PickleCheckpoint(Path path, ZipFile zip, String archive, Object root) {
        this.path = path;
        this.zip = zip;
        this.archive = archive;
        this.root = root;
        this.stateDict = Collections.unmodifiableMap(findStateDict(root));
    }

    /** Opens and fully validates the checkpoint; throws {@link ModelFormatException} naming the file. */
    public static PickleCheckpoint open(Path path) {
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (IOException e) {
            throw new ModelFormatException(path + " is not a readable PyTorch checkpoint: the zip archive is damaged"
                    + " (" + e.getMessage() + "). Re-download the file.", e);
        }
        try {
            String archive = checkNames(zip, path);
            ZipEntry pkl = zip.getEntry(archive + "/data.pkl");
            byte[] pickle = readEntry(zip, pkl, MAX_PICKLE_BYTES, path);
            Map<String, Py.StorageRef> seen = new LinkedHashMap<>();
            Object root = RestrictedUnpickler.load(pickle, path.toString(), (dtype, key, numel) -> {
                Py.StorageRef ref = new Py.StorageRef(key, dtype, numel);
                Py.StorageRef before = seen.putIfAbsent(key, ref);
                if (before != null) {
                    if (!before.equals(ref)) {
                        throw bad(path, "storage " + key + " is declared twice with different types or sizes");
                    }
                    return before;
                }
                ZipEntry e = key.matches("\\d+") ? zip.getEntry(archive + "/data/" + key) : null;
                if (e == null) {
                    throw bad(path, "storage " + key + " is missing (no " + archive + "/data/" + key + " entry)");
                }
                long expected;
                try {
                    expected = Math.multiplyExact(numel, (long) dtype.bytes());
                } catch (ArithmeticException x) {
                    throw bad(path, "storage " + key + " size overflows");
                }
                if (e.getSize() != expected) {
                    throw bad(path, "storage " + key + " declares " + numel + " " + dtype + " elements (" + expected
                            + " bytes) but its zip entry has " + e.getSize() + " bytes");
                }
                return ref;
            });
            return new PickleCheckpoint(path, zip, archive, root);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    private static String checkNames(ZipFile zip, Path path) {
        String archive = null;
        Set<String> names = new HashSet<>();
        int pickles = 0;
        for (ZipEntry e : Collections.list(zip.entries())) {
            String n = e.getName();
            if (!names.add(n)) {
                throw bad(path, "the zip holds two entries named " + n);
            }
            if (n.endsWith("/constants.pkl") || n.contains("/code/")) {
                throw bad(path, "it is a TorchScript module (" + n + "), not a checkpoint");
            }
            Matcher m = NAME.matcher(n);
            if (!m.matches() || m.group(1).equals("..") || m.group(1).equals(".")) {
                throw bad(path, "unexpected file inside the archive: " + n);
            }
            if (archive == null) {
                archive = m.group(1);
            } else if (!archive.equals(m.group(1))) {
                throw bad(path, "entries under two folders: " + archive + "/ and " + m.group(1) + "/");
            }
            if (m.group(2).equals("data.pkl")) {
                pickles++;
            }
            if (m.group(2).equals("byteorder")) {
                String order = new String(readEntry(zip, e, 16, path), java.nio.charset.StandardCharsets.US_ASCII);
                if (!order.strip().equals("little")) {
                    throw bad(path, "storages are " + order.strip() + "-endian; only little-endian is supported");
                }
            }
        }
        if (pickles != 1) {
            throw bad(path, pickles == 0 ? "no data.pkl inside the archive" : "several data.pkl inside the archive");
        }
        return archive;
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long limit, Path path) {
        if (e.getSize() > limit) {
            throw bad(path, e.getName() + " is " + e.getSize() + " bytes, over the limit of " + limit);
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (b.length > limit) {
                throw bad(path, e.getName() + " is over the limit of " + limit + " bytes");
            }
            if (e.getSize() >= 0 && b.length != e.getSize()) {
                throw bad(path, e.getName() + " is truncated");
            }
            return b;
        } catch (IOException x) {
            throw bad(path, e.getName() + " cannot be read (" + x.getMessage() + ")");
        }
    }

    private static ModelFormatException bad(Path path, String what) {
        return new ModelFormatException(path + " is not a usable PyTorch checkpoint: " + what + ". Re-download it or"
                + " use a .safetensors version.");
    }

    private static void closeQuietly(ZipFile z) {
        try {
            z.close();
        } catch (IOException ignored) {
            // read-only
        }
    }

    private static Map<String, PickleTensor> findStateDict(Object root) {
        Object sd = PickleTree.get(root, "state_dict");
        Object dict = sd instanceof Map<?, ?> ? sd : root;
        Map<String, PickleTensor> out = new LinkedHashMap<>();
        if (dict instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() instanceof String k && e.getValue() instanceof PickleTensor t) {
                    out.put(k, t);
                }
            }
        }
        return out;
    }

    /** The whole unpickled object tree (dicts, lists, tuples, {@link PickleTensor}s; see {@link Py}). */
    public Object root() {
        return root;
    }

    /** The state dict's tensors by key. */
    public Map<String, PickleTensor> tensors() {
        return stateDict;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public Set<String> keys() {
        return stateDict.keySet();
    }

    private PickleTensor tensor(String key) {
        PickleTensor t = stateDict.get(key);
        if (t == null) {
            throw new ModelFormatException(path + " has no tensor '" + key + "'. Check that this is the right kind of"
                    + " model file.");
        }
        return t;
    }

    @Override
    public TensorInfo info(String key) {
        PickleTensor t = tensor(key);
        return new TensorInfo(key, t.dtype(), t.shape());
    }

    @Override
    public float[] loadFloats(String key) {
        return loadFloats(tensor(key));
    }

    @Override
    public NDArray load(String key, NDManager manager, DataType compute) {
        return load(tensor(key), manager, compute);
    }

    @Override
    public ByteBuffer readBytes(String key) {
        return readBytes(tensor(key));
    }

    /** Float32 values of any tensor in the tree, row-major. */
    public float[] loadFloats(PickleTensor t) {
        ByteBuffer b = readBytes(t);
        long n = TensorCodec.elementCount(t.shape());
        float[] out = new float[(int) n];
        TensorCodec.toFloat32(b, t.dtype(), FloatBuffer.wrap(out), what(t));
        return out;
    }

    /** Any tensor in the tree as a new array owned by {@code manager} (FLOAT32, FLOAT16, INT64 or INT32). */
    public NDArray load(PickleTensor t, NDManager manager, DataType compute) {
        return TensorCodec.toNDArray(readBytes(t), t.dtype(), t.shape(), manager, compute, what(t));
    }

    /** Contiguous little-endian bytes of any tensor in the tree, gathered through its strides. */
    public ByteBuffer readBytes(PickleTensor t) {
        int es = t.dtype().bytes();
        long n = TensorCodec.elementCount(t.shape());
        if (n * es > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(what(t) + " is larger than 2 GiB; convert the checkpoint to safetensors.");
        }
        ByteBuffer out = ByteBuffer.allocate((int) (n * es)).order(ByteOrder.LITTLE_ENDIAN);
        if (n == 0) {
            return out;
        }
        long[] shape = t.shape();
        long[] stride = t.stride();
        long last = t.offset();
        for (int i = 0; i < shape.length; i++) {
            last += (shape[i] - 1) * stride[i];
        }
        long spanBytes = (last - t.offset() + 1) * es;
        if (spanBytes > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(what(t) + " spans more than 2 GiB of its storage; convert it first.");
        }
        byte[] span = readStorage(t, t.offset() * es, (int) spanBytes);
        if (t.contiguous()) {
            return out.put(span, 0, out.capacity()).flip();
        }
        int[] idx = new int[shape.length];
        for (long e = 0; e < n; e++) {
            long off = 0;
            for (int d = 0; d < shape.length; d++) {
                off += idx[d] * stride[d];
            }
            out.put(span, (int) (off * es), es);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out.flip();
    }

    private byte[] readStorage(PickleTensor t, long from, int len) {
        ZipEntry e = zip.getEntry(archive + "/data/" + t.storage().key());
        try (InputStream in = zip.getInputStream(e)) {
            in.skipNBytes(from);
            byte[] b = in.readNBytes(len);
            if (b.length != len) {
                throw new IOException("storage entry ended early");
            }
            return b;
        } catch (IOException | IllegalStateException x) {
            throw new ModelFormatException("Cannot read " + what(t) + ": " + x.getMessage()
                    + ". The file is damaged or was changed; re-download it.", x);
        }
    }

    private String what(PickleTensor t) {
        return "storage " + t.storage().key() + " (" + t.dtype() + " " + java.util.Arrays.toString(t.shape())
                + ") in " + path;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }
}
