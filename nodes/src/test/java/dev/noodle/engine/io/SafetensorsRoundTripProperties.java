package dev.noodle.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * jqwik property: any set of F32/F16 tensors (any names, including Unicode; shapes with zero, one or several
 * dimensions, empty and scalar tensors; any float bits including NaN, infinities and subnormals) plus any string
 * metadata survives {@link SafetensorsWriter} → file → {@link SafetensorsFile}: same names, dtypes, shapes, metadata
 * and values (F32 bit-exact, F16 equal to the value rounded to half precision).
 */
class SafetensorsRoundTripProperties {

    record Spec(String name, DType dtype, long[] shape, float[] values) {}

    @Property(tries = 60)
    void writeThenReadGivesTheSameTensors(@ForAll("tensorSets") List<Spec> specs,
            @ForAll("metadata") Map<String, String> metadata) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        metadata.forEach(w::metadata);
        for (Spec s : specs) {
            if (s.dtype() == DType.F32) {
                w.addF32(s.name(), s.shape(), s.values());
            } else {
                w.addF16(s.name(), s.shape(), s.values());
            }
        }
        byte[] bytes = w.toBytes();
        SafetensorsHeader parsed = SafetensorsHeader.parseFile(bytes, "prop");
        assertEquals(0, parsed.dataStart() % 8, "data is 8-byte aligned");
        Path tmp = Files.createTempFile("prop", ".safetensors");
        try {
            w.write(tmp);
            assertArrayEquals(bytes, Files.readAllBytes(tmp));
            try (SafetensorsFile f = SafetensorsFile.open(tmp)) {
                assertEquals(metadata, f.metadata());
                assertEquals(specs.size(), f.keys().size());
                for (Spec s : specs) {
                    TensorInfo info = f.info(s.name());
                    assertEquals(s.dtype(), info.dtype(), s.name());
                    assertArrayEquals(s.shape(), info.shape(), s.name());
                    float[] got = f.loadFloats(s.name());
                    float[] want = s.values().clone();
                    if (s.dtype() == DType.F16) {
                        for (int i = 0; i < want.length; i++) {
                            want[i] = Float.float16ToFloat(Float.floatToFloat16(want[i]));
                        }
                    }
                    assertEquals(want.length, got.length, s.name());
                    for (int i = 0; i < want.length; i++) {
                        // NaN payloads may change in F16 rounding; compare NaN-ness there, bits otherwise
                        if (Float.isNaN(want[i])) {
                            assertEquals(true, Float.isNaN(got[i]), s.name() + "[" + i + "]");
                        } else {
                            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]),
                                    s.name() + "[" + i + "]");
                        }
                    }
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Arbitrary<String> names() {
        return Arbitraries.oneOf(
                        Arbitraries.strings().alpha().numeric().withChars("._-").ofMinLength(1).ofMaxLength(30),
                        Arbitraries.strings().withCharRange(' ', '\uD7FF').ofMinLength(1).ofMaxLength(8))
                .filter(n -> !n.equals("__metadata__"));
    }

    static Arbitrary<Float> floats() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(Float::intBitsToFloat), // every bit pattern
                Arbitraries.floats().between(-70000f, 70000f),
                Arbitraries.of(0f, -0f, 1f, Float.MIN_VALUE, 6.1e-5f, 65504f, 65520f, Float.NaN,
                        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
    }

    static Arbitrary<Spec> tensor(String name) {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 4).list().ofMaxSize(3)
                .map(l -> l.stream().mapToLong(Long::longValue).toArray());
        return Combinators.combine(Arbitraries.of(DType.F32, DType.F16), shapes).flatAs((dt, shape) -> {
            int n = (int) TensorCodec.elementCount(shape);
            return floats().array(float[].class).ofSize(n).map(v -> new Spec(name, dt, shape, v));
        });
    }

    @Provide
    Arbitrary<List<Spec>> tensorSets() {
        return names().list().uniqueElements().ofMaxSize(5).flatMap(ns -> {
            List<Arbitrary<Spec>> each = new ArrayList<>();
            ns.forEach(n -> each.add(tensor(n)));
            return Combinators.combine(each).as(List::copyOf);
        });
    }

    @Provide
    Arbitrary<Map<String, String>> metadata() {
        return Arbitraries.maps(names(), Arbitraries.strings().ofMaxLength(20)
                .filter(s -> s.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF)))
                .ofMaxSize(3).map(LinkedHashMap::new);
    }
}
