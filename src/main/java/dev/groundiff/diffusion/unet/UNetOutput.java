package dev.groundiff.diffusion.unet;

import org.bytedeco.pytorch.Tensor;

/**
 * A UNet call's result.
 *
 * @param sample the model output (noise prediction for SD v1.x), shaped like the input sample
 * @param taps   the requested feature taps; null when {@link TapRequest#NONE} was requested
 */
public record UNetOutput(Tensor sample, FeatureTaps taps) {}
