package dev.groundiff.diffusion.vae;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.diffusion.blocks.Upsample2D;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** diffusers {@code UpDecoderBlock2D}: resnets, then an optional nearest x2 upsampler with conv. */
final class UpDecoderBlock2D extends Layer {
    private final LayerList<ResnetBlock2D> resnets;
    private final Upsample2D upsampler;

    UpDecoderBlock2D(ParamFactory f, long in, long out, int layers, long groups, double eps, boolean addUpsample) {
        resnets = child("resnets", new LayerList<>());
        for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(f, i == 0 ? in : out, out, 0, groups, eps, 1.0));
        if (addUpsample) {
            LayerList<Upsample2D> us = child("upsamplers", new LayerList<>());
            upsampler = us.add(new Upsample2D(f, out));
        } else {
            upsampler = null;
        }
    }

    Tensor forward(Tensor h, Capture cap) {
        for (int i = 0; i < resnets.size(); i++) h = resnets.get(i).forward(h, null, cap.at("resnets", i));
        if (upsampler != null) h = upsampler.forward(h, null, cap.at("upsamplers", 0));
        return cap.output(h);
    }
}
