package dev.groundiff.world.gen;

import dev.groundiff.torch.DType;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** One trainable stage: what a checkpoint holds, one optimizer step, and the export into a model folder. */
public interface TrainingStage {
    /** Everything that changes during training (weights, EMA, optimizer moments), by checkpoint key. */
    Map<String, Tensor> checkpointState();

    /** Restores {@link #checkpointState()} saved after {@code step}. */
    void restore(Map<String, Tensor> state, int step, String source);

    /** Runs step {@code s} (1-based) with learning rate {@code lr} (the trainer's schedule) and returns its loss. */
    double step(int s, double lr);

    /** Writes this stage's parts of the diffusers folder {@code modelDir}, weights as {@code dtype}. */
    void export(Path modelDir, DType dtype, Map<String, String> metadata) throws IOException;
}
