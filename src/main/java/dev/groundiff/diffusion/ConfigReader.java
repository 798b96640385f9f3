package dev.groundiff.diffusion;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a diffusers {@code config.json} field by field. Every error names the source and the key;
 * {@link #finish()} rejects keys that were never read, so a setting this implementation does not
 * know cannot be silently ignored. Keys starting with {@code _} (diffusers' bookkeeping) are skipped.
 */
public final class ConfigReader {
    private final JsonObject json;
    private final String source;
    private final Set<String> seen = new HashSet<>();

    public ConfigReader(JsonObject json, String source) {
        this.json = Objects.requireNonNull(json, "json");
        this.source = source;
    }

    public static JsonObject parseFile(Path file) {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) throw new GroundiffException(file + ": not a JSON object");
            return e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new GroundiffException(file + ": no such file");
        } catch (IOException e) {
            throw new GroundiffException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new GroundiffException(file + ": invalid JSON: " + e.getMessage(), e);
        }
    }

    public GroundiffException error(String key, String message) {
        return new GroundiffException(source + ": '" + key + "' " + message);
    }

    private JsonElement raw(String key) {
        seen.add(key);
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? null : e;
    }

    public boolean isNull(String key) {
        return raw(key) == null;
    }

    public String string(String key, String dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw error(key, "must be a string, not " + e);
        return e.getAsString();
    }

    public boolean bool(String key, boolean dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw error(key, "must be true or false, not " + e);
        return e.getAsBoolean();
    }

    public double number(String key, double dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw error(key, "must be a number, not " + e);
        return e.getAsDouble();
    }

    public int integer(String key, int dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        return toInt(key, e);
    }

    private int toInt(String key, JsonElement e) {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw error(key, "must be an integer, not " + e);
        double d = e.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw error(key, "must be an integer, not " + e);
        return (int) d;
    }

    public boolean isArray(String key) {
        JsonElement e = json.get(key);
        return e != null && e.isJsonArray();
    }

    public List<Integer> intList(String key, List<Integer> dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        if (!e.isJsonArray()) throw error(key, "must be a list of integers, not " + e);
        List<Integer> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) out.add(toInt(key, x));
        return List.copyOf(out);
    }

    /** An integer or a list of integers (one per block), as several diffusers fields allow. */
    public List<Integer> intOrList(String key, int dflt, int count) {
        JsonElement e = raw(key);
        if (e == null) return java.util.Collections.nCopies(count, dflt);
        if (e.isJsonArray()) {
            List<Integer> l = intList(key, null);
            if (l.size() != count) throw error(key, "has " + l.size() + " entries, expected one per block (" + count + ")");
            return l;
        }
        return java.util.Collections.nCopies(count, toInt(key, e));
    }

    public List<String> stringList(String key, List<String> dflt) {
        JsonElement e = raw(key);
        if (e == null) return dflt;
        if (!e.isJsonArray()) throw error(key, "must be a list of strings, not " + e);
        List<String> out = new ArrayList<>();
        for (JsonElement x : e.getAsJsonArray()) {
            if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) throw error(key, "must be a list of strings, not " + e);
            out.add(x.getAsString());
        }
        return List.copyOf(out);
    }

    /** A setting this implementation supports only at its diffusers default: null/absent or exactly {@code allowed}. */
    public void requireDefault(String key, Object allowed, String why) {
        JsonElement e = raw(key);
        if (e == null) return;
        if (allowed != null && matches(e, allowed)) return;
        throw error(key, "= " + e + " is not supported" + (why.isEmpty() ? "" : " (" + why + ")"));
    }

    /** A setting that must be absent or null. */
    public void requireNull(String key, String why) {
        requireDefault(key, null, why);
    }

    private static boolean matches(JsonElement e, Object allowed) {
        if (allowed instanceof Boolean b) return e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean() == b;
        if (allowed instanceof Number n) return e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() && e.getAsDouble() == n.doubleValue();
        if (allowed instanceof String s) return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() && e.getAsString().equals(s);
        return false;
    }

    /** Marks keys that carry no meaning for inference (e.g. {@code dropout}) as read. */
    public void ignore(String... keys) {
        for (String k : keys) seen.add(k);
    }

    /** Fails on keys that were never read. */
    public void finish() {
        TreeSet<String> unknown = new TreeSet<>();
        for (Map.Entry<String, JsonElement> e : json.entrySet()) {
            if (!e.getKey().startsWith("_") && !seen.contains(e.getKey())) unknown.add(e.getKey());
        }
        if (!unknown.isEmpty()) {
            throw new GroundiffException(source + ": unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " (not a diffusers 0.24 setting this implementation knows)");
        }
    }

    /** {@code _class_name}, when present, must be {@code expected}. */
    public void requireClass(String expected) {
        JsonElement e = json.get("_class_name");
        if (e != null && !e.isJsonNull() && !e.getAsString().equals(expected)) {
            throw new GroundiffException(source + ": _class_name is '" + e.getAsString() + "', expected '" + expected + "'");
        }
    }

}
