package dev.groundiff.detect;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.CocoRle;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Vocabulary;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Detections made elsewhere (any detector that writes COCO instance JSON: {@code images},
 * {@code annotations}, {@code categories}), looked up by image file name. Masks may be polygons,
 * compressed RLE strings or uncompressed RLE count lists, as pycocotools reads them; an annotation's
 * {@code score} defaults to 1. Category names are mapped onto the vocabulary's spelling (COCO's
 * "airplane" becomes "aeroplane" in the PASCAL and COCO vocabularies).
 */
public final class CocoDetections implements OracleDetector {
    private record ImageEntry(String fileName, int width, int height, List<Instance> instances) {}

    private final Path source;
    private final Map<String, ImageEntry> byFileName;

    private CocoDetections(Path source, Map<String, ImageEntry> byFileName) {
        this.source = source;
        this.byFileName = byFileName;
    }

    public static CocoDetections load(Path file, Vocabulary vocabulary) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement root = JsonParser.parseReader(r);
            if (!root.isJsonObject()) throw new GroundiffException(file + ": expected a COCO JSON object with images, annotations and categories");
            return parse(file, root.getAsJsonObject(), vocabulary);
        } catch (NoSuchFileException e) {
            throw new GroundiffException(file + ": no such detections file");
        } catch (IOException e) {
            throw new GroundiffException(file + ": cannot read: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new GroundiffException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    static CocoDetections parse(Path file, JsonObject root, Vocabulary vocabulary) {
        for (String k : List.of("images", "annotations", "categories")) {
            if (!root.has(k) || !root.get(k).isJsonArray()) throw new GroundiffException(file + ": missing the \"" + k + "\" list");
        }
        Map<Long, String> categories = new HashMap<>();
        for (JsonElement e : root.getAsJsonArray("categories")) {
            JsonObject c = e.getAsJsonObject();
            String name = str(file, c, "name", "category");
            String canonical;
            try {
                canonical = vocabulary.resolve(name);
            } catch (GroundiffException ex) {
                throw new GroundiffException(file + ": category " + num(file, c, "id", "category") + " (" + ex.getMessage() + ")");
            }
            categories.put(num(file, c, "id", "category"), canonical);
        }
        Map<Long, ImageEntry> byId = new LinkedHashMap<>();
        Map<String, ImageEntry> byName = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("images")) {
            JsonObject im = e.getAsJsonObject();
            ImageEntry ie = new ImageEntry(str(file, im, "file_name", "image"), (int) num(file, im, "width", "image"),
                    (int) num(file, im, "height", "image"), new ArrayList<>());
            byId.put(num(file, im, "id", "image"), ie);
            if (byName.put(ie.fileName, ie) != null) throw new GroundiffException(file + ": image file name '" + ie.fileName + "' appears twice");
        }
        int n = 0;
        for (JsonElement e : root.getAsJsonArray("annotations")) {
            JsonObject a = e.getAsJsonObject();
            long imageId = num(file, a, "image_id", "annotation " + n);
            ImageEntry ie = byId.get(imageId);
            if (ie == null) throw new GroundiffException(file + ": annotation " + n + " refers to image_id " + imageId + ", which is not in \"images\"");
            long catId = num(file, a, "category_id", "annotation " + n);
            String cat = categories.get(catId);
            if (cat == null) throw new GroundiffException(file + ": annotation " + n + " refers to category_id " + catId + ", which is not in \"categories\"");
            double score = a.has("score") ? a.get("score").getAsDouble() : 1.0;
            if (!a.has("segmentation")) throw new GroundiffException(file + ": annotation " + n + " has no segmentation");
            BitMask mask = segmentation(file, "annotation " + n, a.get("segmentation"), ie.height, ie.width);
            ie.instances.add(new Instance(cat, score, mask));
            n++;
        }
        // detectors list instances by decreasing score; keep that order (stable for ties)
        for (ImageEntry ie : byName.values()) ie.instances.sort(Comparator.comparingDouble(Instance::score).reversed());
        return new CocoDetections(file, byName);
    }

    /** A COCO segmentation (polygon list, compressed or uncompressed RLE) as a mask of height x width. */
    public static BitMask segmentation(Path file, String where, JsonElement seg, int height, int width) {
        try {
            if (seg.isJsonArray()) {
                BitMask m = BitMask.empty(width, height);
                for (JsonElement poly : seg.getAsJsonArray()) {
                    JsonArray p = poly.getAsJsonArray();
                    double[] xy = new double[p.size()];
                    for (int i = 0; i < xy.length; i++) xy[i] = p.get(i).getAsDouble();
                    m = m.or(CocoRle.fromPolygon(xy, height, width).decode());
                }
                return m;
            }
            JsonObject o = seg.getAsJsonObject();
            JsonArray size = o.getAsJsonArray("size");
            int h = size.get(0).getAsInt(), w = size.get(1).getAsInt();
            if (h != height || w != width) {
                throw new GroundiffException(file + ": " + where + " has an RLE of size [" + h + ", " + w + "] but its image is " + height + "x" + width + " (h x w)");
            }
            JsonElement counts = o.get("counts");
            if (counts.isJsonArray()) {
                JsonArray c = counts.getAsJsonArray();
                long[] cnt = new long[c.size()];
                for (int i = 0; i < cnt.length; i++) cnt[i] = c.get(i).getAsLong();
                return new CocoRle(h, w, cnt).decode();
            }
            return CocoRle.fromCompressedString(counts.getAsString(), h, w).decode();
        } catch (GroundiffException e) {
            if (e.getMessage().startsWith(String.valueOf(file))) throw e;
            throw new GroundiffException(file + ": " + where + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new GroundiffException(file + ": " + where + " has a malformed segmentation (" + e + ")", e);
        }
    }

    private static String str(Path file, JsonObject o, String key, String what) {
        if (!o.has(key) || !o.get(key).isJsonPrimitive()) throw new GroundiffException(file + ": a " + what + " entry lacks \"" + key + "\"");
        return o.get(key).getAsString();
    }

    private static long num(Path file, JsonObject o, String key, String what) {
        try {
            return o.get(key).getAsLong();
        } catch (RuntimeException e) {
            throw new GroundiffException(file + ": " + what + " lacks a numeric \"" + key + "\"");
        }
    }

    public boolean contains(String fileName) {
        return byFileName.containsKey(fileName);
    }

    public int imageCount() {
        return byFileName.size();
    }

    @Override
    public List<Instance> detect(String name, RgbImage image) {
        if (name == null) throw new GroundiffException(source + ": imported detections need the image's file name");
        ImageEntry ie = byFileName.get(name);
        if (ie == null) {
            String some = String.join(", ", byFileName.keySet().stream().limit(3).toList());
            throw new GroundiffException(source + ": no image '" + name + "' (it has " + byFileName.size() + " images" + (some.isEmpty() ? "" : ", e.g. " + some) + ")");
        }
        if (image != null && (image.width() != ie.width || image.height() != ie.height)) {
            throw new GroundiffException(source + ": image '" + name + "' is " + ie.width + "x" + ie.height + " in the detections but " + image.width() + "x" + image.height() + " here");
        }
        return List.copyOf(ie.instances);
    }
}
