package dev.noodle.engine.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the dynamic loader sees of a 64-bit little-endian ELF shared library (x86-64, aarch64): its soname, the
 * sonames it needs, its run path, and its dynamic symbols. Read from the section headers without loading the
 * library, so a CUDA build can be checked on a machine without a GPU. Immutable.
 *
 * @param soname the library's DT_SONAME, or null when it has none
 * @param needed the DT_NEEDED sonames in file order
 * @param runPath DT_RUNPATH (or DT_RPATH), or null
 * @param defined the dynamic symbols the library defines (global or weak)
 * @param undefined the dynamic symbols it needs from others and cannot do without (undefined, not weak)
 */
public record ElfLibrary(String soname, List<String> needed, String runPath, Set<String> defined,
        Set<String> undefined) {
    private static final int SHT_DYNAMIC = 6;
    private static final int SHT_DYNSYM = 11;
    private static final long DT_NEEDED = 1;
    private static final long DT_SONAME = 14;
    private static final long DT_RPATH = 15;
    private static final long DT_RUNPATH = 29;

    /**
     * Reads {@code file}.
     *
     * @throws IOException when it cannot be read or is not a 64-bit little-endian ELF file (the message says which)
     */
    public static ElfLibrary read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            if (ch.read(head, 0) < 64 || head.getInt(0) != 0x464c457f) {
                throw new IOException(file + " is not an ELF library");
            }
            if (head.get(4) != 2 || head.get(5) != 1) {
                throw new IOException(file + " is not a 64-bit little-endian ELF library");
            }
            long shoff = head.getLong(0x28);
            int shentsize = Short.toUnsignedInt(head.getShort(0x3A));
            int shnum = Short.toUnsignedInt(head.getShort(0x3C));
            if (shoff <= 0 || shentsize < 64 || shnum == 0 || shoff + (long) shentsize * shnum > ch.size()) {
                throw new IOException(file + " has no readable section table");
            }
            ByteBuffer sh = ByteBuffer.allocate(shentsize * shnum).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(sh, shoff);
            long[][] sections = new long[shnum][];
            for (int i = 0; i < shnum; i++) {
                int o = i * shentsize;
                // type, offset, size, link, entsize
                sections[i] = new long[] {Integer.toUnsignedLong(sh.getInt(o + 4)), sh.getLong(o + 0x18),
                    sh.getLong(o + 0x20), Integer.toUnsignedLong(sh.getInt(o + 0x28)), sh.getLong(o + 0x38)};
            }
            String soname = null;
            String runPath = null;
            List<String> needed = new ArrayList<>();
            Set<String> defined = new HashSet<>();
            Set<String> undefined = new HashSet<>();
            for (long[] s : sections) {
                if (s[0] == SHT_DYNAMIC) {
                    ByteBuffer dyn = map(ch, s[1], s[2], file);
                    ByteBuffer str = strings(ch, sections, s[3], file);
                    for (int o = 0; o + 16 <= dyn.limit(); o += 16) {
                        long tag = dyn.getLong(o);
                        long val = dyn.getLong(o + 8);
                        if (tag == 0) {
                            break;
                        } else if (tag == DT_NEEDED) {
                            needed.add(string(str, val));
                        } else if (tag == DT_SONAME) {
                            soname = string(str, val);
                        } else if (tag == DT_RUNPATH || (tag == DT_RPATH && runPath == null)) {
                            runPath = string(str, val);
                        }
                    }
                } else if (s[0] == SHT_DYNSYM) {
                    ByteBuffer sym = map(ch, s[1], s[2], file);
                    ByteBuffer str = strings(ch, sections, s[3], file);
                    int size = s[4] >= 24 ? (int) s[4] : 24;
                    for (int o = size; o + 24 <= sym.limit(); o += size) { // entry 0 is the null symbol
                        int name = sym.getInt(o);
                        int bind = (sym.get(o + 4) & 0xff) >> 4;
                        int shndx = Short.toUnsignedInt(sym.getShort(o + 6));
                        if (name == 0 || bind == 0) {
                            continue;
                        }
                        String n = string(str, Integer.toUnsignedLong(name));
                        if (shndx != 0) {
                            defined.add(n);
                        } else if (bind != 2) {
                            undefined.add(n);
                        }
                    }
                }
            }
            return new ElfLibrary(soname, List.copyOf(needed), runPath, Set.copyOf(defined), Set.copyOf(undefined));
        }
    }

    private static ByteBuffer strings(FileChannel ch, long[][] sections, long link, Path file) throws IOException {
        if (link <= 0 || link >= sections.length) {
            throw new IOException(file + " has a broken string table link");
        }
        return map(ch, sections[(int) link][1], sections[(int) link][2], file);
    }

    private static ByteBuffer map(FileChannel ch, long offset, long size, Path file) throws IOException {
        if (offset < 0 || size < 0 || size > Integer.MAX_VALUE || offset + size > ch.size()) {
            throw new IOException(file + " has a section outside the file");
        }
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, offset, size);
        b.order(ByteOrder.LITTLE_ENDIAN);
        return b;
    }

    private static String string(ByteBuffer str, long at) {
        int start = (int) at;
        int end = start;
        while (end < str.limit() && str.get(end) != 0) {
            end++;
        }
        byte[] b = new byte[end - start];
        str.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
