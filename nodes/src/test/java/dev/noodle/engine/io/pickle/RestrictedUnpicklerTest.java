package dev.noodle.engine.io.pickle;

import static org.junit.jupiter.api.Assertions.*;

import dev.noodle.engine.io.DType;
import dev.noodle.engine.io.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-built hostile pickles (docs/bad-inputs.md P1–P4, P6); opcodes as in CPython's pickletools. */
class RestrictedUnpicklerTest {
    private final ByteArrayOutputStream b = new ByteArrayOutputStream();

    private RestrictedUnpicklerTest op(int... bytes) {
        for (int x : bytes) {
            b.write(x);
        }
        return this;
    }

    private RestrictedUnpicklerTest text(String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private RestrictedUnpicklerTest str(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        return op(0x8c, u.length).text(s);
    }

    private static final RestrictedUnpickler.StorageResolver STORAGE = (dtype, key, numel) -> {
        if (!key.equals("0")) {
            throw new ModelFormatException("no storage " + key);
        }
        return new Py.StorageRef(key, dtype, 6);
    };

    private Object load() {
        return RestrictedUnpickler.load(b.toByteArray(), "t.ckpt", STORAGE);
    }

    private String failure() {
        return assertThrows(ModelFormatException.class, this::load).getMessage();
    }

    @Test
    void plainValues() {
        // {"a": [1, 300, 70000, True, None, 1.5, b"xy"], 7: ("t",)}
        op(0x80, 2, 0x7d, 0x28).str("a").op(0x5d, 0x28, 0x4b, 1, 0x4d, 0x2c, 0x01, 0x4a, 0x70, 0x11, 1, 0, 0x88, 0x4e,
                0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x43, 2).text("xy").op(0x65, 0x4b, 7).str("t")
                .op(0x85, 0x75, 0x2e);
        Map<?, ?> m = (Map<?, ?>) load();
        List<?> a = (List<?>) m.get("a");
        assertEquals(List.of(1L, 300L, 70000L, true), a.subList(0, 4));
        assertNull(a.get(4));
        assertEquals(1.5, a.get(5));
        assertArrayEquals("xy".getBytes(StandardCharsets.UTF_8), (byte[]) a.get(6));
        assertEquals(new Py.Tuple(List.of("t")), m.get(7L));
    }

    @Test
    void forbiddenGlobalsAreNamedBeforeAnythingRuns() {
        op(0x80, 2, 0x63).text("os\nsystem\n").str("echo").op(0x85, 0x52, 0x2e);
        assertEquals("os.system", assertThrows(ForbiddenGlobalException.class, this::load).global());
        b.reset();
        op(0x80, 4).str("builtins").str("eval").op(0x93).str("1").op(0x85, 0x52, 0x2e);
        assertEquals("builtins.eval", assertThrows(ForbiddenGlobalException.class, this::load).global());
        b.reset();
        op(0x80, 2, 0x69).text("subprocess\nPopen\n");
        assertEquals("subprocess.Popen", assertThrows(ForbiddenGlobalException.class, this::load).global());
    }

    @Test
    void lengthsPastTheEndAreRejectedBeforeAllocation() {
        op(0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f).text("abc");
        assertTrue(failure().contains("runs past the end"));
        b.reset();
        op(0x80, 2, 0x54, 0xff, 0xff, 0xff, 0xff).text("abc"); // BINSTRING -1
        assertTrue(failure().contains("negative"));
        b.reset();
        op(0x80, 4, 0x8e, 0, 0, 0, 0, 0, 0, 0, 0x80); // BINBYTES8 2^63
        assertTrue(failure().contains("out of range"));
    }

    @Test
    void structuralErrorsAreTypedNotClassCast() {
        op(0x80, 2, 0x4b, 1, 0x4b, 2, 0x61, 0x2e); // APPEND onto an int
        assertTrue(failure().contains("APPEND on a Long"));
        b.reset();
        op(0x80, 2, 0x5d, 0x4b, 1, 0x4b, 2, 0x73, 0x2e); // SETITEM onto a list
        assertTrue(failure().contains("SETITEM"));
        b.reset();
        op(0x80, 2, 0x2e); // STOP on empty stack
        assertTrue(failure().contains("STOP with an empty stack"));
        b.reset();
        op(0x80, 2, 0x74, 0x2e); // TUPLE without MARK
        assertTrue(failure().contains("MARK"));
        b.reset();
        op(0x80, 2, 0x68, 9, 0x2e); // BINGET of an unknown memo id
        assertTrue(failure().contains("memo id 9"));
        b.reset();
        op(0x80, 2, 0x4b, 1); // no STOP
        assertTrue(failure().contains("without STOP"));
        b.reset();
        op(0x80, 9, 0x4e, 0x2e);
        assertTrue(failure().contains("protocol 9"));
        b.reset();
        op(0x80, 2, 0x5d, 0x5d, 0x73, 0x2e); // list as dict key needs a dict first: SETITEM on list
        assertThrows(ModelFormatException.class, this::load);
    }

    @Test
    void deepNestingIsBounded() {
        // 100 000 nested lists built with constant stack: L0 q0, then repeatedly: ] q1 a 0 h1 -> depth grows
        op(0x80, 2, 0x5d, 0x71, 0);
        for (int i = 0; i < 100_000; i++) {
            op(0x5d, 0x71, 1, 0x61, 0x30, 0x68, 1);
        }
        op(0x30, 0x68, 0, 0x2e);
        assertTrue(failure().contains("nested deeper"));
        b.reset();
        op(0x80, 2);
        for (int i = 0; i <= RestrictedUnpickler.MAX_STACK; i++) {
            op(0x5d);
        }
        assertTrue(failure().contains("stack exceeds"));
        b.reset();
        op(0x80, 2, 0x4b, 1);
        for (int i = 0; i < 100_000; i++) {
            op(0x85); // ((((1,),),),...) : tuples nest without stack growth
        }
        op(0x2e);
        assertTrue(failure().contains("nested deeper"));
        b.reset();
        op(0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e); // a list containing itself
        assertTrue(failure().contains("cyclic"));
    }

    @Test
    void tensorViewsMustLieInsideTheirStorage() {
        // _rebuild_tensor_v2(storage(6 floats), offset, size, stride, False, OrderedDict())
        for (int[] c : new int[][] {{0, 2, 3, 3, 1, 1}, {1, 2, 3, 3, 1, 0}, {0, 3, 3, 1, 3, 0}}) {
            b.reset();
            op(0x80, 2, 0x63).text("torch._utils\n_rebuild_tensor_v2\n").op(0x28);
            op(0x28).str("storage").op(0x63).text("torch\nFloatStorage\n").str("0").str("cpu").op(0x4b, 6, 0x74, 0x51);
            op(0x4b, c[0], 0x4b, c[1], 0x4b, c[2], 0x86, 0x4b, c[3], 0x4b, c[4], 0x86, 0x89, 0x63)
                    .text("collections\nOrderedDict\n").op(0x29, 0x52, 0x74, 0x52, 0x2e);
            if (c[5] == 1) {
                PickleTensor t = assertInstanceOf(PickleTensor.class, load());
                assertEquals(DType.F32, t.dtype());
                assertArrayEquals(new long[] {2, 3}, t.shape());
            } else {
                assertTrue(failure().contains("which has only 6"), failure());
            }
        }
    }
}
