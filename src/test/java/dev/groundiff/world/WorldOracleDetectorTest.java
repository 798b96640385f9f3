package dev.groundiff.world;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Split;
import dev.groundiff.detect.Instance;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The shipped world detector seen through {@link dev.groundiff.detect.OracleDetector}. */
class WorldOracleDetectorTest {
    static WorldOracleDetector oracle;

    @BeforeAll
    static void init() {
        Torch.init();
        oracle = WorldOracleDetector.shipped();
    }

    /** An easy scene: one object, default size. */
    private static Scene easyScene() {
        return SceneRenderer.render(DetectorEvaluator.DEFAULT_FIRST_SEED + 77, SceneSpec.defaults().withObjects(1, 1));
    }

    @Test
    void sameInstancesAsTheWorldDetector() {
        Scene scene = easyScene();
        List<DetectorInstance> direct = oracle.detector().detect(scene.image());
        List<Instance> adapted = oracle.detect("ignored.png", RgbImage.of(scene.image()));
        assertFalse(direct.isEmpty(), "the shipped detector finds the object of an easy scene");
        assertEquals(direct.size(), adapted.size());
        for (int i = 0; i < direct.size(); i++) {
            DetectorInstance d = direct.get(i);
            Instance a = adapted.get(i);
            assertEquals(d.category(), a.category());
            assertEquals(d.score(), a.score());
            assertEquals(64, a.mask().width());
            assertEquals(64, a.mask().height());
            assertArrayEquals(d.mask().toRowMajor(), a.mask().toRowMajor(), d.category() + " mask");
        }
        for (SceneObject o : scene.objects()) {
            assertTrue(adapted.stream().anyMatch(a -> a.category().equals(o.category())), o.category() + " not found in " + adapted);
        }
        assertEquals(direct.stream().map(DetectorInstance::category).toList(), oracle.detect(RgbImage.of(scene.image())).stream().map(Instance::category).toList());
    }

    @Test
    void imagesOfAnotherSizeAreResizedAndMasksComeBackAtTheImageSize() {
        Scene scene = easyScene();
        BufferedImage big = nearestUpscale(scene.image(), 2); // area average back to 64x64 gives the scene exactly
        List<Instance> small = oracle.detect(RgbImage.of(scene.image()));
        List<Instance> large = oracle.detect(RgbImage.of(big));
        assertEquals(small.size(), large.size());
        for (int i = 0; i < small.size(); i++) {
            assertEquals(small.get(i).category(), large.get(i).category());
            assertEquals(small.get(i).score(), large.get(i).score());
            BitMask m = large.get(i).mask();
            assertEquals(128, m.width());
            assertEquals(128, m.height());
            assertEquals(small.get(i).mask().resizeNearest(128, 128), m);
        }
    }

    @Test
    void areaResizeAveragesBlocks() {
        BufferedImage im = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
        int[][] px = {{0x000000, 0x0000ff, 0xff0000, 0xff0000}, {0x00ff00, 0x0000ff, 0xff0000, 0x000000}};
        for (int y = 0; y < 2; y++) for (int x = 0; x < 4; x++) im.setRGB(x, y, px[y][x]);
        BufferedImage r = WorldOracleDetector.resizeArea(im, 2, 1);
        assertEquals(0x004080, r.getRGB(0, 0) & 0xffffff); // (0+0+0+0)/4, (0+0+255+0)/4 -> 64, (0+255+0+255)/4 -> 128
        assertEquals(0xbf0000, r.getRGB(1, 0) & 0xffffff); // 3*255/4 = 191
    }

    @Test
    void worldSplitsAndCoverage() {
        Split s = WorldCategories.split(2);
        assertEquals("world:2", s.name());
        assertSame(WorldCategories.VOCABULARY, s.vocabulary());
        assertEquals(WorldCategories.group(2), s.unseen());
        oracle.requireCovers(s);
        oracle.requireCovers(WorldCategories.allSeen());
        GroundiffException e = assertThrows(GroundiffException.class, () -> oracle.requireCovers(Split.pascal(1)));
        assertTrue(e.getMessage().contains("world:1"), e.getMessage());
    }

    private static BufferedImage nearestUpscale(BufferedImage src, int k) {
        BufferedImage out = new BufferedImage(src.getWidth() * k, src.getHeight() * k, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) for (int x = 0; x < out.getWidth(); x++) out.setRGB(x, y, src.getRGB(x / k, y / k));
        return out;
    }
}
