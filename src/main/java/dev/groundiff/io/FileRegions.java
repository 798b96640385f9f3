package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Byte ranges of an open file turned into 1-D tensors: memory-mapped and wrapped without copying
 * when the range is aligned for its element type and little-endian, otherwise copied (and byte
 * swapped) into memory torch owns. The mappings stay reachable as long as this object is, because
 * {@code from_blob} tensors do not own their memory.
 */
final class FileRegions {
    private static final long CHUNK = 64L << 20;

    private final Path path;
    private final FileChannel channel;
    private final List<MappedByteBuffer> mappings = new ArrayList<>();

    FileRegions(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** A read-only mapping of a range below 2 GiB (pickles, small records). */
    ByteBuffer map(long offset, long length, String what) throws IOException {
        if (length > Integer.MAX_VALUE) throw new GroundiffException(path + ": " + what + " of " + length + " bytes is too large");
        MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, offset, length);
        mappings.add(mb);
        return mb.order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@code numel} elements of {@code dtype} at {@code offset}. When {@code crc32} is not null the
     * bytes must have that CRC-32 (zip records: PyTorch itself does not check it).
     */
    Tensor tensor(long offset, long numel, DType dtype, boolean bigEndian, Long crc32, String what) throws IOException {
        long nbytes = Math.multiplyExact(numel, (long) dtype.bytes);
        if (nbytes <= Integer.MAX_VALUE) {
            ByteBuffer mb = nbytes == 0 ? ByteBuffer.allocate(0) : map(offset, nbytes, what);
            if (crc32 != null) checkCrc(crc(mb.duplicate()), crc32, what);
            if (numel == 0) return torch.empty(new long[] {0}, Tensors.options(dtype.scalarType), new MemoryFormatOptional());
            BytePointer p = new BytePointer(mb);
            if (!bigEndian && p.address() % dtype.bytes == 0) {
                return torch.from_blob(p, new long[] {numel}, Tensors.options(dtype.scalarType));
            }
            Tensor t = torch.empty(new long[] {numel}, Tensors.options(dtype.scalarType), new MemoryFormatOptional());
            ByteBuffer dst = new BytePointer(t.data_ptr()).capacity(nbytes).asByteBuffer();
            dst.put(mb.duplicate());
            if (bigEndian) swap(dst, dtype.bytes);
            return t;
        }
        // beyond one mapping: read into owned memory in chunks
        Tensor t = torch.empty(new long[] {numel}, Tensors.options(dtype.scalarType), new MemoryFormatOptional());
        BytePointer base = new BytePointer(t.data_ptr()).capacity(nbytes);
        CRC32 crc = new CRC32();
        for (long done = 0; done < nbytes; ) {
            long n = Math.min(CHUNK, nbytes - done);
            ByteBuffer dst = new BytePointer(base).position(done).capacity(done + n).asByteBuffer();
            while (dst.hasRemaining()) {
                int r = channel.read(dst, offset + done + dst.position());
                if (r < 0) throw new GroundiffException(path + ": " + what + " is truncated");
            }
            dst.flip();
            if (crc32 != null) crc.update(dst.duplicate());
            if (bigEndian) swap(dst, dtype.bytes);
            done += n;
        }
        if (crc32 != null) checkCrc(crc.getValue(), crc32, what);
        return t;
    }

    static long crc(ByteBuffer b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    void checkCrc(long actual, long expected, String what) {
        if (actual != expected) {
            throw new GroundiffException(path + ": corrupt checkpoint: " + what + " has CRC-32 "
                    + String.format("%08x", actual) + " but the zip directory records " + String.format("%08x", expected));
        }
    }

    private static void swap(ByteBuffer b, int width) {
        if (width == 1) return;
        byte[] tmp = new byte[width];
        for (int p = b.position(); p + width <= b.limit(); p += width) {
            for (int i = 0; i < width; i++) tmp[i] = b.get(p + i);
            for (int i = 0; i < width; i++) b.put(p + i, tmp[width - 1 - i]);
        }
    }

    void release() {
        mappings.clear();
    }
}
