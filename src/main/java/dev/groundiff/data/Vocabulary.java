package dev.groundiff.data;

import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An ordered list of category names, with optional aliases (another spelling that means the same
 * category) and optional external ids (COCO's non-contiguous category ids). The position in the list
 * is the class index used by exports: VOC masks store {@code index + 1} (0 = background).
 */
public final class Vocabulary {
    /** The 20 PASCAL VOC classes in the official VOC order, with VOC spellings. */
    public static final Vocabulary PASCAL_VOC = new Vocabulary("pascal", List.of(
            "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
            "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"),
            Map.of("airplane", "aeroplane", "motorcycle", "motorbike", "couch", "sofa",
                    "potted plant", "pottedplant", "dining table", "diningtable", "tv", "tvmonitor"),
            null);

    /** COCO's official names, in COCO order. */
    public static final List<String> COCO_OFFICIAL_NAMES = List.of(
            "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
            "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
            "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
            "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
            "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
            "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
            "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
            "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush");

    /** COCO's official category ids (1..90 with gaps), aligned with {@link #COCO_OFFICIAL_NAMES}. */
    public static final List<Integer> COCO_IDS = List.of(
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
            22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
            46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
            67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90);

    /** The six COCO names the official code (mmdetection/demo/coco_80_class.txt) spells the VOC way. */
    public static final Map<String, String> COCO_TO_VOC_SPELLING = Map.of(
            "motorcycle", "motorbike", "airplane", "aeroplane", "couch", "sofa",
            "potted plant", "pottedplant", "dining table", "diningtable", "tv", "tvmonitor");

    /** COCO-80 in COCO order with the official code's VOC spellings; COCO's own names are aliases. */
    public static final Vocabulary COCO = cocoWithVocSpellings();

    private final String name;
    private final List<String> classes;
    private final Map<String, String> aliases;
    private final List<Integer> externalIds;
    private final Map<String, Integer> index = new LinkedHashMap<>();

    public Vocabulary(String name, List<String> classes, Map<String, String> aliases, List<Integer> externalIds) {
        this.name = name;
        this.classes = List.copyOf(classes);
        this.aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
        this.externalIds = externalIds == null ? null : List.copyOf(externalIds);
        if (externalIds != null && externalIds.size() != classes.size()) {
            throw new IllegalArgumentException("vocabulary '" + name + "': " + externalIds.size() + " ids for " + classes.size() + " classes");
        }
        for (int i = 0; i < this.classes.size(); i++) {
            String c = this.classes.get(i);
            if (c.isBlank()) throw new GroundiffException("vocabulary '" + name + "': class " + (i + 1) + " has an empty name");
            if (index.put(c, i) != null) throw new GroundiffException("vocabulary '" + name + "': class '" + c + "' appears twice");
        }
    }

    /** A user vocabulary without aliases; ids are 1..N. */
    public static Vocabulary of(String name, List<String> classes) {
        return new Vocabulary(name, classes, null, null);
    }

    private static Vocabulary cocoWithVocSpellings() {
        List<String> names = new ArrayList<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        for (String n : COCO_OFFICIAL_NAMES) {
            String v = COCO_TO_VOC_SPELLING.getOrDefault(n, n);
            names.add(v);
            if (!v.equals(n)) aliases.put(n, v);
        }
        return new Vocabulary("coco", names, aliases, COCO_IDS);
    }

    public String name() {
        return name;
    }

    public List<String> classes() {
        return classes;
    }

    public int size() {
        return classes.size();
    }

    public boolean contains(String category) {
        return index.containsKey(category);
    }

    /** Position in the list (0-based); throws for an unknown name. */
    public int indexOf(String category) {
        Integer i = index.get(category);
        if (i == null) throw unknown(category);
        return i;
    }

    /** The category id for COCO JSON: the official id where the vocabulary has them, else index + 1. */
    public int categoryId(String category) {
        int i = indexOf(category);
        return externalIds == null ? i + 1 : externalIds.get(i);
    }

    /**
     * The canonical spelling of a user-given name: an exact name, an alias (COCO's "airplane" for
     * "aeroplane"), or a name that differs only in case, spaces, '_' or '-' ("potted plant").
     * Anything else is a {@link GroundiffException} that lists the closest names.
     */
    public String resolve(String category) {
        if (category == null) throw new GroundiffException("missing category name");
        if (index.containsKey(category)) return category;
        String a = aliases.get(category);
        if (a != null) return a;
        String key = normalize(category);
        String found = null;
        for (String c : classes) {
            if (normalize(c).equals(key)) {
                found = c;
                break;
            }
        }
        if (found == null) {
            for (Map.Entry<String, String> e : aliases.entrySet()) {
                if (normalize(e.getKey()).equals(key)) {
                    found = e.getValue();
                    break;
                }
            }
        }
        if (found != null) return found;
        throw unknown(category);
    }

    public List<String> resolveAll(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) out.add(resolve(n));
        return out;
    }

    GroundiffException unknown(String category) {
        List<String> close = closeMatches(category, 3);
        String hint = close.isEmpty()
                ? " (it has " + classes.size() + " classes: " + preview() + ")"
                : "; did you mean " + String.join(", ", close) + "?";
        return new GroundiffException("unknown category '" + category + "' in vocabulary '" + name + "'" + hint);
    }

    private String preview() {
        if (classes.size() <= 12) return String.join(", ", classes);
        return String.join(", ", classes.subList(0, 12)) + ", ...";
    }

    /** Up to {@code limit} names (classes and aliases) within a small edit distance, closest first. */
    public List<String> closeMatches(String query, int limit) {
        String q = normalize(query);
        Map<String, Integer> dist = new LinkedHashMap<>();
        Set<String> candidates = new LinkedHashSet<>(classes);
        candidates.addAll(aliases.keySet());
        int max = Math.max(2, q.length() / 3);
        for (String c : candidates) {
            int d = editDistance(q, normalize(c));
            if (d <= max) dist.put(c, d);
        }
        List<String> out = new ArrayList<>(dist.keySet());
        out.sort((a, b) -> Integer.compare(dist.get(a), dist.get(b)));
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    static String normalize(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) if (c != ' ' && c != '_' && c != '-') b.append(c);
        return b.toString();
    }

    /** Levenshtein distance. */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public Map<String, String> aliases() {
        return Collections.unmodifiableMap(aliases);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + name + ", " + classes.size() + " classes]";
    }
}
