package dev.groundiff.diffusion.unet;

import dev.groundiff.torch.nn.ParamFactory;

/** diffusers {@code CrossAttnDownBlock2D}: resnet + transformer per layer, then an optional downsampler. */
final class CrossAttnDownBlock2D extends UNetDownBlock {
    CrossAttnDownBlock2D(ParamFactory f, long in, long out, long temb, int layers, long groups, double eps,
                         boolean addDownsample, int downsamplePadding, AttentionSpec attention) {
        super(f, in, out, temb, layers, groups, eps, addDownsample, downsamplePadding, attention);
    }
}
