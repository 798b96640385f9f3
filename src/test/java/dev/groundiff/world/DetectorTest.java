package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DetectorTest {
    static final DetectorConfig TINY = new DetectorConfig(32, List.of(8, 16), 4, WorldCategories.names());

    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void defaultNetworkIsSmallAndKeepsResolution() {
        WorldDetector meta = new WorldDetector(DetectorConfig.defaults(), ParamFactory.meta());
        long n = StateDict.parameterCount(meta);
        assertTrue(n > 500_000 && n < 2_000_000, "parameters: " + n);
        WorldDetector d = new WorldDetector(TINY, ParamFactory.random(1));
        Tensor logits = d.forward(Tensors.fromFloats(new float[2 * 3 * 32 * 32], 2, 3, 32, 32));
        assertArrayEquals(new long[] {2, 21, 32, 32}, Tensors.shape(logits));
    }

    @Test
    void instancesAreClassRegionsWithoutSpecks() {
        int w = 8, h = 8, classes = 21, n = w * h;
        float[] probs = new float[classes * n];
        int star = WorldCategories.byName("star").classIndex(), ring = WorldCategories.byName("ring").classIndex();
        for (int p = 0; p < n; p++) {
            int x = p % w, y = p / w;
            int cls = 0;
            if (x < 3 && y < 3) cls = star;          // 9-pixel star region
            if (x >= 6 && y >= 6) cls = star;        // 4-pixel star speck: dropped (min area 8)
            if (y == 7 && x < 2) cls = ring;         // 2 ring pixels apart from the column: dropped too
            if (x == 4) cls = ring;                  // plus a column of 8 ring pixels: kept
            probs[cls * n + p] = cls == star ? 0.9f : 0.7f;
            probs[(cls == 0 ? 1 : 0) * n + p] = 0.1f;
        }
        List<DetectorInstance> found = InstanceExtractor.DEFAULT.extract(probs, DetectorConfig.defaults(), w, h);
        assertEquals(2, found.size());
        DetectorInstance s = found.get(0), r = found.get(1);
        assertEquals("star", s.category());
        assertEquals(9, s.mask().area());
        assertEquals(new BitMask.Box(0, 0, 3, 3), s.bbox());
        assertEquals(0.9, s.score(), 1e-6);
        assertEquals("ring", r.category());
        assertEquals(8, r.mask().area());
        assertEquals(new BitMask.Box(4, 0, 1, 8), r.bbox());
        assertTrue(new InstanceExtractor(8, 0.8).extract(probs, DetectorConfig.defaults(), w, h).stream().noneMatch(i -> i.category().equals("ring")));
    }

    @Test
    void iouIsAccumulatedOverTheSet() {
        IouAccumulator acc = new IouAccumulator(3);
        acc.add(new int[] {1, 1, 0, 2}, new int[] {1, 0, 0, 2});   // class 1: I=1 U=2; class 2: I=1 U=1
        acc.add(new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 2});   // class 1: I=3 U=4; class 2: I=0 U=1
        assertEquals(4.0 / 6, acc.iou(1), 1e-12);
        assertEquals(1.0 / 2, acc.iou(2), 1e-12);
        assertEquals((4.0 / 6 + 0.5) / 2, acc.meanIou(), 1e-12);
        assertTrue(Double.isNaN(new IouAccumulator(3).meanIou()));
    }

    /** Protocol II's seen-only baseline: scored on scenes of all classes, the classes it does not know get IoU 0. */
    @Test
    void classesTheDetectorDoesNotKnowScoreZero() {
        List<String> seen = WorldCategories.split(1).seen();
        WorldDetector d = new WorldDetector(new DetectorConfig(32, List.of(8, 16), 4, seen), ParamFactory.random(5));
        DetectorEvaluator.Evaluation e = DetectorEvaluator.evaluate(d, WorldCategories.names(), DetectorEvaluator.DEFAULT_FIRST_SEED, 40, 8, null);
        assertEquals(WorldCategories.names(), List.copyOf(e.iou().keySet()));
        int unseenScored = 0;
        for (String c : WorldCategories.split(1).unseen()) {
            double v = e.iou().get(c);
            if (!Double.isNaN(v)) {
                assertEquals(0.0, v, c);
                unseenScored++;
            }
        }
        assertTrue(unseenScored > 0, "40 scenes show some unseen class");
    }

    @Test
    void modelFolderRoundTripsInHalfPrecision(@TempDir Path dir) throws Exception {
        WorldDetector d = new WorldDetector(TINY, ParamFactory.random(3));
        DetectorModel.save(dir, d, DType.FLOAT16, Map.of("note", "test"));
        assertEquals(DType.FLOAT16, SafeTensors.open(dir.resolve(DetectorModel.WEIGHTS)).entries().get("conv_in.weight").dtype());
        WorldDetector back = DetectorModel.load(dir);
        assertEquals(TINY, back.config());
        float[] a = Tensors.toFloats(d.forward(input()));
        float[] b = Tensors.toFloats(back.forward(input()));
        double worst = 0;
        for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        assertTrue(worst < 1e-2, "fp16 storage changes logits by " + worst);

        Files.writeString(dir.resolve(DetectorModel.CONFIG), "{\"model\":\"world-detector\",\"image_size\":33,\"channels\":[8,16],\"norm_groups\":4,\"categories\":[\"star\"]}");
        GroundiffException e = assertThrows(GroundiffException.class, () -> DetectorModel.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("not divisible"), e.getMessage());
        assertThrows(GroundiffException.class, () -> DetectorModel.load(dir.resolve("missing")));
    }

    private static Tensor input() {
        Scene s = SceneRenderer.render(1, SceneSpec.defaults().withSize(32));
        return Tensors.fromFloats(s.rgbChw(), 1, 3, 32, 32);
    }

    @Test
    void detectRejectsImagesOfAnotherSize() {
        WorldDetector d = new WorldDetector(TINY, ParamFactory.random(3));
        Scene s = SceneRenderer.render(1, SceneSpec.defaults());
        GroundiffException e = assertThrows(GroundiffException.class, () -> d.detect(s.image()));
        assertTrue(e.getMessage().contains("32x32"), e.getMessage());
        List<List<DetectorInstance>> batch = d.detectAll(List.of(SceneRenderer.render(2, SceneSpec.defaults().withSize(32)).image()));
        assertEquals(1, batch.size());
    }
}
