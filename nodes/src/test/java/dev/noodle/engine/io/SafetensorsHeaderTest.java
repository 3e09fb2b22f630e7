package dev.noodle.engine.io;

import static dev.noodle.engine.io.SafetensorsException.Kind.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Test vectors ported from the safetensors reference implementation's Rust tests (huggingface/safetensors,
 * {@code safetensors/src/tensor.rs}, tests module at commit 24b0b28: test_empty_shapes_allowed,
 * test_deserialization, test_json_attack, test_metadata_incomplete_buffer, test_header_too_large,
 * test_header_too_small, test_invalid_header_length, test_invalid_header_non_utf8, test_invalid_header_not_json,
 * test_whitespace_padded_header, test_whitespace_leading_padded_header, test_zero_sized_tensor, test_invalid_info,
 * test_validation_overflow), plus the extra cases of docs/bad-inputs.md S1–S13. Bytes are built here.
 */
class SafetensorsHeaderTest {
    static byte[] cat(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            byte[] b = p instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) p;
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static byte[] le(long n) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    /** A file with the given JSON header (length prefix computed) and data bytes. */
    static byte[] file(String json, int dataBytes) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        return cat(le(j.length), j, new byte[dataBytes]);
    }

    static SafetensorsException.Kind kindOf(byte[] file) {
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsHeader.parseFile(file, "test.safetensors"));
        assertTrue(e.getMessage().startsWith("test.safetensors "), e.getMessage());
        return e.kind();
    }

    private static final String I32_2X2 = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";

    @Test
    void emptyShapeIsAScalar() {
        // test_empty_shapes_allowed: b"8\0..{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}\0\0\0\0"
        byte[] f = cat(le('8'), "{\"test\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]}}", new byte[4]);
        SafetensorsHeader h = SafetensorsHeader.parseFile(f, "x");
        assertEquals(1, h.tensors().size());
        TensorInfo t = h.tensors().get(0).info();
        assertEquals("test", t.name());
        assertEquals(DType.I32, t.dtype());
        assertEquals(0, t.shape().length);
        assertEquals(1, t.elementCount());
    }

    @Test
    void deserialization() {
        // test_deserialization: header length '<' (60)
        byte[] f = cat(le('<'), I32_2X2, new byte[16]);
        SafetensorsHeader h = SafetensorsHeader.parseFile(f, "x");
        assertEquals(60, h.headerLength());
        SafetensorsHeader.Entry e = h.byName().get("test");
        assertArrayEquals(new long[] {2, 2}, e.info().shape());
        assertEquals(0, e.begin());
        assertEquals(16, e.end());
    }

    @Test
    void jsonAttackOverlappingTensorsIsInvalidOffset() {
        // test_json_attack: 10 tensors all at data_offsets (0, 16), 16 data bytes
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < 10; i++) {
            sb.append(i == 0 ? "" : ",").append("\"weight_").append(i)
                    .append("\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}");
        }
        assertEquals(INVALID_OFFSET, kindOf(file(sb.append('}').toString(), 16)));
    }

    @Test
    void metadataIncompleteBuffer() {
        // test_metadata_incomplete_buffer: trailing polyglot bytes, then 2 bytes missing
        assertEquals(METADATA_INCOMPLETE_BUFFER,
                kindOf(cat(le('<'), I32_2X2, new byte[16], "extra_bogus_data_for_polyglot_file")));
        assertEquals(METADATA_INCOMPLETE_BUFFER, kindOf(cat(le('<'), I32_2X2, new byte[14])));
    }

    @Test
    void headerTooLarge() {
        // test_header_too_large: b"<\0\0\0\0\xff\xff\xff"
        byte[] n = {'<', 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertEquals(HEADER_TOO_LARGE, kindOf(cat(n, I32_2X2, new byte[16])));
        assertEquals(HEADER_TOO_LARGE, kindOf(cat(le(100_000_001L), "{}")));
        assertEquals(HEADER_TOO_LARGE, kindOf(cat(le(1L << 63), "{}")));
    }

    @Test
    void headerTooSmall() {
        assertEquals(HEADER_TOO_SMALL, kindOf(new byte[0]));
        assertEquals(HEADER_TOO_SMALL, kindOf(new byte[7]));
    }

    @Test
    void invalidHeaderLength() {
        assertEquals(INVALID_HEADER_LENGTH, kindOf(le('<')));
    }

    @Test
    void nonUtf8HeaderNamesTheByteOffset() {
        byte[] f = {1, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff};
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsHeader.parseFile(f, "x"));
        assertEquals(INVALID_HEADER, e.kind());
        assertTrue(e.getMessage().contains("file offset 8"), e.getMessage());
    }

    @Test
    void notJsonObject() {
        assertEquals(INVALID_HEADER_DESERIALIZATION, kindOf(cat(le(1), "{")));
        assertEquals(INVALID_HEADER_DESERIALIZATION, kindOf(file("[]", 0)));
        assertEquals(INVALID_HEADER_DESERIALIZATION, kindOf(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]", 0)));
        assertEquals(INVALID_HEADER_DESERIALIZATION, kindOf(file("{} {}", 0)));
        assertEquals(INVALID_HEADER_DESERIALIZATION, kindOf(file("nope", 0)));
        assertEquals(INVALID_HEADER_DESERIALIZATION,
                kindOf(file("{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0)));
    }

    @Test
    void whitespacePaddingIsAccepted() {
        // test_whitespace_padded_header and test_whitespace_leading_padded_header
        assertEquals(0, SafetensorsHeader.parseFile(cat(le(6), "{}\r \t\n"), "x").tensors().size());
        assertEquals(0, SafetensorsHeader.parseFile(cat(le(6), "\t\n{}\r "), "x").tensors().size());
    }

    @Test
    void zeroSizedTensor() {
        // test_zero_sized_tensor: shape [2,0], offsets [0, 0], no data
        byte[] f = cat(le('<'), "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,0],\"data_offsets\":[0, 0]}}");
        SafetensorsHeader.Entry e = SafetensorsHeader.parseFile(f, "x").byName().get("test");
        assertArrayEquals(new long[] {2, 0}, e.info().shape());
        assertEquals(0, e.byteLength());
    }

    @Test
    void invalidInfo() {
        // test_invalid_info: shape [2,2] I32 but data_offsets [0, 4]
        byte[] f = cat(le('<'), "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0, 4]}}");
        assertEquals(TENSOR_INVALID_INFO, kindOf(f));
    }

    @Test
    void validationOverflow() {
        // test_validation_overflow: shape [2, u64::MAX - 1] and [2, i64::MAX]
        byte[] a = cat(le('O'), "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,18446744073709551614],"
                + "\"data_offsets\":[0,16]}}", new byte[16]);
        byte[] b = cat(le('N'), "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,9223372036854775807],"
                + "\"data_offsets\":[0,16]}}", new byte[16]);
        assertEquals(VALIDATION_OVERFLOW, kindOf(a));
        assertEquals(VALIDATION_OVERFLOW, kindOf(b));
    }

    @Test
    void duplicatesAreRejected() {
        String t = "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
        assertEquals(DUPLICATE_KEY, kindOf(file("{" + t + "," + t + "}", 1)));
        assertEquals(DUPLICATE_KEY, kindOf(file("{\"__metadata__\":{},\"__metadata__\":{}}", 0)));
        assertEquals(DUPLICATE_KEY, kindOf(file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0)));
    }

    @Test
    void metadataMustBeStrings() {
        assertEquals(INVALID_METADATA, kindOf(file("{\"__metadata__\":{\"k\":1}}", 0)));
        assertEquals(INVALID_METADATA, kindOf(file("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", 0)));
        assertEquals(INVALID_METADATA, kindOf(file("{\"__metadata__\":[]}", 0)));
        SafetensorsHeader h = SafetensorsHeader.parseFile(
                file("{\"__metadata__\":{\"format\":\"pt\",\"ü\":\"✓\"}}", 0), "x");
        assertEquals("pt", h.metadata().get("format"));
        assertEquals("✓", h.metadata().get("ü"));
    }

    @Test
    void gapsAndBadStartsAreInvalidOffsets() {
        String a = "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}";
        String gap = "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}";
        assertEquals(INVALID_OFFSET, kindOf(file("{" + a + "," + gap + "}", 5)));
        assertEquals(INVALID_OFFSET, kindOf(file("{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[1,3]}}", 3)));
        assertEquals(INVALID_OFFSET, kindOf(file("{\"b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,0]}}", 2)));
    }

    @Test
    void tensorsOutOfOrderInJsonAreSortedByOffset() {
        String b = "\"b\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[4,10]}";
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}";
        SafetensorsHeader h = SafetensorsHeader.parseFile(file("{" + b + "," + a + "}", 10), "x");
        assertEquals(List.of("a", "b"), h.tensors().stream().map(e -> e.info().name()).toList());
    }

    @Test
    void unknownDtypeAndSubByteAlignment() {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsHeader.parseFile(
                file("{\"w\":{\"dtype\":\"F12\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2), "m.safetensors"));
        assertEquals(UNKNOWN_DTYPE, e.kind());
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("F12"), e.getMessage());
        // test_serialization_fp4_misaligned: F4 with 3 elements does not fill whole bytes
        assertEquals(MISALIGNED_SLICE, kindOf(file("{\"w\":{\"dtype\":\"F4\",\"shape\":[1,3],\"data_offsets\":[0,2]}}", 2)));
        // test_serialization_fp4: F4 [1,2] is one byte
        SafetensorsHeader.parseFile(file("{\"w\":{\"dtype\":\"F4\",\"shape\":[1,2],\"data_offsets\":[0,1]}}", 1), "x");
    }
}
