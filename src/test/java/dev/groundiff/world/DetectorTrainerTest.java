package dev.groundiff.world;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DetectorTrainerTest {
    static final DetectorConfig TINY = new DetectorConfig(32, List.of(8, 16), 4, WorldCategories.names());
    static final DetectorTraining RECIPE = new DetectorTraining(TINY, 6, 4, 2e-3, 1e-4, 7, true);

    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void resumedRunEndsBitIdenticalToUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        DetectorTrainer.Result a = DetectorTrainer.run(RECIPE, straight, false, DetectorTrainer.Limits.none());
        assertTrue(a.finished());
        assertEquals(6, a.step());

        DetectorTrainer.Result first = DetectorTrainer.run(RECIPE, split, false, new DetectorTrainer.Limits(3, Double.POSITIVE_INFINITY, 2, false));
        assertFalse(first.finished());
        assertEquals(3, first.step());
        assertEquals("3", SafeTensors.open(split.resolve(DetectorTrainer.CHECKPOINT)).metadata().get("step"));
        // a kill between checkpoints leaves loss rows the checkpoint does not hold: resume must drop them
        Files.writeString(split.resolve(DetectorTrainer.LOSS_CSV), "4,9.9,0.1,1.0\n5,9.", java.nio.file.StandardOpenOption.APPEND);
        DetectorTrainer.Result b = DetectorTrainer.run(RECIPE, split, true, DetectorTrainer.Limits.none());
        assertTrue(b.finished());

        Map<String, Tensor> wa = SafeTensors.load(straight.resolve(DetectorTrainer.CHECKPOINT));
        Map<String, Tensor> wb = SafeTensors.load(split.resolve(DetectorTrainer.CHECKPOINT));
        assertEquals(wa.keySet(), wb.keySet());
        assertTrue(wa.keySet().stream().anyMatch(k -> k.startsWith("optim.exp_avg_sq.")));
        for (String k : wa.keySet()) assertArrayEquals(Tensors.toBytes(wa.get(k)), Tensors.toBytes(wb.get(k)), k);

        List<String> la = losses(straight), lb = losses(split);
        assertEquals(6, la.size());
        assertEquals(la, lb, "same loss at every step");
        assertTrue(Double.parseDouble(la.get(0)) > Double.parseDouble(la.get(5)), "loss goes down: " + la);
    }

    private static List<String> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve(DetectorTrainer.LOSS_CSV)).stream().skip(1).map(l -> l.split(",")[1]).toList();
    }

    @Test
    void refusesToOverwriteOrResumeWithAnotherRecipe(@TempDir Path tmp) throws Exception {
        DetectorTrainer.run(RECIPE, tmp, false, new DetectorTrainer.Limits(1, Double.POSITIVE_INFINITY, 2, false));
        GroundiffException e = assertThrows(GroundiffException.class, () -> DetectorTrainer.run(RECIPE, tmp, false, DetectorTrainer.Limits.none()));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        DetectorTraining other = new DetectorTraining(TINY, 6, 4, 1e-3, 1e-4, 7, true);
        e = assertThrows(GroundiffException.class, () -> DetectorTrainer.run(other, tmp, true, DetectorTrainer.Limits.none()));
        assertTrue(e.getMessage().contains("another recipe"), e.getMessage());
    }

    @Test
    void learningRateWarmsUpThenDecays() {
        DetectorTraining t = DetectorTraining.defaults();
        assertEquals(t.learningRate() / 100, t.learningRate(1), 1e-12);
        assertEquals(t.learningRate(), t.learningRate(100), 1e-12);
        assertEquals(0.05 * t.learningRate(), t.learningRate(t.steps()), 1e-12);
        assertTrue(t.learningRate(1000) < t.learningRate(500));
        assertEquals(t.batch(), t.firstSceneSeed(2));
        assertTrue(t.firstSceneSeed(t.steps()) + t.batch() < DetectorEvaluator.DEFAULT_FIRST_SEED);
    }
}
