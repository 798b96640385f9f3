package dev.groundiff.data.export;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.CocoRle;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.VocPalette;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.detect.CocoDetections;
import dev.groundiff.detect.Instance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExportTest {
    static BitMask rect(int w, int h, int x0, int y0, int x1, int y1) {
        BitMask.Builder b = new BitMask.Builder(w, h);
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) b.set(x, y);
        return b.build();
    }

    /** Three records: two overlapping masks; one category missed; one with both found apart. */
    static List<DatasetRecord> records() {
        int w = 10, h = 6;
        RgbImage im = new RgbImage(w, h, new byte[3 * w * h]);
        List<DatasetRecord> out = new ArrayList<>();
        Map<String, BitMask> m0 = new LinkedHashMap<>();
        m0.put("dog", rect(w, h, 0, 0, 5, 4));
        m0.put("cat", rect(w, h, 4, 2, 8, 6));
        out.add(new DatasetRecord(0, "a photograph of a dog and a cat", List.of("dog", "cat"), 1, im, m0, null));
        out.add(new DatasetRecord(1, "a photograph of a bus and a sofa", List.of("bus", "sofa"), 2, im, Map.of("bus", rect(w, h, 1, 1, 3, 3)), null));
        out.add(new DatasetRecord(2, "a photograph of a tvmonitor", List.of("tvmonitor"), 3, im, Map.of("tvmonitor", rect(w, h, 2, 0, 10, 1)), null));
        return out;
    }

    @Test
    void vocLayout(@TempDir Path out) throws Exception {
        Vocabulary v = Vocabulary.PASCAL_VOC;
        assertEquals(3, VocExport.write(records(), v, out, "train"));
        assertEquals(List.of("00000000", "00000001", "00000002"), Files.readAllLines(out.resolve("ImageSets/Segmentation/train.txt")));
        assertEquals(21, Files.readAllLines(out.resolve("class_names.txt")).size());
        BufferedImage jpg = ImageIO.read(out.resolve("JPEGImages/00000000.jpg").toFile());
        assertEquals(10, jpg.getWidth());
        BufferedImage seg = ImageIO.read(out.resolve("SegmentationClass/00000000.png").toFile());
        assertTrue(seg.getColorModel() instanceof IndexColorModel);
        int dog = v.indexOf("dog") + 1, cat = v.indexOf("cat") + 1;
        assertEquals(12, dog);
        assertEquals(8, cat);
        int[] px = new int[60];
        seg.getRaster().getPixels(0, 0, 10, 6, px);
        assertEquals(dog, px[0]);                 // (0,0) dog only
        assertEquals(255, px[2 * 10 + 4]);        // (4,2) dog and cat overlap
        assertEquals(cat, px[5 * 10 + 7]);        // (7,5) cat only
        assertEquals(0, px[0 * 10 + 9]);          // (9,0) background
        BufferedImage seg1 = ImageIO.read(out.resolve("SegmentationClass/00000001.png").toFile());
        int[] p1 = new int[60];
        seg1.getRaster().getPixels(0, 0, 10, 6, p1);
        assertEquals(v.indexOf("bus") + 1, p1[1 * 10 + 1]);
        assertEquals(VocPalette.IGNORE, p1[0]);   // sofa was missed: background unknown
    }

    @Test
    void cocoJsonRoundTrip(@TempDir Path out) throws Exception {
        Vocabulary v = Vocabulary.PASCAL_VOC;
        assertEquals(4, CocoExport.write(records(), v, out));
        JsonObject root = JsonParser.parseString(Files.readString(out.resolve("annotations.json"))).getAsJsonObject();
        assertEquals(3, root.getAsJsonArray("images").size());
        assertEquals(20, root.getAsJsonArray("categories").size());
        JsonArray anns = root.getAsJsonArray("annotations");
        Map<String, BitMask> byKey = new LinkedHashMap<>();
        for (DatasetRecord r : records()) r.masks().forEach((c, m) -> byKey.put((r.index() + 1) + "/" + (v.indexOf(c) + 1), m));
        long expectedId = 1;
        for (JsonElement e : anns) {
            JsonObject a = e.getAsJsonObject();
            assertEquals(expectedId++, a.get("id").getAsLong());
            assertEquals(0, a.get("iscrowd").getAsInt());
            JsonObject seg = a.getAsJsonObject("segmentation");
            JsonArray size = seg.getAsJsonArray("size");
            BitMask decoded = CocoRle.fromCompressedString(seg.get("counts").getAsString(), size.get(0).getAsInt(), size.get(1).getAsInt()).decode();
            BitMask want = byKey.get(a.get("image_id").getAsLong() + "/" + a.get("category_id").getAsInt());
            assertNotNull(want, a.toString());
            assertEquals(want, decoded);
            assertEquals(want.area(), a.get("area").getAsDouble());
            JsonArray bb = a.getAsJsonArray("bbox");
            BitMask.Box box = want.bbox();
            assertEquals(List.of((double) box.x(), (double) box.y(), (double) box.width(), (double) box.height()),
                    List.of(bb.get(0).getAsDouble(), bb.get(1).getAsDouble(), bb.get(2).getAsDouble(), bb.get(3).getAsDouble()));
        }
        // and our own COCO importer reads it back: same masks per image file
        CocoDetections d = CocoDetections.load(out.resolve("annotations.json"), v);
        List<Instance> inst = d.detect("00000000.jpg", null);
        assertEquals(2, inst.size());
        for (Instance i : inst) assertEquals(records().get(0).masks().get(i.category()), i.mask());
        assertTrue(d.detect("00000001.jpg", null).stream().noneMatch(i -> i.category().equals("sofa")));
    }

    @Test
    void cocoVocabularyUsesOfficialIds() {
        JsonObject root = CocoExport.build(List.of(), Vocabulary.COCO);
        JsonArray cats = root.getAsJsonArray("categories");
        assertEquals(80, cats.size());
        assertEquals(90, cats.get(79).getAsJsonObject().get("id").getAsInt());
        assertEquals("aeroplane", cats.get(4).getAsJsonObject().get("name").getAsString());
    }
}
