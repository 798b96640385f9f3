package dev.groundiff.data;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The on-disk layout shared by {@link DatasetWriter} and {@link DatasetReader}:
 * <pre>
 * dataset.json              how it was made ({@link DatasetInfo})
 * manifest.json             finished shards, with the SHA-256 of each shard's records.json
 * shard-00000/records.json  the records (prompt, categories, seed, masks as COCO RLE) and the
 *                           size and SHA-256 of every other file of the shard
 * shard-00000/images/00000000.png
 * shard-00000/features/00000000.safetensors   (only records with features)
 * .shard-00001.tmp/         a shard being written (renamed to shard-00001 when complete)
 * </pre>
 * JSON is written with a fixed key order and no timestamps, so the same inputs give the same bytes.
 */
final class DatasetLayout {
    static final String INFO = "dataset.json";
    static final String MANIFEST = "manifest.json";
    static final String RECORDS = "records.json";
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private DatasetLayout() {}

    static String shardName(int shard) {
        return String.format(Locale.ROOT, "shard-%05d", shard);
    }

    static String tmpName(int shard) {
        return "." + shardName(shard) + ".tmp";
    }

    static String imageFile(long index) {
        return String.format(Locale.ROOT, "images/%08d.png", index);
    }

    static String featureFile(long index) {
        return String.format(Locale.ROOT, "features/%08d.safetensors", index);
    }

    static byte[] json(JsonElement e) {
        return (GSON.toJson(e) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonObject readJson(Path p, String what) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new GroundiffException(p + ": " + what + " is not a JSON object");
            return e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new GroundiffException(p + ": missing " + what);
        } catch (IOException e) {
            throw new GroundiffException(p + ": cannot read " + what + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new GroundiffException(p + ": " + what + " is not valid JSON (" + e.getMessage() + ")", e);
        }
    }
}
