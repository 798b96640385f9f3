package dev.groundiff.diffusion.unet;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.diffusion.blocks.Transformer2DModel;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** diffusers {@code UNetMidBlock2DCrossAttn} (one layer): resnet, transformer, resnet. */
final class UNetMidBlock2DCrossAttn extends Layer {
    private final LayerList<Transformer2DModel> attentions;
    private final LayerList<ResnetBlock2D> resnets;

    UNetMidBlock2DCrossAttn(ParamFactory f, long channels, long temb, long groups, double eps, double outputScaleFactor,
                            AttentionSpec attention) {
        attentions = child("attentions", new LayerList<>());
        resnets = child("resnets", new LayerList<>());
        resnets.add(new ResnetBlock2D(f, channels, channels, temb, groups, eps, outputScaleFactor));
        attentions.add(new Transformer2DModel(f, channels, attention.heads(), attention.contextDim(), groups,
                attention.layers(), attention.linearProjection()));
        resnets.add(new ResnetBlock2D(f, channels, channels, temb, groups, eps, outputScaleFactor));
    }

    Tensor forward(Tensor h, Tensor temb, Tensor context, Capture cap) {
        h = resnets.get(0).forward(h, temb, cap.at("resnets", 0));
        for (int i = 0; i < attentions.size(); i++) {
            h = attentions.get(i).forward(h, context, cap.at("attentions", i));
            h = resnets.get(i + 1).forward(h, temb, cap.at("resnets", i + 1));
        }
        return cap.output(h);
    }
}
