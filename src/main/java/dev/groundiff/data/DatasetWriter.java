package dev.groundiff.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * Writes a sharded dataset (layout: {@link DatasetLayout}) so that it can be interrupted at any point
 * and resumed: a shard is written under {@code .shard-NNNNN.tmp/} and renamed to {@code shard-NNNNN/}
 * only when every file of it is on disk; the manifest is rebuilt from the finished shard folders
 * after each one. Reopening a folder with the same settings skips finished shards; with other
 * settings it refuses. Records carry no timestamps, so the finished folder is byte-identical
 * whatever the interruptions.
 *
 * <p>Several processes may write different shards of one folder at the same time (the manifest
 * update is locked); two writers must not write the same shard.
 */
public final class DatasetWriter {
    private final Path dir;
    private final DatasetInfo info;
    private final FileSink sink;

    private DatasetWriter(Path dir, DatasetInfo info, FileSink sink) {
        this.dir = dir;
        this.info = info;
        this.sink = sink;
    }

    public static DatasetWriter open(Path dir, DatasetInfo info) throws IOException {
        return open(dir, info, FileSink.DISK);
    }

    /** Creates the folder or checks that the existing one was made with the same settings. */
    public static DatasetWriter open(Path dir, DatasetInfo info, FileSink sink) throws IOException {
        Files.createDirectories(dir);
        Path infoFile = dir.resolve(DatasetLayout.INFO);
        DatasetInfo effective = info;
        if (Files.exists(infoFile)) {
            DatasetInfo onDisk = DatasetInfo.fromJson(DatasetLayout.readJson(infoFile, "dataset metadata"), infoFile.toString());
            List<String> diff = onDisk.differences(info);
            if (!diff.isEmpty()) {
                throw new GroundiffException(dir + " holds a dataset made with other settings; use another folder or the same settings ("
                        + String.join("; ", diff) + ")");
            }
            effective = onDisk;
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(p -> !p.getFileName().toString().startsWith("."))) {
                    throw new GroundiffException(dir + " is not empty and has no " + DatasetLayout.INFO + ": refusing to write a dataset into it");
                }
            }
            AtomicFiles.writeBytes(infoFile, DatasetLayout.json(info.toJson()));
        }
        DatasetWriter w = new DatasetWriter(dir, effective, sink);
        w.updateManifest();
        return w;
    }

    public DatasetInfo info() {
        return info;
    }

    public Path dir() {
        return dir;
    }

    public boolean isFinished(int shard) {
        return Files.isDirectory(dir.resolve(DatasetLayout.shardName(shard)));
    }

    /** Shards still to write, in order. */
    public List<Integer> pendingShards() {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < info.shardCount(); s++) if (!isFinished(s)) out.add(s);
        return out;
    }

    public boolean isComplete() {
        return pendingShards().isEmpty();
    }

    /**
     * Writes shard {@code shard}: {@code produce} is called for each index of the shard's range, in
     * order. On any failure (including an {@link IOException} from the sink) the partial shard is
     * removed and the exception propagates; the shard stays pending. A finished shard is skipped
     * (returns false) without calling {@code produce}.
     */
    public boolean writeShard(int shard, LongFunction<DatasetRecord> produce) throws IOException {
        if (shard < 0 || shard >= info.shardCount()) {
            throw new GroundiffException("shard " + shard + " does not exist (the dataset has " + info.shardCount() + " shards)");
        }
        if (isFinished(shard)) return false;
        Path tmp = dir.resolve(DatasetLayout.tmpName(shard));
        deleteTree(tmp); // left over from a crash
        try {
            Files.createDirectories(tmp.resolve("images"));
            JsonArray records = new JsonArray();
            Map<String, JsonObject> files = new TreeMap<>();
            for (long i = info.shardStart(shard); i < info.shardEnd(shard); i++) {
                DatasetRecord r = produce.apply(i);
                records.add(writeRecord(tmp, i, r, files));
            }
            JsonObject doc = new JsonObject();
            doc.addProperty("shard", DatasetLayout.shardName(shard));
            doc.add("records", records);
            JsonObject fileList = new JsonObject();
            files.forEach(fileList::add);
            doc.add("files", fileList);
            sink.write(tmp.resolve(DatasetLayout.RECORDS), DatasetLayout.json(doc));
            Files.move(tmp, dir.resolve(DatasetLayout.shardName(shard)), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
        updateManifest();
        return true;
    }

    private JsonObject writeRecord(Path tmp, long index, DatasetRecord r, Map<String, JsonObject> files) throws IOException {
        if (r == null) throw new IllegalStateException("no record produced for index " + index);
        if (r.index() != index) throw new IllegalStateException("record for index " + index + " carries index " + r.index());
        if (r.categories().isEmpty()) throw new GroundiffException("record " + index + " names no category");
        RgbImage im = r.image();
        JsonObject o = new JsonObject();
        o.addProperty("index", index);
        o.addProperty("prompt", r.prompt());
        JsonArray cats = new JsonArray();
        r.categories().forEach(cats::add);
        o.add("categories", cats);
        o.addProperty("seed", r.seed());
        o.addProperty("width", im.width());
        o.addProperty("height", im.height());
        String imageFile = DatasetLayout.imageFile(index);
        byte[] png = im.png();
        sink.write(tmp.resolve(imageFile), png);
        files.put(imageFile, fileEntry(png));
        o.addProperty("image", imageFile);
        JsonObject masks = new JsonObject();
        for (String c : new java.util.LinkedHashSet<>(r.categories())) {
            BitMask m = r.masks().get(c);
            if (m == null) continue; // detector missed it: no mask, not an empty one
            if (m.width() != im.width() || m.height() != im.height()) {
                throw new GroundiffException("record " + index + ": mask of '" + c + "' is " + m.width() + "x" + m.height() + ", the image " + im.width() + "x" + im.height());
            }
            CocoRle rle = CocoRle.encode(m);
            JsonObject jm = new JsonObject();
            JsonArray size = new JsonArray();
            size.add(rle.height());
            size.add(rle.width());
            jm.add("size", size);
            jm.addProperty("counts", rle.toCompressedString());
            masks.add(c, jm);
        }
        for (String c : r.masks().keySet()) {
            if (!r.categories().contains(c)) throw new GroundiffException("record " + index + ": mask for '" + c + "', which the prompt does not name");
        }
        o.add("masks", masks);
        if (!r.features().isEmpty()) {
            String featureFile = DatasetLayout.featureFile(index);
            Path fp = tmp.resolve(featureFile);
            Files.createDirectories(fp.getParent());
            Map<String, Tensor> bf16 = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : r.features().entrySet()) {
                Tensor t = e.getValue();
                bf16.put(e.getKey(), t.is_floating_point() ? t.to(ScalarType.BFloat16) : t);
            }
            SafeTensors.write(fp, bf16, Map.of("format", "pt"));
            files.put(featureFile, fileEntry(Files.readAllBytes(fp)));
            o.addProperty("features", featureFile);
        }
        return o;
    }

    private static JsonObject fileEntry(byte[] bytes) {
        JsonObject f = new JsonObject();
        f.addProperty("bytes", bytes.length);
        f.addProperty("sha256", DatasetLayout.sha256(bytes));
        return f;
    }

    /** Rebuilds manifest.json from the finished shard folders (locked against other writers). */
    private void updateManifest() throws IOException {
        Path lockFile = dir.resolve(".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            List<Path> shards;
            try (Stream<Path> s = Files.list(dir)) {
                shards = s.filter(p -> p.getFileName().toString().matches("shard-\\d{5}") && Files.isDirectory(p))
                        .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
            }
            JsonArray list = new JsonArray();
            long records = 0;
            for (Path p : shards) {
                byte[] rec = Files.readAllBytes(p.resolve(DatasetLayout.RECORDS));
                JsonObject doc = DatasetLayout.readJson(p.resolve(DatasetLayout.RECORDS), "shard records");
                int n = doc.getAsJsonArray("records").size();
                JsonObject e = new JsonObject();
                e.addProperty("name", p.getFileName().toString());
                e.addProperty("records", n);
                e.addProperty("sha256", DatasetLayout.sha256(rec));
                list.add(e);
                records += n;
            }
            JsonObject m = new JsonObject();
            m.addProperty("format", DatasetInfo.FORMAT);
            m.addProperty("shards_total", info.shardCount());
            m.addProperty("records", records);
            m.addProperty("complete", shards.size() == info.shardCount());
            m.add("shards", list);
            byte[] bytes = DatasetLayout.json(m);
            Path mf = dir.resolve(DatasetLayout.MANIFEST);
            if (!Files.exists(mf) || !java.util.Arrays.equals(Files.readAllBytes(mf), bytes)) AtomicFiles.writeBytes(mf, bytes);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
