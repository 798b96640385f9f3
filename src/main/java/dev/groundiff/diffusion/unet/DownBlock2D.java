package dev.groundiff.diffusion.unet;

import dev.groundiff.torch.nn.ParamFactory;

/** diffusers {@code DownBlock2D}: resnets only, then an optional downsampler. */
final class DownBlock2D extends UNetDownBlock {
    DownBlock2D(ParamFactory f, long in, long out, long temb, int layers, long groups, double eps,
                boolean addDownsample, int downsamplePadding) {
        super(f, in, out, temb, layers, groups, eps, addDownsample, downsamplePadding, null);
    }
}
