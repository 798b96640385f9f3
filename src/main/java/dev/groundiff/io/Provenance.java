package dev.groundiff.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How an output was made: written as {@code metadata.json} next to images, datasets and
 * checkpoints. Holds the settings, the model's identity (path and SHA-256 of every weight file)
 * and the code version, so any result can be traced and reproduced.
 */
public final class Provenance {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();
    /** Hashing a 4 GB checkpoint takes seconds: remember results per (path, size, mtime) within a run. */
    private static final ConcurrentHashMap<String, String> HASHES = new ConcurrentHashMap<>();

    private Provenance() {}

    public static String sha256(Path file) throws IOException {
        String key = file.toAbsolutePath() + "|" + Files.size(file) + "|" + Files.getLastModifiedTime(file).toMillis();
        String cached = HASHES.get(key);
        if (cached != null) return cached;
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
        }
        String hex = HexFormat.of().formatHex(md.digest());
        HASHES.put(key, hex);
        return hex;
    }

    /** {@code {"path": ..., "files": {relative name: sha256}}} for a model made of these weight files. */
    public static JsonObject modelIdentity(Path modelPath, List<Path> weightFiles) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("path", modelPath.toAbsolutePath().normalize().toString());
        JsonObject files = new JsonObject();
        Path base = Files.isDirectory(modelPath) ? modelPath : modelPath.toAbsolutePath().getParent();
        for (Path f : weightFiles) {
            String name = base.toAbsolutePath().relativize(f.toAbsolutePath()).toString();
            files.addProperty(name, sha256(f));
        }
        o.add("files", files);
        return o;
    }

    public static JsonElement toJsonTree(Object o) {
        return GSON.toJsonTree(o);
    }

    public static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }

    /** Writes {@code metadata} (with {@code code_version} added) atomically as pretty JSON. */
    public static void write(Path file, JsonObject metadata, String codeVersion) throws IOException {
        JsonObject copy = metadata.deepCopy();
        copy.addProperty("code_version", codeVersion);
        AtomicFiles.writeString(file, GSON.toJson(copy) + "\n");
    }
}
