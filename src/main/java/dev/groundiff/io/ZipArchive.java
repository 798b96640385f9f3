package dev.groundiff.io;

import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file, as PyTorch writes checkpoints: stored (uncompressed) records,
 * data descriptors, ZIP64 end records and extra fields. Only what is needed to locate each record's
 * bytes is read; every offset and size is checked against the real file size, so a truncated or
 * lying archive ends in a {@link GroundiffException}. {@link java.util.zip.ZipFile} cannot be used:
 * it hides the data offsets needed to memory-map records.
 */
final class ZipArchive {
    /** A record; {@code dataOffset} is the absolute offset of its first byte in the file. */
    record Entry(String name, int method, long compressedSize, long size, long crc32, long dataOffset) {}

    private static final int EOCD = 0x06054b50, EOCD64 = 0x06064b50, LOCATOR64 = 0x07064b50;
    private static final int CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
    private static final long MAX_CENTRAL_DIRECTORY = 256L << 20;

    private final Map<String, Entry> entries;

    private ZipArchive(Map<String, Entry> entries) {
        this.entries = entries;
    }

    Map<String, Entry> entries() {
        return entries;
    }

    static ZipArchive read(Path path, FileChannel ch) throws IOException {
        long size = ch.size();
        int tailLen = (int) Math.min(size, 22 + 0xFFFF);
        ByteBuffer tail = readAt(ch, size - tailLen, tailLen);
        int eocd = -1;
        for (int p = tailLen - 22; p >= 0; p--) {
            if (tail.getInt(p) == EOCD && p + 22 + (tail.getShort(p + 20) & 0xFFFF) == tailLen) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) throw bad(path, "no end-of-central-directory record (truncated or not a zip file)");
        long eocdPos = size - tailLen + eocd;
        long count = tail.getShort(eocd + 10) & 0xFFFF;
        long cdSize = tail.getInt(eocd + 12) & 0xFFFFFFFFL;
        long cdOffset = tail.getInt(eocd + 16) & 0xFFFFFFFFL;
        long cdEnd = eocdPos;
        if (eocd >= 20 && tail.getInt(eocd - 20) == LOCATOR64) {
            long z64 = tail.getLong(eocd - 20 + 8);
            if (z64 < 0 || z64 > eocdPos - 56) throw bad(path, "ZIP64 end record offset " + z64 + " is outside the file");
            ByteBuffer r = readAt(ch, z64, 56);
            if (r.getInt(0) != EOCD64) throw bad(path, "no ZIP64 end record where the locator points");
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
            cdEnd = z64;
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > cdEnd || cdSize > cdEnd - cdOffset) {
            throw bad(path, "central directory [" + cdOffset + ", +" + cdSize + ") does not fit the file (truncated?)");
        }
        if (cdSize > MAX_CENTRAL_DIRECTORY) throw bad(path, "central directory of " + cdSize + " bytes is implausibly large");
        if (count < 0 || count > cdSize / 46) throw bad(path, "central directory claims " + count + " records in " + cdSize + " bytes");
        ByteBuffer cd = readAt(ch, cdOffset, (int) cdSize);
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p + 46 > cd.limit() || cd.getInt(p) != CENTRAL) throw bad(path, "central directory entry " + i + " is malformed");
            int flags = cd.getShort(p + 8) & 0xFFFF;
            int method = cd.getShort(p + 10) & 0xFFFF;
            long crc = cd.getInt(p + 16) & 0xFFFFFFFFL;
            long csize = cd.getInt(p + 20) & 0xFFFFFFFFL;
            long usize = cd.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLen = cd.getShort(p + 28) & 0xFFFF;
            int extraLen = cd.getShort(p + 30) & 0xFFFF;
            int commentLen = cd.getShort(p + 32) & 0xFFFF;
            long lho = cd.getInt(p + 42) & 0xFFFFFFFFL;
            int next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cd.limit()) throw bad(path, "central directory entry " + i + " runs past the directory");
            byte[] nb = new byte[nameLen];
            cd.get(p + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            // ZIP64 extra field: the 64-bit values of the fields saturated at 0xFFFFFFFF, in this order
            int e = p + 46 + nameLen, eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = cd.getShort(e) & 0xFFFF, len = cd.getShort(e + 2) & 0xFFFF;
                if (e + 4 + len > eEnd) throw bad(path, "record '" + name + "' has a malformed extra field");
                if (id == 0x0001) {
                    int q = e + 4, qEnd = q + len;
                    if (usize == 0xFFFFFFFFL) { need(path, name, q + 8 <= qEnd); usize = cd.getLong(q); q += 8; }
                    if (csize == 0xFFFFFFFFL) { need(path, name, q + 8 <= qEnd); csize = cd.getLong(q); q += 8; }
                    if (lho == 0xFFFFFFFFL) { need(path, name, q + 8 <= qEnd); lho = cd.getLong(q); }
                }
                e += 4 + len;
            }
            if ((flags & 1) != 0) throw bad(path, "record '" + name + "' is encrypted");
            if (csize < 0 || usize < 0 || lho < 0 || lho > cdOffset - 30) {
                throw bad(path, "record '" + name + "' has sizes or an offset outside the file");
            }
            ByteBuffer lh = readAt(ch, lho, 30);
            if (lh.getInt(0) != LOCAL) throw bad(path, "record '" + name + "' has no local header at offset " + lho);
            long dataOffset = lho + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
            if (dataOffset > cdOffset || csize > cdOffset - dataOffset) {
                throw bad(path, "record '" + name + "' claims " + csize + " bytes at offset " + dataOffset + ", past the end of the data (truncated?)");
            }
            if (method == 0 && csize != usize) throw bad(path, "stored record '" + name + "' has different compressed and real sizes");
            if (entries.put(name, new Entry(name, method, csize, usize, crc, dataOffset)) != null) {
                throw bad(path, "record '" + name + "' appears twice");
            }
            p = next;
        }
        return new ZipArchive(Collections.unmodifiableMap(entries));
    }

    private static void need(Path path, String name, boolean ok) {
        if (!ok) throw bad(path, "record '" + name + "' has a truncated ZIP64 extra field");
    }

    static ByteBuffer readAt(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
        return b.clear();
    }

    private static GroundiffException bad(Path path, String what) {
        return new GroundiffException(path + ": not a valid zip checkpoint: " + what);
    }
}
