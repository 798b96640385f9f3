package dev.groundiff.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a dataset written by {@link DatasetWriter}: only the shards listed in {@code manifest.json}.
 * Each shard is verified when read (the manifest's hash of records.json, then the size and hash of
 * every image and feature file), so a truncated or altered file is a {@link GroundiffException}
 * that names the shard and the file.
 */
public final class DatasetReader {
    /** A finished shard as the manifest lists it. */
    public record ShardEntry(String name, int records, String sha256) {}

    private final Path dir;
    private final DatasetInfo info;
    private final List<ShardEntry> shards;

    private DatasetReader(Path dir, DatasetInfo info, List<ShardEntry> shards) {
        this.dir = dir;
        this.info = info;
        this.shards = shards;
    }

    public static DatasetReader open(Path dir) {
        if (!Files.isDirectory(dir)) throw new GroundiffException(dir + ": no such dataset folder");
        Path infoFile = dir.resolve(DatasetLayout.INFO);
        DatasetInfo info = DatasetInfo.fromJson(DatasetLayout.readJson(infoFile, "dataset metadata"), infoFile.toString());
        Path mf = dir.resolve(DatasetLayout.MANIFEST);
        JsonObject m = DatasetLayout.readJson(mf, "dataset manifest");
        List<ShardEntry> list = new ArrayList<>();
        try {
            for (JsonElement e : m.getAsJsonArray("shards")) {
                JsonObject o = e.getAsJsonObject();
                list.add(new ShardEntry(o.get("name").getAsString(), o.get("records").getAsInt(), o.get("sha256").getAsString()));
            }
        } catch (RuntimeException e) {
            throw new GroundiffException(mf + ": malformed manifest (" + e + ")", e);
        }
        return new DatasetReader(dir, info, Collections.unmodifiableList(list));
    }

    public DatasetInfo info() {
        return info;
    }

    public List<ShardEntry> shards() {
        return shards;
    }

    /** Records in finished shards. */
    public long size() {
        long n = 0;
        for (ShardEntry s : shards) n += s.records();
        return n;
    }

    public boolean isComplete() {
        return shards.size() == info.shardCount();
    }

    /** Reads and verifies one finished shard (position in {@link #shards()}); features only when asked. */
    public List<DatasetRecord> readShard(int position, boolean withFeatures) {
        ShardEntry s = shards.get(position);
        Path sd = dir.resolve(s.name());
        String where = dir + ": shard " + s.name();
        byte[] recBytes = readFile(sd.resolve(DatasetLayout.RECORDS), where);
        if (!DatasetLayout.sha256(recBytes).equals(s.sha256())) {
            throw new GroundiffException(where + " is corrupt: " + DatasetLayout.RECORDS + " does not match the manifest (" + recBytes.length + " bytes)");
        }
        JsonObject doc = DatasetLayout.readJson(sd.resolve(DatasetLayout.RECORDS), "shard records");
        List<DatasetRecord> out = new ArrayList<>();
        try {
            JsonObject files = doc.getAsJsonObject("files");
            for (JsonElement e : doc.getAsJsonArray("records")) {
                out.add(record(sd, where, e.getAsJsonObject(), files, withFeatures));
            }
        } catch (GroundiffException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GroundiffException(where + " is corrupt: malformed records (" + e + ")", e);
        }
        if (out.size() != s.records()) throw new GroundiffException(where + " is corrupt: " + out.size() + " records, the manifest says " + s.records());
        return out;
    }

    /** Every record of every finished shard, in index order (features not loaded). */
    public Iterable<DatasetRecord> records() {
        return () -> new java.util.Iterator<>() {
            int shard = 0;
            java.util.Iterator<DatasetRecord> cur = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!cur.hasNext() && shard < shards.size()) cur = readShard(shard++, false).iterator();
                return cur.hasNext();
            }

            @Override
            public DatasetRecord next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                return cur.next();
            }
        };
    }

    private DatasetRecord record(Path sd, String where, JsonObject o, JsonObject files, boolean withFeatures) {
        long index = o.get("index").getAsLong();
        List<String> cats = new ArrayList<>();
        for (JsonElement c : o.getAsJsonArray("categories")) cats.add(c.getAsString());
        String imageFile = o.get("image").getAsString();
        byte[] png = verified(sd, where, imageFile, files);
        RgbImage image = RgbImage.decode(png, where + "/" + imageFile);
        Map<String, BitMask> masks = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("masks").entrySet()) {
            JsonObject m = e.getValue().getAsJsonObject();
            JsonArray size = m.getAsJsonArray("size");
            masks.put(e.getKey(), CocoRle.fromCompressedString(m.get("counts").getAsString(), size.get(0).getAsInt(), size.get(1).getAsInt()).decode());
        }
        Map<String, Tensor> features = Map.of();
        if (o.has("features")) {
            String ff = o.get("features").getAsString();
            byte[] bytes = verified(sd, where, ff, files);
            if (withFeatures) {
                if (bytes.length == 0) throw new GroundiffException(where + ": empty features file " + ff);
                features = SafeTensors.load(sd.resolve(ff));
            }
        }
        return new DatasetRecord(index, o.get("prompt").getAsString(), cats, o.get("seed").getAsLong(), image, masks, features);
    }

    private static byte[] verified(Path sd, String where, String rel, JsonObject files) {
        JsonObject f = files.has(rel) ? files.getAsJsonObject(rel) : null;
        if (f == null) throw new GroundiffException(where + " is corrupt: " + rel + " is not in its file list");
        byte[] bytes = readFile(sd.resolve(rel), where);
        long want = f.get("bytes").getAsLong();
        if (bytes.length != want) throw new GroundiffException(where + " is corrupt: " + rel + " has " + bytes.length + " bytes, expected " + want + " (truncated?)");
        if (!DatasetLayout.sha256(bytes).equals(f.get("sha256").getAsString())) throw new GroundiffException(where + " is corrupt: " + rel + " does not match its checksum");
        return bytes;
    }

    private static byte[] readFile(Path p, String where) {
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new GroundiffException(where + " is corrupt: " + p.getFileName() + " is missing");
        } catch (IOException e) {
            throw new GroundiffException(where + ": cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
