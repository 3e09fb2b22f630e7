package dev.noodle.engine.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;

/**
 * Jazzer fuzz target for the EXIF orientation reader over JPEG, PNG and WebP containers: whatever the bytes, it
 * answers an orientation 1–8 without throwing, so a damaged EXIF block never stops an image from loading. Regression
 * inputs live under {@code ExifOrientationFuzzTestInputs/orientation/}.
 */
class ExifOrientationFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void orientation(byte[] file) throws IOException {
        int o = ExifOrientation.of(new Bytes(file));
        assertTrue(o >= 1 && o <= 8, "orientation " + o);
    }

    /** A read-only channel over a byte array. */
    static final class Bytes implements SeekableByteChannel {
        private final byte[] data;
        private long pos;

        Bytes(byte[] data) {
            this.data = data;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (pos >= data.length) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), data.length - pos);
            dst.put(data, (int) pos, n);
            pos += n;
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public SeekableByteChannel position(long p) {
            pos = p;
            return this;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }
}
