package dev.groundiff.diffusion.unet;

import dev.groundiff.torch.nn.ParamFactory;

/** diffusers {@code CrossAttnUpBlock2D}: (skip concat, resnet, transformer) per layer, then an optional upsampler. */
final class CrossAttnUpBlock2D extends UNetUpBlock {
    CrossAttnUpBlock2D(ParamFactory f, long in, long out, long prev, long temb, int layers, long groups, double eps,
                       boolean addUpsample, AttentionSpec attention) {
        super(f, in, out, prev, temb, layers, groups, eps, addUpsample, attention);
    }
}
