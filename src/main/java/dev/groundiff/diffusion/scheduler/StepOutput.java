package dev.groundiff.diffusion.scheduler;

import org.bytedeco.pytorch.Tensor;

/** One scheduler step: the next sample and the model's estimate of the clean sample x0. */
public record StepOutput(Tensor prevSample, Tensor predOriginalSample) {}
