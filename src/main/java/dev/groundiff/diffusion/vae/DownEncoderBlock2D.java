package dev.groundiff.diffusion.vae;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.Downsample2D;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.ResnetBlock2D;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** diffusers {@code DownEncoderBlock2D}: resnets, then an optional downsampler (padding 0: pad bottom/right, stride-2 conv). */
final class DownEncoderBlock2D extends Layer {
    private final LayerList<ResnetBlock2D> resnets;
    private final Downsample2D downsampler;

    DownEncoderBlock2D(ParamFactory f, long in, long out, int layers, long groups, double eps, boolean addDownsample) {
        resnets = child("resnets", new LayerList<>());
        for (int i = 0; i < layers; i++) resnets.add(new ResnetBlock2D(f, i == 0 ? in : out, out, 0, groups, eps, 1.0));
        if (addDownsample) {
            LayerList<Downsample2D> ds = child("downsamplers", new LayerList<>());
            downsampler = ds.add(new Downsample2D(f, out, 0));
        } else {
            downsampler = null;
        }
    }

    Tensor forward(Tensor h, Capture cap) {
        for (int i = 0; i < resnets.size(); i++) h = resnets.get(i).forward(h, null, cap.at("resnets", i));
        if (downsampler != null) h = downsampler.forward(h, cap.at("downsamplers", 0));
        return cap.output(h);
    }
}
