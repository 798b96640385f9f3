package dev.groundiff.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a dataset was made ({@code dataset.json}). Everything except {@code codeVersion} is a setting:
 * a writer reopened on a folder made with other settings refuses to continue. {@code codeVersion} is
 * provenance only; a resumed run keeps the version recorded by the first one.
 *
 * @param count      number of records in the whole dataset
 * @param shardSize  records per shard (the last shard may be shorter)
 * @param extra      any further settings the caller wants recorded and checked (e.g. detector, policy)
 */
public record DatasetInfo(String modelId, String modelHash, String split, String subset, long seed,
                          int steps, double guidance, long count, int shardSize,
                          Map<String, String> extra, String codeVersion) {
    public static final String FORMAT = "groundiff-dataset/1";

    public DatasetInfo {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modelHash, "modelHash");
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(subset, "subset");
        if (count < 0) throw new GroundiffException("dataset size must not be negative: " + count);
        if (shardSize <= 0) throw new GroundiffException("shard size must be positive: " + shardSize);
        extra = extra == null ? Map.of() : Map.copyOf(new TreeMap<>(extra));
        codeVersion = codeVersion == null ? "unknown" : codeVersion;
    }

    public int shardCount() {
        return (int) ((count + shardSize - 1) / shardSize);
    }

    public long shardStart(int shard) {
        return (long) shard * shardSize;
    }

    public long shardEnd(int shard) {
        return Math.min(count, shardStart(shard) + shardSize);
    }

    JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("model_id", modelId);
        o.addProperty("model_hash", modelHash);
        o.addProperty("split", split);
        o.addProperty("subset", subset);
        o.addProperty("seed", seed);
        o.addProperty("steps", steps);
        o.addProperty("guidance", guidance);
        o.addProperty("count", count);
        o.addProperty("shard_size", shardSize);
        JsonObject e = new JsonObject();
        new TreeMap<>(extra).forEach(e::addProperty);
        o.add("extra", e);
        o.addProperty("code_version", codeVersion);
        return o;
    }

    static DatasetInfo fromJson(JsonObject o, String where) {
        try {
            String format = o.get("format").getAsString();
            if (!FORMAT.equals(format)) throw new GroundiffException(where + ": unsupported dataset format '" + format + "' (expected " + FORMAT + ")");
            Map<String, String> extra = new TreeMap<>();
            if (o.has("extra")) for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("extra").entrySet()) extra.put(e.getKey(), e.getValue().getAsString());
            return new DatasetInfo(o.get("model_id").getAsString(), o.get("model_hash").getAsString(),
                    o.get("split").getAsString(), o.get("subset").getAsString(), o.get("seed").getAsLong(),
                    o.get("steps").getAsInt(), o.get("guidance").getAsDouble(), o.get("count").getAsLong(),
                    o.get("shard_size").getAsInt(), extra,
                    o.has("code_version") ? o.get("code_version").getAsString() : null);
        } catch (GroundiffException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GroundiffException(where + ": malformed dataset metadata (" + e + ")", e);
        }
    }

    /** The settings that differ from {@code other}, as "name: this vs other" (empty when compatible). */
    public List<String> differences(DatasetInfo other) {
        List<String> d = new ArrayList<>();
        diff(d, "model_id", modelId, other.modelId);
        diff(d, "model_hash", modelHash, other.modelHash);
        diff(d, "split", split, other.split);
        diff(d, "subset", subset, other.subset);
        diff(d, "seed", seed, other.seed);
        diff(d, "steps", steps, other.steps);
        diff(d, "guidance", guidance, other.guidance);
        diff(d, "count", count, other.count);
        diff(d, "shard_size", shardSize, other.shardSize);
        diff(d, "extra", new TreeMap<>(extra), new TreeMap<>(other.extra));
        return d;
    }

    private static void diff(List<String> out, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) out.add(name + ": " + a + " (on disk) vs " + b + " (requested)");
    }
}
