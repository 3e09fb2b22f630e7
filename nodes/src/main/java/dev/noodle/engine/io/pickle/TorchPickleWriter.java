package dev.noodle.engine.io.pickle;

import dev.noodle.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a minimal PyTorch zip checkpoint ({@code torch.save} format: {@code archive/data.pkl}, {@code
 * archive/data/N} raw little-endian float32 storages, {@code archive/version}, {@code archive/byteorder}), so
 * Noodle can produce small {@code .pt} files that AUTOMATIC1111, ComfyUI and {@code torch.load} read, such as the
 * demo hypernetwork. The pickle (protocol 2) uses only what {@link RestrictedUnpickler} accepts: dicts, lists,
 * tuples, strings, ints, floats, bools, None, {@code collections.OrderedDict} and float32 tensors rebuilt by
 * {@code torch._utils._rebuild_tensor_v2} from {@code torch.FloatStorage} persistent ids.
 *
 * <p>Values: {@link Map} (a Python dict; keys String or Long/Integer), {@link OrderedDict}, {@link List},
 * {@link String}, {@link Integer}/{@link Long}, {@link Double}/{@link Float}, {@link Boolean}, null and
 * {@link Tensor}. Stateless.
 */
public final class TorchPickleWriter {
    /** A contiguous float32 CPU tensor. */
    public record Tensor(long[] shape, float[] data) {}

    /** A {@code collections.OrderedDict} (what {@code Module.state_dict()} returns). */
    public record OrderedDict(Map<String, Object> entries) {}

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Tensor> storages = new ArrayList<>();

    private TorchPickleWriter() {}

    /** Writes {@code root} as {@code file} (a zip named after the file stem's archive folder), atomically. */
    public static void write(Path file, Object root) throws IOException {
        TorchPickleWriter w = new TorchPickleWriter();
        w.op(0x80).op(2); // PROTO 2
        w.value(root);
        w.op('.'); // STOP
        String archive = "archive";
        AtomicFiles.write(file, ch -> {
            OutputStream os = Channels.newOutputStream(ch);
            ZipOutputStream zip = new ZipOutputStream(os);
            stored(zip, archive + "/data.pkl", w.out.toByteArray());
            stored(zip, archive + "/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < w.storages.size(); i++) {
                float[] v = w.storages.get(i).data();
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                stored(zip, archive + "/data/" + i, b.array());
            }
            stored(zip, archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            zip.finish();
            os.flush();
        });
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(0); // deterministic bytes
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private TorchPickleWriter op(int b) {
        out.write(b);
        return this;
    }

    private void value(Object v) {
        switch (v) {
            case null -> op('N');
            case Boolean b -> op(b ? 0x88 : 0x89);
            case Integer i -> integer(i);
            case Long l -> integer(l);
            case Double d -> real(d);
            case Float f -> real(f);
            case String s -> string(s);
            case Tensor t -> tensor(t);
            case OrderedDict d -> {
                global("collections", "OrderedDict");
                op(')').op('R'); // OrderedDict()
                items(d.entries());
            }
            case Map<?, ?> m -> {
                op('}');
                items(m);
            }
            case List<?> l -> {
                op(']');
                if (!l.isEmpty()) {
                    op('(');
                    l.forEach(this::value);
                    op('e'); // APPENDS
                }
            }
            default -> throw new IllegalArgumentException("cannot pickle a " + v.getClass().getName());
        }
    }

    private void items(Map<?, ?> m) {
        if (m.isEmpty()) {
            return;
        }
        op('(');
        m.forEach((k, x) -> {
            if (!(k instanceof String || k instanceof Integer || k instanceof Long)) {
                throw new IllegalArgumentException("dict keys must be strings or integers, got " + k);
            }
            value(k);
            value(x);
        });
        op('u'); // SETITEMS
    }

    private void integer(long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J'); // BININT
            byte[] b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
            out.writeBytes(b);
        } else {
            op(0x8a).op(8); // LONG1, 8 bytes two's complement little-endian
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
    }

    private void real(double d) {
        op('G'); // BINFLOAT, big-endian
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
    }

    private void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X'); // BINUNICODE
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
    }

    private void global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void tuple(long[] values) {
        op('(');
        for (long v : values) {
            integer(v);
        }
        op('t');
    }

    // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks)
    private void tensor(Tensor t) {
        long n = 1;
        for (long d : t.shape()) {
            n = Math.multiplyExact(n, d);
        }
        if (n != t.data().length) {
            throw new IllegalArgumentException("tensor of shape " + java.util.Arrays.toString(t.shape()) + " needs "
                    + n + " values, has " + t.data().length);
        }
        long[] stride = new long[t.shape().length];
        long s = 1;
        for (int i = stride.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= t.shape()[i];
        }
        String key = String.valueOf(storages.size());
        storages.add(t);
        global("torch._utils", "_rebuild_tensor_v2");
        op('(');
        op('('); // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
        string("storage");
        global("torch", "FloatStorage");
        string(key);
        string("cpu");
        integer(n);
        op('t');
        op('Q'); // BINPERSID
        integer(0);
        tuple(t.shape());
        tuple(stride);
        op(0x89); // requires_grad False
        global("collections", "OrderedDict");
        op(')').op('R');
        op('t');
        op('R');
    }
}
