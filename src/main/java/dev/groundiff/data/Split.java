package dev.groundiff.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A vocabulary divided into seen (training) and unseen classes. The official PASCAL splits come from
 * {@code VOC/class_split{1,2,3}.csv} of the Grounded-Diffusion code: 15 seen then 5 unseen, in CSV order.
 */
public final class Split {
    private static final List<String> PASCAL_CSV_1 = List.of(
            "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "cat", "chair", "cow", "diningtable",
            "horse", "motorbike", "person", "pottedplant", "sheep",
            "tvmonitor", "car", "dog", "sofa", "train");
    private static final List<String> PASCAL_CSV_2 = List.of(
            "tvmonitor", "car", "dog", "sofa", "train", "aeroplane", "bicycle", "bird", "boat", "bottle",
            "bus", "cat", "chair", "cow", "diningtable",
            "horse", "motorbike", "person", "pottedplant", "sheep");
    private static final List<String> PASCAL_CSV_3 = List.of(
            "horse", "motorbike", "person", "pottedplant", "sheep", "tvmonitor", "car", "dog", "sofa", "train",
            "aeroplane", "bicycle", "bird", "boat", "bottle",
            "bus", "cat", "chair", "cow", "diningtable");
    /** The standard COCO 65/15 zero-shot split (unseen list of ZSI's coco_unseen15), VOC spellings. */
    private static final List<String> COCO_UNSEEN_15 = List.of(
            "aeroplane", "train", "parking meter", "cat", "bear", "suitcase", "frisbee", "snowboard", "fork",
            "sandwich", "hot dog", "toilet", "mouse", "toaster", "hair drier");

    public static final List<String> BUILT_IN = List.of("pascal", "pascal:1", "pascal:2", "pascal:3", "coco", "coco:65-15");

    private final String name;
    private final Vocabulary vocabulary;
    private final List<String> seen;
    private final List<String> unseen;
    private final Set<String> unseenSet;

    public Split(String name, Vocabulary vocabulary, List<String> seen, List<String> unseen) {
        this.name = name;
        this.vocabulary = vocabulary;
        this.seen = List.copyOf(seen);
        this.unseen = List.copyOf(unseen);
        this.unseenSet = Set.copyOf(unseen);
        Set<String> all = new HashSet<>();
        for (String c : this.seen) {
            vocabulary.indexOf(c);
            if (!all.add(c)) throw new GroundiffException("split '" + name + "': class '" + c + "' listed twice");
        }
        for (String c : this.unseen) {
            vocabulary.indexOf(c);
            if (!all.add(c)) throw new GroundiffException("split '" + name + "': class '" + c + "' is both seen and unseen (or listed twice)");
        }
    }

    public static Split pascal(int n) {
        List<String> csv = switch (n) {
            case 1 -> PASCAL_CSV_1;
            case 2 -> PASCAL_CSV_2;
            case 3 -> PASCAL_CSV_3;
            default -> throw new GroundiffException("PASCAL split " + n + " does not exist (1, 2 or 3)");
        };
        return new Split("pascal:" + n, Vocabulary.PASCAL_VOC, csv.subList(0, 15), csv.subList(15, 20));
    }

    public static Split coco6515() {
        List<String> seen = new ArrayList<>();
        for (String c : Vocabulary.COCO.classes()) if (!COCO_UNSEEN_15.contains(c)) seen.add(c);
        return new Split("coco:65-15", Vocabulary.COCO, seen, COCO_UNSEEN_15);
    }

    /** Every class seen (no unseen ones). */
    public static Split allSeen(Vocabulary v) {
        return new Split(v.name(), v, v.classes(), List.of());
    }

