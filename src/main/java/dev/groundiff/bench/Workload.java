package dev.groundiff.bench;

import org.bytedeco.pytorch.Tensor;

/**
 * One benchmark case made ready to run: a model with random weights in the case's dtype and its
 * inputs, built once; {@link #run()} is the timed call. The caller runs it with autograd off and
 * inside a {@code PointerScope}, so the output and every temporary are freed after each call.
 */
public interface Workload {
    /** One forward pass; returns its main output (its shape is reported, the values are not). */
    Tensor run();

    /** How a case builds its workload from the architecture configs, the compute type and a weight seed. */
    @FunctionalInterface
    interface Factory {
        /** {@code latentSize}: the side of the full-size latent (64 for 512x512 images; tests pass less). */
        Workload prepare(ModelConfigs configs, org.bytedeco.pytorch.global.torch.ScalarType dtype, long seed, int latentSize);
    }
}
