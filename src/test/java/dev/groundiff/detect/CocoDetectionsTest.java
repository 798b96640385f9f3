package dev.groundiff.detect;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.CocoRle;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CocoDetectionsTest {
    static final String JSON = """
            {"images": [{"id": 7, "file_name": "a.png", "width": 4, "height": 3},
                        {"id": 8, "file_name": "b.png", "width": 4, "height": 3}],
             "categories": [{"id": 5, "name": "airplane"}, {"id": 18, "name": "dog"}],
             "annotations": [
               {"image_id": 7, "category_id": 18, "score": 0.6, "segmentation": {"size": [3, 4], "counts": "322OO2"}},
               {"image_id": 7, "category_id": 18, "score": 0.9, "segmentation": {"size": [3, 4], "counts": [0, 3, 9]}},
               {"image_id": 7, "category_id": 5, "score": 0.3, "segmentation": [[1, 1, 1, 3, 3, 3, 3, 1]]}
             ]}
            """;

    static Path write(Path dir, String json) throws Exception {
        Path p = dir.resolve("dets.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void readsAllSegmentationForms(@TempDir Path dir) throws Exception {
        CocoDetections d = CocoDetections.load(write(dir, JSON), Vocabulary.PASCAL_VOC);
        List<Instance> inst = d.detect("a.png", new RgbImage(4, 3, new byte[36]));
        assertEquals(3, inst.size());
        assertEquals(0.9, inst.get(0).score()); // sorted by score
        assertEquals("dog", inst.get(0).category());
        assertEquals(BitMask.of(new boolean[][] {{true, false, false, false}, {true, false, false, false}, {true, false, false, false}}), inst.get(0).mask());
        assertEquals(CocoRle.fromCompressedString("322OO2", 3, 4).decode(), inst.get(1).mask());
        assertEquals("aeroplane", inst.get(2).category()); // COCO name mapped to the VOC spelling
        assertEquals(4, inst.get(2).mask().area());          // polygon box [1,3)x[1,3)
        assertTrue(d.detect("b.png", null).isEmpty());

        Map<String, BitMask> top1 = TargetPolicy.OFFICIAL.select(inst, List.of("dog", "aeroplane", "cat"));
        assertEquals(inst.get(0).mask(), top1.get("dog"));
        assertFalse(top1.containsKey("cat")); // missed: no mask at all
        Map<String, BitMask> union = TargetPolicy.union(0.5).select(inst, List.of("dog", "aeroplane"));
        assertEquals(inst.get(0).mask().or(inst.get(1).mask()), union.get("dog"));
        assertFalse(union.containsKey("aeroplane")); // score 0.3 under the threshold
    }

    @Test
    void clearErrors(@TempDir Path dir) throws Exception {
        CocoDetections d = CocoDetections.load(write(dir, JSON), Vocabulary.PASCAL_VOC);
        GroundiffException e = assertThrows(GroundiffException.class, () -> d.detect("c.png", null));
        assertTrue(e.getMessage().contains("no image 'c.png'") && e.getMessage().contains("a.png"), e.getMessage());
        assertThrows(GroundiffException.class, () -> d.detect("a.png", new RgbImage(5, 3, new byte[45])));

        GroundiffException cat = assertThrows(GroundiffException.class,
                () -> CocoDetections.load(write(dir, JSON.replace("\"dog\"", "\"dgo\"")), Vocabulary.PASCAL_VOC));
        assertTrue(cat.getMessage().contains("'dgo'") && cat.getMessage().contains("dog"), cat.getMessage());
        GroundiffException id = assertThrows(GroundiffException.class,
                () -> CocoDetections.load(write(dir, JSON.replace("\"category_id\": 5", "\"category_id\": 6")), Vocabulary.PASCAL_VOC));
        assertTrue(id.getMessage().contains("category_id 6"), id.getMessage());
        GroundiffException img = assertThrows(GroundiffException.class,
                () -> CocoDetections.load(write(dir, JSON.replace("\"image_id\": 7, \"category_id\": 5", "\"image_id\": 9, \"category_id\": 5")), Vocabulary.PASCAL_VOC));
        assertTrue(img.getMessage().contains("image_id 9"), img.getMessage());
        GroundiffException size = assertThrows(GroundiffException.class,
                () -> CocoDetections.load(write(dir, JSON.replace("[3, 4], \"counts\": \"322OO2\"", "[4, 3], \"counts\": \"322OO2\"")), Vocabulary.PASCAL_VOC));
        assertTrue(size.getMessage().contains("annotation 0"), size.getMessage());
        assertThrows(GroundiffException.class, () -> CocoDetections.load(dir.resolve("missing.json"), Vocabulary.PASCAL_VOC));
        assertThrows(GroundiffException.class, () -> CocoDetections.load(write(dir, "{\"images\": []}"), Vocabulary.PASCAL_VOC));
    }

    @Test
    void fixedDetector() {
        Instance i = new Instance("dog", 1, BitMask.empty(2, 2));
        assertEquals(List.of(i), FixedDetector.always(List.of(i)).detect(new RgbImage(2, 2, new byte[12])));
        assertEquals(List.of(), FixedDetector.byName(Map.of("x", List.of(i))).detect("y", null));
    }
}
