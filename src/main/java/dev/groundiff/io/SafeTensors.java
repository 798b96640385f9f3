package dev.groundiff.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header, raw little-endian data.
 *
 * <p>Reading memory-maps each tensor and wraps it without copying; such a tensor is valid only while
 * this object is open, and must not be written to (the mapping is read-only). Every number the header
 * claims is checked against the real file size before anything is mapped, so a truncated or lying
 * file ends in a {@link GroundiffException}, never in a JVM crash.
 */
public final class SafeTensors implements AutoCloseable {
    /** The reference implementation refuses headers above 100 MB. */
    private static final long MAX_HEADER = 100L << 20;

    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long s : shape) n *= s;
            return n;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final List<MappedByteBuffer> mappings = new ArrayList<>();

    private SafeTensors(Path path, FileChannel channel, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new GroundiffException(path + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            return parse(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafeTensors parse(Path path, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) throw corrupt(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lb, 0);
            long n = lb.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw corrupt(path, "header length " + Long.toUnsignedString(n) + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8);
            JsonObject header;
            try {
                JsonElement el = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8));
                if (!el.isJsonObject()) throw corrupt(path, "header is not a JSON object");
                header = el.getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw corrupt(path, "header is not valid JSON (" + e.getMessage() + ")");
            }
            long dataLen = size - 8 - n;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isJsonObject()) throw corrupt(path, "__metadata__ is not an object");
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        if (!m.getValue().isJsonPrimitive()) throw corrupt(path, "__metadata__." + m.getKey() + " is not a string");
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                entries.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataLen));
            }
            checkOverlaps(path, entries);
            return new SafeTensors(path, ch, 8 + n, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new GroundiffException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static Entry entry(Path path, String name, JsonElement el, long dataLen) {
        try {
            JsonObject o = el.getAsJsonObject();
            String dt = o.get("dtype").getAsString();
            DType dtype = DType.fromSafetensors(dt);
            if (dtype == null) throw corrupt(path, "tensor '" + name + "' has unsupported dtype " + dt);
            JsonArray sh = o.getAsJsonArray("shape");
            long[] shape = new long[sh.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).getAsLong();
                if (shape[i] < 0) throw corrupt(path, "tensor '" + name + "' has a negative dimension");
                numel = Math.multiplyExact(numel, shape[i]);
            }
            JsonArray off = o.getAsJsonArray("data_offsets");
            if (off.size() != 2) throw corrupt(path, "tensor '" + name + "' needs two data_offsets");
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataLen) {
                throw corrupt(path, "tensor '" + name + "' claims bytes [" + begin + ", " + end + ") but the data section has " + dataLen + " bytes (truncated file?)");
            }
            long want = Math.multiplyExact(numel, (long) dtype.bytes);
            if (end - begin != want) {
                throw corrupt(path, "tensor '" + name + "' of shape " + Arrays.toString(shape) + " " + dt + " needs " + want + " bytes, the header gives " + (end - begin));
            }
            return new Entry(name, dtype, shape, begin, end);
        } catch (GroundiffException e) {
            throw e;
        } catch (RuntimeException e) { // missing fields, wrong JSON types, overflow
            throw corrupt(path, "tensor '" + name + "' has a malformed header entry (" + e + ")");
        }
    }

    private static void checkOverlaps(Path path, Map<String, Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries.values());
        sorted.sort((a, b) -> Long.compare(a.begin, b.begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin < a.end) throw corrupt(path, "tensors '" + a.name + "' and '" + b.name + "' overlap");
        }
    }

    private static GroundiffException corrupt(Path path, String what) {
        return new GroundiffException(path + ": not a valid safetensors file: " + what);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) throw new IOException("unexpected end of file");
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** A zero-copy, read-only view of the tensor; valid while this file is open. */
    public synchronized Tensor get(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new GroundiffException(path + ": no tensor '" + name + "'");
        Torch.init();
        if (e.numel() == 0) return torch.empty(e.shape, Tensors.options(e.dtype.scalarType), new org.bytedeco.pytorch.MemoryFormatOptional());
        try {
            MappedByteBuffer mb = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, e.end - e.begin);
            mappings.add(mb); // from_blob does not own the memory: keep the mapping reachable
            return torch.from_blob(new BytePointer(mb), e.shape, Tensors.options(e.dtype.scalarType));
        } catch (IOException ex) {
            throw new GroundiffException(path + ": cannot map tensor '" + name + "': " + ex.getMessage(), ex);
        }
    }

    /** Every tensor as an owned copy (safe to use after {@link #close()}), in header order. */
    public Map<String, Tensor> loadAll() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String k : entries.keySet()) out.put(k, get(k).clone());
        return out;
    }

    /** Reads a whole file into owned tensors. */
    public static Map<String, Tensor> load(Path path) {
        try (SafeTensors st = open(path)) {
            return st.loadAll();
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
        mappings.clear();
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to recover
        }
    }

    /** Writes tensors (keys sorted, as the reference writer does) atomically. */
    public static void write(Path target, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Torch.init();
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", new TreeMap<>(metadata));
        List<Tensor> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            Tensor t = e.getValue().detach().cpu().contiguous();
            DType dtype = DType.of(t.scalar_type());
            long nbytes = t.nbytes();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dtype.safetensorsName);
            info.put("shape", Tensors.shape(t));
            info.put("data_offsets", new long[] {offset, offset + nbytes});
            header.put(e.getKey(), info);
            data.add(t);
            offset += nbytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        AtomicFiles.write(target, tmp -> {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, head);
                for (Tensor t : data) {
                    if (t.nbytes() == 0) continue;
                    writeFully(out, new BytePointer(t.data_ptr()).capacity(t.nbytes()).asByteBuffer());
                }
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Whether the file starts like a safetensors file (used to tell formats apart). */
    public static boolean looksLike(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (ch.size() < 10) return false;
            ByteBuffer b = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, b, 0);
            long n = b.getLong(0);
            return n > 0 && n <= ch.size() - 8 && b.get(8) == '{';
        } catch (IOException e) {
            return false;
        }
    }

}
