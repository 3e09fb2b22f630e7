package dev.noodle.engine.io.pickle;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Interprets pickle protocol 2–5 opcodes as data, never as code: globals resolve only against the allow-list of
 * AUTOMATIC1111's {@code modules/safe.py} (OrderedDict, torch tensor/parameter rebuild, storage types, a few numpy,
 * codecs and Lightning names, set), calls to them build plain values, and every length, the stack, the memo and the
 * mark depth are bounded. Opcode semantics follow CPython's {@code Lib/pickle.py} and {@code pickletools}. One
 * instance per load; not thread-safe.
 */
public final class RestrictedUnpickler {
    /** Resolves a persistent id {@code ('storage', type, key, location, numel)} to a checked storage. */
    @FunctionalInterface
    public interface StorageResolver {
        Py.StorageRef resolve(DType dtype, String key, long numel);
    }

    static final int MAX_STACK = 100_000;
    static final int MAX_MARKS = 1_000;
    static final int MAX_MEMO = 2_000_000;
    static final int MAX_LINE = 4_096;
    static final int MAX_LONG_BYTES = 1_024;

    private static final Map<String, DType> STORAGES = Map.of("FloatStorage", DType.F32, "HalfStorage", DType.F16,
            "BFloat16Storage", DType.BF16, "LongStorage", DType.I64, "IntStorage", DType.I32, "DoubleStorage",
            DType.F64, "ByteStorage", DType.U8);
    private static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.HalfStorage", "torch.IntStorage",
            "torch.LongStorage", "torch.DoubleStorage", "torch.ByteStorage", "torch.BFloat16Storage",
            "torch.float32", "torch.Size", "torch.nn.modules.container.ParameterDict",
            "numpy.core.multiarray.scalar", "numpy.core.multiarray._reconstruct", "numpy.dtype", "numpy.ndarray",
            "_codecs.encode", "pytorch_lightning.callbacks.model_checkpoint",
            "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", "builtins.set");
    // Protocol-2 pickles name some modules as Python 2 did; CPython's unpickler maps them back
    // (Lib/_compat_pickle.py IMPORT_MAPPING), so this reader does too before checking the allow-list.
    private static final Map<String, String> PY2_MODULES = Map.of("__builtin__", "builtins", "commands",
            "subprocess", "copy_reg", "copyreg", "exceptions", "builtins", "cPickle", "pickle", "UserDict",
            "collections", "Queue", "queue", "_winreg", "winreg");

    private final byte[] data;
    private final String source;
    private final StorageResolver storages;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int pos;

    private RestrictedUnpickler(byte[] data, String source, StorageResolver storages) {
        this.data = data;
        this.source = source;
        this.storages = storages;
    }

    /**
     * Loads one pickle.
     *
     * @param pickle the pickle bytes (e.g. a checkpoint's {@code data.pkl})
     * @param source names the file in messages
     * @param storages resolves storage persistent ids (may refuse)
     * @return the object tree (see {@link Py}), checked for depth ≤ {@link PickleTree#MAX_DEPTH} and cycles
     */
    public static Object load(byte[] pickle, String source, StorageResolver storages) {
        RestrictedUnpickler u = new RestrictedUnpickler(pickle, source, storages);
        Object root;
        try {
            root = u.run();
        } catch (StackOverflowError e) {
            throw u.bad("its data is nested too deeply");
        }
        PickleTree.check(root, source);
        return root;
    }

    private ModelFormatException bad(String what) {
        return new ModelFormatException(source + " is not a readable checkpoint: " + what + " (pickle byte " + pos
                + "). The file is corrupt or not a PyTorch checkpoint; re-download it or use a .safetensors version.");
    }

    private Object run() {
        if (data.length < 2 || (data[0] & 0xff) != 0x80) {
            throw bad("it does not start with a pickle PROTO opcode (protocol 2 or later required)");
        }
        while (true) {
            if (pos >= data.length) {
                throw bad("the pickle ends without STOP");
            }
            int op = data[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) {
                        throw bad("unsupported pickle protocol " + proto);
                    }
                }
                case 0x95 -> { // FRAME
                    long n = u64();
                    if (n < 0 || n > data.length - pos) {
                        throw bad("frame length " + n + " runs past the end");
                    }
                }
                case 0x2e -> { // STOP
                    if (stack.isEmpty()) {
                        throw bad("STOP with an empty stack");
                    }
                    return stack.get(stack.size() - 1);
                }
                case 0x28 -> { // MARK
                    if (marks.size() >= MAX_MARKS) {
                        throw bad("more than " + MAX_MARKS + " nested MARKs");
                    }
                    marks.add(stack.size());
                }
                case 0x30 -> pop(); // POP
                case 0x31 -> popMark(); // POP_MARK
                case 0x32 -> push(peek()); // DUP
                case 0x4e -> push(null); // NONE
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 0x4a -> push((long) i32()); // BININT
                case 0x4b -> push((long) u8()); // BININT1
                case 0x4d -> push((long) u16()); // BININT2
                case 0x8a -> push(longOf(bytes(u8()))); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0 || n > MAX_LONG_BYTES) {
                        throw bad("LONG4 length " + n + " out of range");
                    }
                    push(longOf(bytes(n)));
                }
                case 0x49 -> push(intLine()); // INT
                case 0x4c -> push(intLine()); // LONG (text)
                case 0x46 -> { // FLOAT (text)
                    String s = line();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw bad("bad FLOAT " + s);
                    }
                }
                case 0x47 -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 0x58 -> push(utf8(bytes(len32u()))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(len64()))); // BINUNICODE8
                case 0x54 -> { // BINSTRING
                    int n = i32();
                    if (n < 0) {
                        throw bad("negative BINSTRING length " + n);
                    }
                    push(new String(bytes(n), StandardCharsets.ISO_8859_1));
                }
                case 0x55 -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 0x42 -> push(bytes(len32u())); // BINBYTES
                case 0x43 -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(bytes(len64())); // BINBYTES8, BYTEARRAY8
                case 0x29 -> push(new Py.Tuple(List.of())); // EMPTY_TUPLE
                case 0x85 -> push(new Py.Tuple(popN(1))); // TUPLE1
                case 0x86 -> push(new Py.Tuple(popN(2))); // TUPLE2
                case 0x87 -> push(new Py.Tuple(popN(3))); // TUPLE3
                case 0x74 -> push(new Py.Tuple(popMark())); // TUPLE
                case 0x5d -> push(new ArrayList<>()); // EMPTY_LIST
                case 0x6c -> push(new ArrayList<>(popMark())); // LIST
                case 0x7d -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 0x64 -> { // DICT
                    List<Object> items = popMark();
                    push(fill(new LinkedHashMap<>(), items));
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x91 -> push(java.util.Collections.unmodifiableSet(new LinkedHashSet<>(keys(popMark())))); // FROZENSET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    setOf(peek(), "ADDITEMS").addAll(keys(items));
                }
                case 0x61 -> { // APPEND
                    Object v = pop();
                    listOf(peek(), "APPEND").add(v);
                }
                case 0x65 -> { // APPENDS
                    List<Object> items = popMark();
                    listOf(peek(), "APPENDS").addAll(items);
                }
                case 0x73 -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    mapOf(peek(), "SETITEM").put(key(k), v);
                }
                case 0x75 -> { // SETITEMS
                    List<Object> items = popMark();
                    fill(mapOf(peek(), "SETITEMS"), items);
                }
                case 0x68 -> push(memoGet(u8())); // BINGET
                case 0x6a -> push(memoGet(u32())); // LONG_BINGET
                case 0x67 -> push(memoGet(parseIndex(line()))); // GET
                case 0x71 -> memoPut(u8()); // BINPUT
                case 0x72 -> memoPut(u32()); // LONG_BINPUT
                case 0x70 -> memoPut(parseIndex(line())); // PUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 0x63 -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 0x52 -> { // REDUCE
                    Object args = pop();
                    push(call(pop(), args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    push(call(pop(), args));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                        throw bad("NEWOBJ_EX with keyword arguments is not supported");
                    }
                    push(call(cls, args));
                }
                case 0x62 -> build(); // BUILD
                case 0x51 -> push(persistent(pop())); // BINPERSID
                case 0x69 -> { // INST: check the class first so forbidden ones are named
                    global(line(), line());
                    throw bad("unsupported opcode INST");
                }
                default -> throw bad(String.format("unsupported or unknown opcode 0x%02x", op));
            }
        }
    }

    // ---- stack and memo -------------------------------------------------------------------------------------

    private void push(Object o) {
        if (stack.size() >= MAX_STACK) {
            throw bad("the pickle stack exceeds " + MAX_STACK + " items (too deeply nested)");
        }
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw bad("pop from an empty stack (or across a MARK)");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw bad("the stack is empty where a value is needed");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popN(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return Arrays.asList(items);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw bad("an opcode needs a MARK but none is set");
        }
        int at = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(at, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private Object memoGet(long i) {
        if (!memo.containsKey(i)) {
            throw bad("memo id " + i + " was never stored");
        }
        return memo.get(i);
    }

    private void memoPut(long i) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(i)) {
            throw bad("the memo exceeds " + MAX_MEMO + " entries");
        }
        memo.put(i, peek());
    }

    private long parseIndex(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw bad("bad memo index " + s);
        }
    }

    private Map<Object, Object> fill(Map<Object, Object> m, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw bad("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private List<Object> listOf(Object o, String op) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw bad(op + " on a " + typeName(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> mapOf(Object o, String op) {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw bad(op + " on a " + typeName(o) + ", not a dict");
    }

    @SuppressWarnings("unchecked")
    private Set<Object> setOf(Object o, String op) {
        if (o instanceof LinkedHashSet<?> s) {
            return (Set<Object>) s;
        }
        throw bad(op + " on a " + typeName(o) + ", not a set");
    }

    /**
     * Admits a dict key or set element: scalars, globals, or tuples of those (Python would refuse mutable keys;
     * refusing nested ones here keeps hashing non-recursive, so hostile nesting cannot overflow the stack).
     */
    private Object key(Object k) {
        if (k instanceof Py.Tuple t) {
            for (Object o : t.items()) {
                if (!scalar(o)) {
                    throw bad("a dict key or set element is a nested " + typeName(o));
                }
            }
            return k;
        }
        if (!scalar(k)) {
            throw bad("a dict key or set element is a " + typeName(k));
        }
        return k;
    }

    private List<Object> keys(List<?> items) {
        List<Object> out = new ArrayList<>(items.size());
        for (Object o : items) {
            out.add(key(o));
        }
        return out;
    }

    private static boolean scalar(Object o) {
        return o == null || o instanceof Boolean || o instanceof Long || o instanceof BigInteger
                || o instanceof Double || o instanceof String || o instanceof byte[] || o instanceof Py.Global;
    }

    static String typeName(Object o) {
        return o == null ? "None" : o instanceof Py.Instance i ? i.type().toString() : o.getClass().getSimpleName();
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    private byte[] bytes(long n) {
        if (n < 0 || n > data.length - pos) {
            throw bad("a length of " + n + " bytes runs past the end of the pickle (" + (data.length - pos)
                    + " left)");
        }
        byte[] b = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return b;
    }

    private int u8() {
        return bytes(1)[0] & 0xff;
    }

    private int u16() {
        return ByteBuffer.wrap(bytes(2)).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
    }

    private int i32() {
        return ByteBuffer.wrap(bytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long u64() {
        return ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private long len32u() {
        return u32();
    }

    private long len64() {
        long n = u64();
        if (n < 0) {
            throw bad("length " + Long.toUnsignedString(n) + " out of range");
        }
        return n;
    }

    private String line() {
        int end = pos;
        while (end < data.length && data[end] != '\n') {
            if (end - pos > MAX_LINE) {
                throw bad("a text argument is longer than " + MAX_LINE + " bytes");
            }
            end++;
        }
        if (end >= data.length) {
            throw bad("a text argument has no end of line");
        }
        String s = new String(data, pos, end - pos, StandardCharsets.UTF_8);
        pos = end + 1;
        return s;
    }

    private Object intLine() {
        String s = line().strip();
        if (s.equals("00")) {
            return Boolean.FALSE;
        }
        if (s.equals("01")) {
            return Boolean.TRUE;
        }
        try {
            return longOf(new BigInteger(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
        } catch (NumberFormatException e) {
            throw bad("bad INT " + s);
        }
    }

    private static Object longOf(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return longOf(new BigInteger(be));
    }

    private static Object longOf(BigInteger b) {
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    // ---- globals, calls, persistent ids ------------------------------------------------------------------------

    private Py.Global global(String rawModule, String name) {
        String module = PY2_MODULES.getOrDefault(rawModule, rawModule);
        String full = module + "." + name;
        if (!ALLOWED.contains(full)) {
            throw new ForbiddenGlobalException(source, full);
        }
        return new Py.Global(module, name);
    }

    private Object call(Object callable, Object argsObj) {
        if (!(callable instanceof Py.Global g)) {
            throw bad("call of a " + typeName(callable) + ", which is not callable");
        }
        if (!(argsObj instanceof Py.Tuple args)) {
            throw bad("call of " + g + " without an argument tuple");
        }
        return switch (g.toString()) {
            case "collections.OrderedDict" -> {
                LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof Py.Tuple t) || t.size() != 2) {
                            throw bad("OrderedDict items must be pairs");
                        }
                        m.put(key(t.get(0)), t.get(1));
                    }
                } else if (args.size() != 0) {
                    throw bad("OrderedDict with unexpected arguments");
                }
                yield m;
            }
            case "torch._utils._rebuild_tensor_v2" -> rebuildTensor(args);
            case "torch._utils._rebuild_parameter" -> {
                if (args.size() < 2 || !(args.get(0) instanceof PickleTensor t)) {
                    throw bad("_rebuild_parameter needs a tensor");
                }
                yield new PickleTensor(t.storage(), t.offset(), t.shape(), t.stride(),
                        Boolean.TRUE.equals(args.get(1)));
            }
            case "torch.Size" -> {
                if (args.size() != 1 || !(args.get(0) instanceof Py.Tuple t)) {
                    throw bad("torch.Size needs one tuple");
                }
                yield t;
            }
            case "builtins.set" -> {
                LinkedHashSet<Object> s = new LinkedHashSet<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> l) {
                    s.addAll(keys(l));
                } else if (args.size() != 0) {
                    throw bad("set with unexpected arguments");
                }
                yield s;
            }
            case "_codecs.encode" -> {
                if (args.size() != 2 || !(args.get(0) instanceof String s) || !(args.get(1) instanceof String enc)) {
                    throw bad("_codecs.encode needs (str, encoding)");
                }
                yield switch (enc.toLowerCase(java.util.Locale.ROOT)) {
                    case "latin1", "latin-1", "iso-8859-1" -> s.getBytes(StandardCharsets.ISO_8859_1);
                    case "utf-8", "utf8" -> s.getBytes(StandardCharsets.UTF_8);
                    default -> throw bad("_codecs.encode with unsupported encoding " + enc);
                };
            }
            default -> new Py.Instance(g, args);
        };
    }

    private PickleTensor rebuildTensor(Py.Tuple a) {
        if (a.size() < 4 || !(a.get(0) instanceof Py.StorageRef storage) || !(a.get(1) instanceof Long offset)
                || !(a.get(2) instanceof Py.Tuple size) || !(a.get(3) instanceof Py.Tuple stride)) {
            throw bad("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...)");
        }
        if (size.size() != stride.size()) {
            throw bad("tensor size and stride differ in length (" + size.size() + " vs " + stride.size() + ")");
        }
        long[] sh = new long[size.size()];
        long[] st = new long[size.size()];
        for (int i = 0; i < sh.length; i++) {
            if (!(size.get(i) instanceof Long d) || d < 0 || !(stride.get(i) instanceof Long s) || s < 0) {
                throw bad("tensor size/stride must be non-negative integers (dimension " + i + ")");
            }
            sh[i] = d;
            st[i] = s;
        }
        checkBounds(storage, offset, sh, st);
        return new PickleTensor(storage, offset, sh, st, a.size() > 4 && Boolean.TRUE.equals(a.get(4)));
    }

    /** offset + Σ (size_i − 1)·stride_i must lie inside the storage (CVE-2026-24747 class). */
    private void checkBounds(Py.StorageRef storage, long offset, long[] shape, long[] stride) {
        if (offset < 0) {
            throw bad("negative storage offset " + offset);
        }
        try {
            long last = offset;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 0) {
                    return;
                }
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            }
            if (last >= storage.numel()) {
                throw bad("a tensor view " + Arrays.toString(shape) + " stride " + Arrays.toString(stride)
                        + " at offset " + offset + " reaches element " + last + " of storage " + storage.key()
                        + ", which has only " + storage.numel());
            }
        } catch (ArithmeticException e) {
            throw bad("tensor view size overflows");
        }
    }

    private Object persistent(Object pid) {
        if (!(pid instanceof Py.Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw bad("unsupported persistent id (a " + typeName(pid) + ")");
        }
        if (!(t.get(1) instanceof Py.Global type) || !type.module().equals("torch")
                || !STORAGES.containsKey(type.name())) {
            throw bad("unsupported storage type " + (t.get(1) instanceof Py.Global g ? g.toString() : typeName(t.get(1))));
        }
        if (!(t.get(2) instanceof String key) || !(t.get(4) instanceof Long numel) || numel < 0) {
            throw bad("malformed storage reference");
        }
        return storages.resolve(STORAGES.get(type.name()), key, numel);
    }

    private void build() {
        Object state = pop();
        Object obj = peek();
        if (obj instanceof Py.Instance i) {
            i.setState(state);
        } else if (obj instanceof LinkedHashMap<?, ?> && state instanceof Map<?, ?> s) {
            mapOf(obj, "BUILD").putAll(s);
        } else if (obj instanceof LinkedHashMap<?, ?> && state == null) {
            return;
        } else {
            throw bad("BUILD on a " + typeName(obj));
        }
    }
}