    /**
     * {@code pascal:1|2|3}, {@code coco:65-15}, {@code pascal}, {@code coco}, or a file: JSON
     * {@code {"classes": [...], "unseen": [...]}} or text with one class per line (all seen; '#' starts a comment).
     */
    public static Split parse(String spec) {
        if (spec == null || spec.isBlank()) throw new GroundiffException("empty split name (expected one of " + String.join(", ", BUILT_IN) + " or a file)");
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "pascal:1": case "voc:1": return pascal(1);
            case "pascal:2": case "voc:2": return pascal(2);
            case "pascal:3": case "voc:3": return pascal(3);
            case "coco:65-15": case "coco:65/15": return coco6515();
            case "pascal": case "voc": return allSeen(Vocabulary.PASCAL_VOC);
            case "coco": return allSeen(Vocabulary.COCO);
            default: break;
        }
        Path p = Paths.get(spec.trim());
        if (!Files.isRegularFile(p)) {
            throw new GroundiffException("unknown split '" + spec + "': not one of " + String.join(", ", BUILT_IN) + " and no such file");
        }
        return fromFile(p);
    }

    public static Split fromFile(Path p) {
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GroundiffException(p + ": cannot read the class list: " + e.getMessage(), e);
        }
        String name = p.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".json")) return fromJson(p, name, text);
        List<String> classes = new ArrayList<>();
        for (String line : text.split("\\R")) {
            int hash = line.indexOf('#');
            String c = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (!c.isEmpty()) classes.add(c);
        }
        if (classes.isEmpty()) throw new GroundiffException(p + ": no class names (one per line expected)");
        return allSeen(Vocabulary.of(name, classes));
    }

    private static Split fromJson(Path p, String name, String text) {
        try {
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonObject()) throw new GroundiffException(p + ": expected {\"classes\": [...], \"unseen\": [...]}");
            JsonObject o = el.getAsJsonObject();
            if (!o.has("classes")) throw new GroundiffException(p + ": missing \"classes\"");
            List<String> classes = strings(p, o, "classes");
            List<String> unseen = o.has("unseen") ? strings(p, o, "unseen") : List.of();
            if (classes.isEmpty()) throw new GroundiffException(p + ": \"classes\" is empty");
            Vocabulary v = Vocabulary.of(name, classes);
            Set<String> unseenSet = new LinkedHashSet<>();
            for (String u : unseen) {
                if (!v.contains(u)) throw new GroundiffException(p + ": unseen class '" + u + "' is not in \"classes\"");
                if (!unseenSet.add(u)) throw new GroundiffException(p + ": unseen class '" + u + "' listed twice");
            }
            List<String> seen = new ArrayList<>();
            for (String c : classes) if (!unseenSet.contains(c)) seen.add(c);
            return new Split(name, v, seen, new ArrayList<>(unseenSet));
        } catch (JsonParseException | IllegalStateException e) {
            throw new GroundiffException(p + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static List<String> strings(Path p, JsonObject o, String key) {
        if (!o.get(key).isJsonArray()) throw new GroundiffException(p + ": \"" + key + "\" must be a list of names");
        JsonArray a = o.getAsJsonArray(key);
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw new GroundiffException(p + ": \"" + key + "\" must contain only strings, found " + e);
            out.add(e.getAsString().trim());
        }
        return out;
    }

    public String name() {
        return name;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public List<String> seen() {
        return seen;
    }

    public List<String> unseen() {
        return unseen;
    }

    /** Seen then unseen (for PASCAL: the CSV order). */
    public List<String> classes() {
        List<String> all = new ArrayList<>(seen);
        all.addAll(unseen);
        return all;
    }

    public List<String> classes(Subset subset) {
        return switch (subset) {
            case SEEN -> seen;
            case UNSEEN -> unseen;
            case ALL -> classes();
        };
    }

    /** Whether {@code category} (canonical spelling) is unseen; throws for a name not in the split. */
    public boolean isUnseen(String category) {
        vocabulary.indexOf(category);
        return unseenSet.contains(category);
    }

    public boolean isSeen(String category) {
        return !isUnseen(category);
    }

    @Override
    public String toString() {
        return "Split[" + name + ": " + seen.size() + " seen, " + unseen.size() + " unseen]";
    }
}
