package dev.noodle.engine.io;

import static dev.noodle.engine.io.SafetensorsException.Kind.*;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed and validated JSON header of a safetensors file: tensor names, dtypes, shapes and byte ranges, plus the
 * optional {@code __metadata__}. Pure (no I/O), immutable and thread-safe; this is the fuzzing target.
 *
 * <p>Rules follow the reference implementation (huggingface/safetensors {@code read_metadata} and
 * {@code Metadata::validate}): 8-byte little-endian length N ≤ 100,000,000; 8 + N ≤ file size; UTF-8 JSON object;
 * {@code __metadata__} string→string; duplicate keys rejected; tensors sorted by offset tile the data buffer exactly;
 * {@code end - begin == product(shape) * bits / 8} with overflow checks; the last tensor ends at the end of the file.
 *
 * @param headerLength N, the JSON length in bytes
 * @param metadata the {@code __metadata__} map (empty when absent), in file order
 * @param tensors the tensors sorted by data offset
 */
public record SafetensorsHeader(long headerLength, Map<String, String> metadata, List<Entry> tensors) {
    /** Largest header the reference implementation accepts. */
    public static final long MAX_HEADER_SIZE = 100_000_000L;

    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength((int) MAX_HEADER_SIZE)
                    .maxNameLength((int) MAX_HEADER_SIZE)
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .build())
            .build();

    /**
     * One tensor's header entry.
     *
     * @param info name, dtype, shape
     * @param begin first byte, relative to the data buffer after the header
     * @param end one past the last byte
     */
    public record Entry(TensorInfo info, long begin, long end) {
        /** Byte length. */
        public long byteLength() {
            return end - begin;
        }
    }

    public SafetensorsHeader {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /** Byte offset in the file where the data buffer begins (8 + N). */
    public long dataStart() {
        return 8 + headerLength;
    }

    /** Tensors by name, in offset order. */
    public Map<String, Entry> byName() {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : tensors) {
            m.put(e.info().name(), e);
        }
        return Collections.unmodifiableMap(m);
    }

    /** Parses a whole file held in memory (small files, tests, fuzzing). */
    public static SafetensorsHeader parseFile(byte[] file, String source) {
        long n = headerLength(Arrays.copyOf(file, Math.min(file.length, 8)), file.length, source);
        byte[] json = Arrays.copyOfRange(file, 8, (int) (8 + n));
        return parse(json, file.length, source);
    }

    /**
     * Checks the 8-byte length prefix against the file size and returns N.
     *
     * @param prefix the file's first bytes (up to 8)
     * @param fileSize total file size in bytes
     * @param source file name for messages
     */
    public static long headerLength(byte[] prefix, long fileSize, String source) {
        if (prefix.length < 8 || fileSize < 8) {
            throw error(HEADER_TOO_SMALL, source, "the file is " + fileSize
                    + " bytes, too short for the 8-byte header length (empty or truncated file)");
        }
        long n = ByteBuffer.wrap(prefix, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 0 || n > MAX_HEADER_SIZE) {
            throw error(HEADER_TOO_LARGE, source, "the header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + MAX_HEADER_SIZE + " bytes (corrupt file, or not safetensors)");
        }
        if (8 + n > fileSize) {
            throw error(INVALID_HEADER_LENGTH, source, "the header length " + n + " runs past the end of the "
                    + fileSize + "-byte file (truncated download?)");
        }
        return n;
    }

    /**
     * Parses and validates the JSON header.
     *
     * @param json the N header bytes
     * @param fileSize total file size, to check the data buffer is exactly covered
     * @param source file name for messages
     */
    public static SafetensorsHeader parse(byte[] json, long fileSize, String source) {
        String text = decodeUtf8(json, source);
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw error(INVALID_HEADER_DESERIALIZATION, source, "the header is not a JSON object");
            }
            Set<String> seen = new HashSet<>();
            for (JsonToken t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
                String key = p.currentName();
                if (!seen.add(key)) {
                    throw error(DUPLICATE_KEY, source, "the key '" + key + "' appears twice in the header");
                }
                p.nextToken();
                if (key.equals("__metadata__")) {
                    readMetadata(p, metadata, source);
                } else {
                    entries.add(readTensor(p, key, source));
                }
            }
            if (p.nextToken() != null) {
                throw error(INVALID_HEADER_DESERIALIZATION, source, "the header has content after the JSON object"
                        + " (at character " + p.currentLocation().getCharOffset() + ")");
            }
        } catch (JsonProcessingException e) {
            // constraint violations (e.g. a 65-digit number) carry no location
            JsonLocation loc = e.getLocation();
            throw error(INVALID_HEADER_DESERIALIZATION, source, "the header is not valid JSON"
                    + (loc == null ? "" : " at character " + loc.getCharOffset()) + " (" + e.getOriginalMessage()
                    + ")");
        } catch (IOException e) {
            throw error(INVALID_HEADER_DESERIALIZATION, source, "the header cannot be read: " + e.getMessage());
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long end = validate(entries, source);
        long expected = fileSize - 8 - json.length;
        if (end != expected) {
            throw error(METADATA_INCOMPLETE_BUFFER, source, "the tensors cover " + end + " data bytes but the file has "
                    + expected + (end < expected ? " (trailing bytes after the last tensor)"
                    : " (the file is truncated)"));
        }
        return new SafetensorsHeader(json.length, metadata, entries);
    }

    private static String decodeUtf8(byte[] json, String source) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        CharBuffer out = CharBuffer.allocate(json.length);
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) {
            throw error(INVALID_HEADER, source, "the header is not UTF-8 (bad byte at header offset "
                    + in.position() + ", file offset " + (8 + in.position()) + ")");
        }
        dec.flush(out);
        return out.flip().toString();
    }

    private static void readMetadata(JsonParser p, Map<String, String> metadata, String source) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(INVALID_METADATA, source, "__metadata__ must be an object of strings, found "
                    + p.currentToken());
        }
        for (JsonToken t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
            String k = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw error(INVALID_METADATA, source, "__metadata__ value for '" + k
                        + "' must be a string, found " + p.currentToken());
            }
            if (metadata.put(k, p.getText()) != null) {
                throw error(DUPLICATE_KEY, source, "__metadata__ key '" + k + "' appears twice");
            }
        }
    }

    private static Entry readTensor(JsonParser p, String name, String source) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name + "' must be a JSON object");
        }
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        boolean overflow = false;
        Set<String> fields = new HashSet<>();
        for (JsonToken t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
            String f = p.currentName();
            if (!fields.add(f)) {
                throw error(DUPLICATE_KEY, source, "tensor '" + name + "' has field '" + f + "' twice");
            }
            JsonToken v = p.nextToken();
            switch (f) {
                case "dtype" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name
                                + "': dtype must be a string");
                    }
                    dtype = p.getText();
                }
                case "shape", "data_offsets" -> {
                    if (v != JsonToken.START_ARRAY) {
                        throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name + "': " + f
                                + " must be an array of non-negative integers");
                    }
                    List<Long> vals = new ArrayList<>();
                    for (JsonToken e = next(p, source); e != JsonToken.END_ARRAY; e = next(p, source)) {
                        if (e != JsonToken.VALUE_NUMBER_INT || p.getBigIntegerValue().signum() < 0) {
                            throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name + "': " + f
                                    + " must hold non-negative integers, found " + p.getText());
                        }
                        BigInteger b = p.getBigIntegerValue();
                        if (b.compareTo(LONG_MAX) > 0) {
                            overflow = true;
                            vals.add(Long.MAX_VALUE);
                        } else {
                            vals.add(b.longValue());
                        }
                    }
                    long[] arr = vals.stream().mapToLong(Long::longValue).toArray();
                    if (f.equals("shape")) {
                        shape = arr;
                    } else {
                        offsets = arr;
                    }
                }
                default -> p.skipChildren(); // unknown fields are ignored, as serde does
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name
                    + "' needs dtype, shape and data_offsets");
        }
        if (offsets.length != 2) {
            throw error(INVALID_HEADER_DESERIALIZATION, source, "tensor '" + name
                    + "': data_offsets must be [begin, end], found " + offsets.length + " numbers");
        }
        if (overflow) {
            throw error(VALIDATION_OVERFLOW, source, "tensor '" + name + "' has a shape or offset beyond 2^63");
        }
        String dt = dtype;
        DType d = DType.fromName(dt).orElseThrow(() -> error(UNKNOWN_DTYPE, source, "tensor '" + name
                + "' has unknown dtype \"" + dt + "\" (known: " + DType.knownNames() + ")"));
        return new Entry(new TensorInfo(name, d, shape), offsets[0], offsets[1]);
    }

    private static JsonToken next(JsonParser p, String source) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw error(INVALID_HEADER_DESERIALIZATION, source, "the header JSON ends too early");
        }
        return t;
    }

    /** Checks the tiling and sizes; returns the end of the last tensor. */
    private static long validate(List<Entry> sorted, String source) {
        long start = 0;
        for (Entry e : sorted) {
            String name = e.info().name();
            if (e.begin() != start || e.end() < e.begin()) {
                throw error(INVALID_OFFSET, source, "tensor '" + name + "' has data_offsets [" + e.begin() + ", "
                        + e.end() + "] but should begin at " + start + " (tensors overlap or leave a gap)");
            }
            start = e.end();
            long bits;
            try {
                long n = 1;
                for (long d : e.info().shape()) {
                    n = Math.multiplyExact(n, d);
                }
                bits = Math.multiplyExact(n, (long) e.info().dtype().bits());
            } catch (ArithmeticException x) {
                throw error(VALIDATION_OVERFLOW, source, "tensor '" + name + "' shape " + e.info().shapeText()
                        + " overflows 64-bit arithmetic");
            }
            if (bits % 8 != 0) {
                throw error(MISALIGNED_SLICE, source, "tensor '" + name + "' of " + e.info().dtype()
                        + " with shape " + e.info().shapeText() + " does not fill whole bytes");
            }
            if (e.end() - e.begin() != bits / 8) {
                throw error(TENSOR_INVALID_INFO, source, "tensor '" + name + "' (" + e.info().dtype() + " "
                        + e.info().shapeText() + ") needs " + bits / 8 + " bytes but data_offsets span "
                        + (e.end() - e.begin()));
            }
        }
        return start;
    }

    static SafetensorsException error(SafetensorsException.Kind kind, String source, String what) {
        return new SafetensorsException(kind, source + " is not a valid safetensors file: " + what
                + ". Re-download the file or convert it again.");
    }
}
