package dev.groundiff.diffusion.vae;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.Ops;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/** diffusers VAE {@code Encoder}: image -> [mean | logvar] moments (2 x latent channels), before {@code quant_conv}. */
final class Encoder extends Layer {
    static final double EPS = 1e-6;

    private final Conv2d convIn;
    private final LayerList<DownEncoderBlock2D> downBlocks;
    private final UNetMidBlock2D midBlock;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Encoder(ParamFactory f, VaeConfig c) {
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        long groups = c.normNumGroups();
        convIn = child("conv_in", new Conv2d(f, c.inChannels(), ch.get(0), 3, 1, 1));
        downBlocks = child("down_blocks", new LayerList<>());
        long out = ch.get(0);
        for (int i = 0; i < n; i++) {
            long in = out;
            out = ch.get(i);
            downBlocks.add(new DownEncoderBlock2D(f, in, out, c.layersPerBlock(), groups, EPS, i < n - 1));
        }
        midBlock = child("mid_block", new UNetMidBlock2D(f, ch.get(n - 1), groups, EPS));
        convNormOut = child("conv_norm_out", new GroupNorm(f, groups, ch.get(n - 1), EPS));
        convOut = child("conv_out", new Conv2d(f, ch.get(n - 1), 2L * c.latentChannels(), 3, 1, 1));
    }

    Tensor forward(Tensor x, Capture cap) {
        Tensor h = cap.at("conv_in").output(convIn.forward(x));
        for (int i = 0; i < downBlocks.size(); i++) h = downBlocks.get(i).forward(h, cap.at("down_blocks", i));
        h = midBlock.forward(h, cap.at("mid_block"));
        h = cap.at("conv_norm_out").output(convNormOut.forward(h));
        h = cap.at("conv_out").output(convOut.forward(Ops.silu(h)));
        return cap.output(h);
    }
}
