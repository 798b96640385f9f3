package dev.groundiff.world;

import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The detector committed in models/world/detector still loads and still segments fresh scenes well. */
class ShippedDetectorTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void shippedDetectorSegmentsFreshScenes() throws Exception {
        Path dir = WorldModels.dir("detector");
        assertTrue(Files.isRegularFile(dir.resolve(DetectorModel.WEIGHTS)), "no shipped detector at " + dir);
        assertTrue(Files.size(dir.resolve(DetectorModel.WEIGHTS)) < 5_000_000, "shipped weights stay small");
        WorldDetector d = DetectorModel.load(dir);
        assertEquals(WorldCategories.names(), d.config().categories());
        // 100 scenes from the evaluation range (never seen in training); the full 1000-scene figure is in the model's README
        DetectorEvaluator.Evaluation e = DetectorEvaluator.evaluate(d, DetectorEvaluator.DEFAULT_FIRST_SEED, 100, 50, null);
        assertTrue(e.meanIoU() > 0.85, "mIoU on 100 fresh scenes: " + e.meanIoU());

        Scene s = SceneRenderer.render(DetectorEvaluator.DEFAULT_FIRST_SEED + 5000, SceneSpec.defaults());
        var found = d.detect(s.image());
        for (SceneObject o : s.objects()) {
            assertTrue(found.stream().anyMatch(i -> i.category().equals(o.category())), o.category() + " not found in " + found);
        }
    }
}
