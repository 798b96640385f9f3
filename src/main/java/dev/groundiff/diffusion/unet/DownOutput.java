package dev.groundiff.diffusion.unet;

import org.bytedeco.pytorch.Tensor;

import java.util.List;

/** A down block's result: the hidden states passed on, and the skip tensors it emits (one per layer, plus the downsampler's). */
record DownOutput(Tensor hidden, List<Tensor> resSamples) {}
