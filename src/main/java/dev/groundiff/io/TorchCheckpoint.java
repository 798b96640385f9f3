package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch checkpoint ({@code torch.save}: {@code .ckpt}, {@code .pth}, {@code .pt}) read without
 * executing anything: the zip format (torch ≥ 1.6) and the legacy stream format. The pickle is
 * interpreted by {@link PickleReader}: tensors, OrderedDicts and plain values are rebuilt, other
 * objects become {@link Opaque} placeholders, and a pickle naming a code-executing global rejects the
 * whole file. Tensors are zero-copy views of the memory-mapped file where alignment allows; they are
 * valid while this object is open and must not be modified in place.
 */
public final class TorchCheckpoint implements AutoCloseable {
    private static final byte[] LEGACY_MAGIC = {0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    private static final BigInteger LEGACY_MAGIC_NUMBER = new BigInteger("1950a86a20f9469cfc6c", 16);

    private final Path path;
    private final FileChannel channel;
    private final FileRegions regions;
    private final String container;
    private final Object root;
    private final Map<String, Tensor> tensors;
    private final Map<String, Object> otherLeaves;

    private TorchCheckpoint(Path path, FileChannel channel, FileRegions regions, String container, Object root) {
        this.path = path;
        this.channel = channel;
        this.regions = regions;
        this.container = container;
        this.root = root;
        Map<String, Tensor> t = new LinkedHashMap<>();
        Map<String, Object> o = new LinkedHashMap<>();
        CheckpointTree.flatten(root, t, o, path.toString());
        this.tensors = Collections.unmodifiableMap(t);
        this.otherLeaves = Collections.unmodifiableMap(o);
    }

    public static TorchCheckpoint open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new GroundiffException(path + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(path + ": cannot open: " + e.getMessage(), e);
        }
        FileRegions regions = new FileRegions(path, ch);
        try {
            Torch.init();
            byte[] head = new byte[16];
            int n = (int) Math.min(head.length, ch.size());
            ByteBuffer hb = ZipArchive.readAt(ch, 0, n);
            hb.get(head, 0, n);
            if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                return new TorchCheckpoint(path, ch, regions, "zip", readZip(path, ch, regions));
            }
            if (n >= 14 && (head[0] & 0xFF) == 0x80 && head[1] >= 2 && head[1] <= 5 && (head[2] & 0xFF) == 0x8a && head[3] == 10
                    && java.util.Arrays.equals(head, 4, 14, LEGACY_MAGIC, 0, 10)) {
                return new TorchCheckpoint(path, ch, regions, "legacy", readLegacy(path, ch, regions));
            }
            throw new GroundiffException(path + ": not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy torch.save file)");
        } catch (IOException e) {
            closeQuietly(ch);
            throw new GroundiffException(path + ": cannot read: " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            closeQuietly(ch);
            throw new GroundiffException(path + ": corrupt checkpoint: a size overflows", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    // ---- zip format ----------------------------------------------------------------------------

    private static Object readZip(Path path, FileChannel ch, FileRegions regions) throws IOException {
        ZipArchive zip = ZipArchive.read(path, ch);
        ZipArchive.Entry pkl = null;
        for (ZipArchive.Entry e : zip.entries().values()) {
            String name = e.name();
            if (name.equals("data.pkl") || name.endsWith("/data.pkl")) {
                if (pkl != null) throw new GroundiffException(path + ": ambiguous checkpoint: records '" + pkl.name() + "' and '" + name + "'");
                pkl = e;
            }
        }
        if (pkl == null) throw new GroundiffException(path + ": a zip file but not a torch checkpoint (no data.pkl record)");
        String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        boolean bigEndian = false;
        ZipArchive.Entry order = zip.entries().get(prefix + "byteorder");
        if (order != null) {
            String bo = new String(bytes(path, regions, order), StandardCharsets.US_ASCII).trim();
            if (!bo.equals("little") && !bo.equals("big")) throw new GroundiffException(path + ": unknown byteorder '" + bo + "'");
            bigEndian = bo.equals("big");
        }
        ByteBuffer pickle = ByteBuffer.wrap(bytes(path, regions, pkl));
        String source = path + " (" + pkl.name() + ")";
        Map<String, TorchStorages.Storage> storages = new HashMap<>();
        boolean swap = bigEndian;
        PickleReader reader = new PickleReader(pickle, source, TorchStorages.rebuilders(source), pid -> {
            PickleTuple t = storagePid(source, pid, 5);
            DType dtype = TorchStorages.storageType(source, t.get(1));
            String key = t.get(2).toString();
            long numel = TorchStorages.asLong(source, t.get(4), "storage size");
            TorchStorages.Storage s = storages.get(key);
            if (s != null) {
                if (s.dtype() != dtype) throw new GroundiffException(source + ": storage '" + key + "' is used with two element types");
                return s;
            }
            ZipArchive.Entry rec = zip.entries().get(prefix + "data/" + key);
            if (rec == null) throw new GroundiffException(path + ": storage record '" + prefix + "data/" + key + "' is missing");
            if (rec.method() != 0) throw new GroundiffException(path + ": record '" + rec.name() + "' is compressed; torch checkpoints store records uncompressed");
            if (numel < 0 || numel > rec.size() / dtype.bytes) {
                throw new GroundiffException(path + ": corrupt checkpoint: record '" + rec.name() + "' holds " + rec.size()
                        + " bytes but the pickle declares a " + numel + "-element " + dtype.torchName + " storage ("
                        + (numel < 0 ? "negative" : Math.multiplyExact(numel, (long) dtype.bytes) + " bytes") + ")");
            }
            try {
                Tensor data = regions.tensor(rec.dataOffset(), numel, dtype, swap,
                        numel * dtype.bytes == rec.size() ? rec.crc32() : null, "record '" + rec.name() + "'");
                if (numel * dtype.bytes != rec.size()) regions.checkCrc(crcOf(regions, rec), rec.crc32(), "record '" + rec.name() + "'");
                s = new TorchStorages.Storage(key, dtype, numel, data, 0);
            } catch (IOException e) {
                throw new GroundiffException(path + ": cannot read record '" + rec.name() + "': " + e.getMessage(), e);
            }
            storages.put(key, s);
            return s;
        });
        return reader.load();
    }

    private static long crcOf(FileRegions regions, ZipArchive.Entry rec) throws IOException {
        return FileRegions.crc(regions.map(rec.dataOffset(), rec.size(), "record '" + rec.name() + "'"));
    }

    /** A small record's bytes, CRC-checked. */
    private static byte[] bytes(Path path, FileRegions regions, ZipArchive.Entry e) throws IOException {
        if (e.method() != 0) throw new GroundiffException(path + ": record '" + e.name() + "' is compressed; torch checkpoints store records uncompressed");
        ByteBuffer b = regions.map(e.dataOffset(), e.size(), "record '" + e.name() + "'");
        regions.checkCrc(FileRegions.crc(b.duplicate()), e.crc32(), "record '" + e.name() + "'");
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static PickleTuple storagePid(String source, Object pid, int minSize) {
        if (!(pid instanceof PickleTuple t) || t.size() < minSize || !"storage".equals(t.get(0))) {
            throw new GroundiffException(source + ": unsupported persistent id (expected a ('storage', ...) tuple)");
        }
        if (!(t.get(2) instanceof String || t.get(2) instanceof Long)) throw new GroundiffException(source + ": storage key is not a string");
        return t;
    }

    // ---- legacy format ---------------------------------------------------------------------------

    private record PendingStorage(DType dtype, long numel) {}

    /**
     * Five pickles (magic number, protocol version, sys_info, the object, the storage keys), then
     * each storage as an int64 element count and its raw bytes. The object pickle comes before the
     * keys that locate its storages, so it is read twice: once to learn the storages' types, once to
     * build the tensors.
     */
    private static Object readLegacy(Path path, FileChannel ch, FileRegions regions) throws IOException {
        long size = ch.size();
        ByteBuffer all = regions.map(0, Math.min(size, Integer.MAX_VALUE), "pickle stream");
        String src = path.toString();
        Map<String, PickleReader.Rebuilder> none = Map.of();
        PickleReader.PersistentLoader noPid = pid -> { throw new GroundiffException(src + ": unexpected persistent id in a header pickle"); };

        PickleReader magic = new PickleReader(all, src + " (magic number)", none, noPid);
        Object m = magic.load();
        if (!LEGACY_MAGIC_NUMBER.equals(m)) throw new GroundiffException(src + ": wrong legacy magic number");
        int pos = magic.consumed();
        PickleReader proto = new PickleReader(all.position(pos), src + " (protocol version)", none, noPid);
        Object pv = proto.load();
        if (!Long.valueOf(1001).equals(pv)) throw new GroundiffException(src + ": unsupported legacy protocol version " + pv);
        pos += proto.consumed();
        PickleReader sysInfoReader = new PickleReader(all.position(pos), src + " (sys_info)", none, noPid);
        Object sysInfo = sysInfoReader.load();
        pos += sysInfoReader.consumed();
        boolean bigEndian = sysInfo instanceof Map<?, ?> si && Boolean.FALSE.equals(si.get("little_endian"));

        // pass 1: which storages, of which type (nothing is built; globals are still policed)
        int objectStart = pos;
        Map<String, PendingStorage> pending = new LinkedHashMap<>();
        PickleReader scan = new PickleReader(all.position(objectStart), src, none, pid -> {
            PickleTuple t = storagePid(src, pid, 6);
            String key = t.get(2).toString();
            DType dtype = TorchStorages.storageType(src, t.get(1));
            long numel = TorchStorages.asLong(src, t.get(4), "storage size");
            PendingStorage prev = pending.putIfAbsent(key, new PendingStorage(dtype, numel));
            if (prev != null && prev.dtype() != dtype) throw new GroundiffException(src + ": storage '" + key + "' is used with two element types");
            return t;
        });
        scan.load();
        pos += scan.consumed();
        PickleReader keysReader = new PickleReader(all.position(pos), src + " (storage keys)", none, noPid);
        Object keys = keysReader.load();
        pos += keysReader.consumed();
        if (!(keys instanceof List<?> keyList)) throw new GroundiffException(src + ": the storage key list is not a list");

        // locate each storage: int64 element count + bytes, in key order
        Map<String, long[]> located = new HashMap<>(); // key -> {offset, numel}
        long p = pos;
        for (Object k : keyList) {
            String key = String.valueOf(k);
            PendingStorage ps = pending.get(key);
            if (ps == null) throw new GroundiffException(src + ": storage '" + key + "' is listed but never used");
            if (p + 8 > size) throw new GroundiffException(src + ": truncated before storage '" + key + "'");
            long numel = ZipArchive.readAt(ch, p, 8).getLong(0);
            long avail = (size - p - 8) / ps.dtype().bytes;
            if (numel < 0 || numel > avail) {
                throw new GroundiffException(src + ": storage '" + key + "' claims " + numel + " elements, the file has room for " + avail + " (truncated?)");
            }
            if (numel < ps.numel()) {
                throw new GroundiffException(src + ": storage '" + key + "' holds " + numel + " elements but the pickle declares " + ps.numel());
            }
            located.put(key, new long[] {p + 8, numel});
            p += 8 + numel * ps.dtype().bytes;
        }

        // pass 2: build
        Map<String, TorchStorages.Storage> storages = new HashMap<>();
        PickleReader object = new PickleReader(all.position(objectStart), src, TorchStorages.rebuilders(src), pid -> {
            PickleTuple t = storagePid(src, pid, 6);
            String key = t.get(2).toString();
            TorchStorages.Storage root = storages.get(key);
            if (root == null) {
                long[] loc = located.get(key);
                if (loc == null) throw new GroundiffException(src + ": storage '" + key + "' is not in the storage key list");
                PendingStorage ps = pending.get(key);
                try {
                    root = new TorchStorages.Storage(key, ps.dtype(), loc[1], regions.tensor(loc[0], loc[1], ps.dtype(), bigEndian, null, "storage '" + key + "'"), 0);
                } catch (IOException e) {
                    throw new GroundiffException(src + ": cannot read storage '" + key + "': " + e.getMessage(), e);
                }
                storages.put(key, root);
            }
            Object view = t.get(5);
            if (view == null) return root;
            // a storage view (torch < 0.4): (view_key, offset, size) inside the root storage
            if (!(view instanceof PickleTuple v) || v.size() != 3) throw new GroundiffException(src + ": malformed storage view metadata");
            long off = TorchStorages.asLong(src, v.get(1), "view offset");
            long n = TorchStorages.asLong(src, v.get(2), "view size");
            if (off < 0 || n < 0 || off > root.numel() - n) throw new GroundiffException(src + ": storage view outside storage '" + key + "'");
            return new TorchStorages.Storage(String.valueOf(v.get(0)), root.dtype(), n, root.data(), root.baseOffset() + off);
        });
        return object.load();
    }

    // ---- API -----------------------------------------------------------------------------------

    public Path path() {
        return path;
    }

    /** {@code zip} or {@code legacy}. */
    public String container() {
        return container;
    }

    /** The loaded object: Map / List / {@link PickleTuple} / Tensor / String / Long / Double / Boolean / null / {@link Opaque} / {@link PickleGlobal}. */
    public Object root() {
        return root;
    }

    /** Every tensor by path ({@code /state_dict/model.diffusion_model.conv_in.weight}), in pickle order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Every non-tensor leaf (numbers, strings, None, placeholders, empty containers) by path. */
    public Map<String, Object> otherLeaves() {
        return otherLeaves;
    }

    /**
     * The state dict of a checkpoint as owned tensors (usable after the file is closed): the dict under
     * {@code state_dict} if there is one (CompVis / pytorch-lightning), else the root dict; keys as in
     * the file. Non-tensor entries are skipped.
     */
    public static Map<String, Tensor> loadStateDict(Path path) {
        try (TorchCheckpoint ck = open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : ck.stateDict().entrySet()) out.put(e.getKey(), e.getValue().contiguous().clone());
            return out;
        }
    }

    /** The state dict as views valid while this checkpoint is open (see {@link #loadStateDict}). */
    public Map<String, Tensor> stateDict() {
        if (!(root instanceof Map<?, ?> top)) throw new GroundiffException(path + ": the checkpoint holds a " + CheckpointTree.typeName(root) + ", not a state dict");
        Object sd = top.get("state_dict") instanceof Map<?, ?> inner ? inner : top;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) sd).entrySet()) {
            if (e.getValue() instanceof Tensor t) {
                if (!(e.getKey() instanceof String k)) throw new GroundiffException(path + ": state dict key " + e.getKey() + " is not a string");
                out.put(k, t);
            }
        }
        if (out.isEmpty()) throw new GroundiffException(path + ": the checkpoint holds no state dict of tensors");
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
        regions.release();
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to recover
        }
    }

    /** Whether a file starts like a torch checkpoint (zip or legacy); used to tell formats apart. */
    public static boolean looksLike(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() < 4) return false;
            ByteBuffer b = ZipArchive.readAt(ch, 0, 4).order(ByteOrder.BIG_ENDIAN);
            int m = b.getInt(0);
            return m == 0x504b0304 || (m >>> 24) == 0x80 && (m & 0xFFFF) == 0x8a0a;
        } catch (IOException e) {
            return false;
        }
    }
}
