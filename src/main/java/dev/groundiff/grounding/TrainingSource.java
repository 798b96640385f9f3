package dev.groundiff.grounding;

import org.bytedeco.pytorch.Generator;

/**
 * Where training examples come from (a built dataset, online generation). Resume is bit-identical as
 * long as the example depends only on {@code index} and on what is drawn from {@code rng}: the trainer
 * owns that generator and checkpoints its state.
 */
@FunctionalInterface
public interface TrainingSource {
    /** The example with this global index (0, 1, 2, ... across the whole run). */
    TrainingExample next(long index, Generator rng);
}
