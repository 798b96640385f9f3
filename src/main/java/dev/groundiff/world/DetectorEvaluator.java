package dev.groundiff.world;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a detector on freshly rendered scenes: per category, IoU = (pixels both predicted and true,
 * summed over all scenes) / (pixels predicted or true, summed over all scenes); mIoU is the mean over
 * categories that occur. Predictions are the detector's instances (as {@link WorldDetector#detect} gives them).
 */
public final class DetectorEvaluator {
    /** Evaluation scenes start here, far above any training seed (training uses 0 .. steps * batch). */
    public static final long DEFAULT_FIRST_SEED = 1_000_000_000L;

    /** Per-category IoU (NaN when a category neither occurred nor was predicted) and their mean over the others. */
    public record Evaluation(int scenes, Map<String, Double> iou, double meanIoU) {}

    private DetectorEvaluator() {}

    public static Evaluation evaluate(WorldDetector d, long firstSeed, int count, int batch, Runnable afterEachScene) {
        return evaluate(d, d.config().categories(), firstSeed, count, batch, afterEachScene);
    }

    /**
     * Scores on scenes drawn from {@code classes}, which may include classes the detector does not know
     * (Protocol II's seen-only baseline): those are never predicted, so their IoU is 0.
     */
    public static Evaluation evaluate(WorldDetector d, List<String> classes, long firstSeed, int count, int batch, Runnable afterEachScene) {
        DetectorConfig cfg = d.config();
        SceneSpec spec = SceneSpec.defaults().withSize(cfg.imageSize()).withCategories(classes);
        IouAccumulator acc = new IouAccumulator(classes.size() + 1);
        for (int start = 0; start < count; start += batch) {
            int n = Math.min(batch, count - start);
            List<Scene> scenes = new ArrayList<>();
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Scene s = SceneRenderer.render(firstSeed + start + i, spec);
                scenes.add(s);
                images.add(s.image());
            }
            List<List<DetectorInstance>> found = d.detectAll(images);
            for (int i = 0; i < n; i++) {
                acc.add(scenes.get(i).classMap(classes), classMap(found.get(i), classes, images.get(i).getWidth() * images.get(i).getHeight()));
                if (afterEachScene != null) afterEachScene.run();
            }
        }
        Map<String, Double> iou = new LinkedHashMap<>();
        for (int c = 1; c <= classes.size(); c++) iou.put(classes.get(c - 1), acc.iou(c));
        return new Evaluation(count, iou, acc.meanIou());
    }

    /** Instances painted into a class map (0 where none). */
    static int[] classMap(List<DetectorInstance> instances, List<String> classes, int pixels) {
        int[] pred = new int[pixels];
        for (DetectorInstance inst : instances) {
            int cls = classes.indexOf(inst.category()) + 1;
            boolean[] m = inst.mask().toRowMajor();
            for (int p = 0; p < m.length; p++) if (m[p]) pred[p] = cls;
        }
        return pred;
    }
}
