package dev.groundiff.diffusion.unet;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * An up block's result: its output, and each layer's output as CompVis' {@code output_blocks}
 * delimit them (the last one after the upsampler, when there is one) — the feature taps.
 */
record UpOutput(Tensor hidden, List<Tensor> layerOutputs) {}
