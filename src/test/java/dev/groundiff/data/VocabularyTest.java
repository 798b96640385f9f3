package dev.groundiff.data;

import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocabularyTest {
    @Test
    void pascalSplits() {
        assertEquals(20, Vocabulary.PASCAL_VOC.size());
        Split s1 = Split.parse("pascal:1");
        assertEquals(List.of("tvmonitor", "car", "dog", "sofa", "train"), s1.unseen());
        assertEquals(15, s1.seen().size());
        assertEquals("aeroplane", s1.seen().get(0));
        assertEquals(List.of("horse", "motorbike", "person", "pottedplant", "sheep"), Split.pascal(2).unseen());
        assertEquals(List.of("bus", "cat", "chair", "cow", "diningtable"), Split.pascal(3).unseen());
        // the three unseen sets partition 15 classes; {aeroplane .. bottle} is never unseen
        Set<String> allUnseen = new HashSet<>();
        for (int i = 1; i <= 3; i++) allUnseen.addAll(Split.pascal(i).unseen());
        assertEquals(15, allUnseen.size());
        for (String c : List.of("aeroplane", "bicycle", "bird", "boat", "bottle")) assertFalse(allUnseen.contains(c));
        for (int i = 1; i <= 3; i++) assertEquals(new HashSet<>(Vocabulary.PASCAL_VOC.classes()), new HashSet<>(Split.pascal(i).classes()));
        assertTrue(s1.isUnseen("dog"));
        assertTrue(s1.isSeen("cat"));
    }

    @Test
    void coco() {
        assertEquals(80, Vocabulary.COCO.size());
        assertEquals(80, Vocabulary.COCO_IDS.size());
        Split s = Split.parse("coco:65-15");
        assertEquals(65, s.seen().size());
        assertEquals(15, s.unseen().size());
        assertTrue(s.isUnseen("aeroplane"));
        assertTrue(s.isUnseen("hair drier"));
        // the official code's VOC spellings, with COCO's names as aliases
        for (String v : List.of("motorbike", "aeroplane", "sofa", "pottedplant", "diningtable", "tvmonitor")) assertTrue(Vocabulary.COCO.contains(v), v);
        assertFalse(Vocabulary.COCO.contains("airplane"));
        assertEquals("aeroplane", Vocabulary.COCO.resolve("airplane"));
        assertEquals("tvmonitor", Vocabulary.COCO.resolve("tv"));
        assertEquals(5, Vocabulary.COCO.categoryId("aeroplane"));
        assertEquals(90, Vocabulary.COCO.categoryId("toothbrush"));
        assertEquals(1, Vocabulary.PASCAL_VOC.categoryId("aeroplane"));
        assertEquals(20, Vocabulary.PASCAL_VOC.categoryId("tvmonitor"));
    }

    @Test
    void closeMatchError() {
        assertEquals("pottedplant", Vocabulary.PASCAL_VOC.resolve("Potted Plant"));
        GroundiffException e = assertThrows(GroundiffException.class, () -> Vocabulary.PASCAL_VOC.resolve("motorbyke"));
        assertTrue(e.getMessage().contains("motorbike"), e.getMessage());
        assertTrue(e.getMessage().contains("'motorbyke'"), e.getMessage());
        GroundiffException far = assertThrows(GroundiffException.class, () -> Vocabulary.PASCAL_VOC.resolve("xylophone"));
        assertTrue(far.getMessage().contains("20 classes"), far.getMessage());
        assertThrows(GroundiffException.class, () -> Split.parse("pascal:4"));
        assertThrows(GroundiffException.class, () -> Split.parse("no-such-split"));
    }

    @Test
    void userFiles(@TempDir Path dir) throws Exception {
        Path txt = dir.resolve("classes.txt");
        Files.writeString(txt, "# shapes\nstar\nring  \n\nsquare # comment\n");
        Split t = Split.parse(txt.toString());
        assertEquals(List.of("star", "ring", "square"), t.classes());
        assertTrue(t.unseen().isEmpty());
        Path json = dir.resolve("split.json");
        Files.writeString(json, "{\"classes\": [\"star\", \"ring\", \"square\", \"cross\"], \"unseen\": [\"ring\"]}");
        Split j = Split.parse(json.toString());
        assertEquals(List.of("star", "square", "cross"), j.seen());
        assertEquals(List.of("ring"), j.unseen());
        Files.writeString(json, "{\"classes\": [\"star\"], \"unseen\": [\"ring\"]}");
        GroundiffException e = assertThrows(GroundiffException.class, () -> Split.parse(json.toString()));
        assertTrue(e.getMessage().contains("ring"), e.getMessage());
        Files.writeString(json, "{\"classes\": [\"star\", \"star\"]}");
        assertThrows(GroundiffException.class, () -> Split.parse(json.toString()));
        Files.writeString(json, "{not json");
        assertThrows(GroundiffException.class, () -> Split.parse(json.toString()));
    }
}
