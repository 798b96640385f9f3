package dev.groundiff.world;

import dev.groundiff.GroundiffException;

/**
 * The recipe of a detector training run; everything that decides the final weights. Two runs with
 * equal recipes give bit-identical weights, whether or not they were interrupted and resumed.
 *
 * @param config          the network
 * @param steps           optimizer steps (the learning-rate schedule spans them)
 * @param batch           scenes per step; scene {@code i} of step {@code s} has seed {@code s * batch + i}
 * @param learningRate    peak AdamW learning rate (linear warm-up, then cosine decay to 5%)
 * @param weightDecay     AdamW decoupled weight decay
 * @param seed            seeds the initial weights and the augmentation noise
 * @param augment         blur and noise on some training images, so the detector also reads generated images
 */
public record DetectorTraining(DetectorConfig config, int steps, int batch, double learningRate, double weightDecay,
                               long seed, boolean augment) {
    public DetectorTraining {
        if (steps < 1) throw new GroundiffException("--steps must be at least 1, got " + steps);
        if (batch < 1) throw new GroundiffException("--batch must be at least 1, got " + batch);
        if (!(learningRate > 0)) throw new GroundiffException("--lr must be positive, got " + learningRate);
    }

    public static DetectorTraining defaults() {
        return new DetectorTraining(DetectorConfig.defaults(), 3000, 16, 2e-3, 1e-4, 0, true);
    }

    public int warmupSteps() {
        return Math.min(100, Math.max(1, steps / 10));
    }

    /** Learning rate of step {@code s} (1-based): linear warm-up, then cosine to 5% of the peak. */
    public double learningRate(int s) {
        int w = warmupSteps();
        if (s <= w) return learningRate * s / w;
        double t = (double) (s - w) / Math.max(1, steps - w);
        return learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    /** Seed of the first scene of step {@code s} (1-based). Scenes for evaluation use seeds from {@link DetectorEvaluator#DEFAULT_FIRST_SEED}. */
    public long firstSceneSeed(int s) {
        return (long) (s - 1) * batch;
    }

    public SceneSpec sceneSpec() {
        return SceneSpec.defaults().withSize(config.imageSize()).withCategories(config.categories());
    }
}
