package dev.groundiff.diffusion.unet;

import dev.groundiff.torch.nn.ParamFactory;

/** diffusers {@code UpBlock2D}: (skip concat, resnet) per layer, then an optional upsampler. */
final class UpBlock2D extends UNetUpBlock {
    UpBlock2D(ParamFactory f, long in, long out, long prev, long temb, int layers, long groups, double eps, boolean addUpsample) {
        super(f, in, out, prev, temb, layers, groups, eps, addUpsample, null);
    }
}
