package dev.groundiff.grounding;

import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.Map;

/**
 * One training image for the grounding module.
 *
 * @param features the UNet taps by group, each [2, C, H, W] (unconditional, conditional)
 * @param queries  one embedding per prompted category [N, textDim]
 * @param targets  N masks [outputSize, outputSize] of 0/1, or null where the detector found nothing
 */
public record TrainingExample(Map<String, List<Tensor>> features, Tensor queries, List<Tensor> targets) {
    public TrainingExample {
        if (targets.size() != queries.size(0)) {
            throw new IllegalArgumentException(targets.size() + " targets for " + queries.size(0) + " queries");
        }
    }

    public boolean hasAnyTarget() {
        for (Tensor t : targets) if (t != null) return true;
        return false;
    }
}
