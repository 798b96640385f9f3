package dev.groundiff.diffusion.vae;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** diffusers {@code UNetMidBlock2D} as the VAE uses it: resnet, single-head attention, resnet (no time embedding). */
final class UNetMidBlock2D extends Layer {
    private final LayerList<VaeAttention> attentions;
    private final LayerList<ResnetBlock2D> resnets;

    UNetMidBlock2D(ParamFactory f, long channels, long groups, double eps) {
        attentions = child("attentions", new LayerList<>());
        resnets = child("resnets", new LayerList<>());
        resnets.add(new ResnetBlock2D(f, channels, channels, 0, groups, eps, 1.0));
        attentions.add(new VaeAttention(f, channels, groups, eps));
        resnets.add(new ResnetBlock2D(f, channels, channels, 0, groups, eps, 1.0));
    }

    Tensor forward(Tensor h, Capture cap) {
        h = resnets.get(0).forward(h, null, cap.at("resnets", 0));
        h = attentions.get(0).forward(h, cap.at("attentions", 0));
        h = resnets.get(1).forward(h, null, cap.at("resnets", 1));
        return cap.output(h);
    }
}
