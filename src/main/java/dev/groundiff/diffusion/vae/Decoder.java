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

/** diffusers VAE {@code Decoder}: latent (after {@code post_quant_conv}) -> image; up blocks run from the widest level down. */
final class Decoder extends Layer {
    private final Conv2d convIn;
    private final UNetMidBlock2D midBlock;
    private final LayerList<UpDecoderBlock2D> upBlocks;
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    Decoder(ParamFactory f, VaeConfig c) {
        List<Integer> ch = c.blockOutChannels();
        int n = ch.size();
        long groups = c.normNumGroups();
        double eps = Encoder.EPS;
        convIn = child("conv_in", new Conv2d(f, c.latentChannels(), ch.get(n - 1), 3, 1, 1));
        upBlocks = child("up_blocks", new LayerList<>());
        midBlock = child("mid_block", new UNetMidBlock2D(f, ch.get(n - 1), groups, eps));
        long out = ch.get(n - 1);
        for (int i = 0; i < n; i++) {
            long prev = out;
            out = ch.get(n - 1 - i);
            upBlocks.add(new UpDecoderBlock2D(f, prev, out, c.layersPerBlock() + 1, groups, eps, i < n - 1));
        }
        convNormOut = child("conv_norm_out", new GroupNorm(f, groups, ch.get(0), eps));
        convOut = child("conv_out", new Conv2d(f, ch.get(0), c.outChannels(), 3, 1, 1));
    }

    Tensor forward(Tensor z, Capture cap) {
        Tensor h = cap.at("conv_in").output(convIn.forward(z));
        h = midBlock.forward(h, cap.at("mid_block"));
        for (int i = 0; i < upBlocks.size(); i++) h = upBlocks.get(i).forward(h, cap.at("up_blocks", i));
        h = cap.at("conv_norm_out").output(convNormOut.forward(h));
        h = cap.at("conv_out").output(convOut.forward(Ops.silu(h)));
        return cap.output(h);
    }
}
