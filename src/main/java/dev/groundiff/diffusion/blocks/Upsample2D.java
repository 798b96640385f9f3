package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** diffusers {@code Upsample2D} with a convolution: nearest-neighbour x2 (or to a given size), then 3x3 conv. */
public final class Upsample2D extends Layer {
    private final Conv2d conv;

    public Upsample2D(ParamFactory f, long channels) {
        conv = child("conv", new Conv2d(f, channels, channels, 3, 1, 1));
    }

    /** {@code size} null: twice the input size; else {@code {height, width}} (the skip tensor's size, for latents not divisible by 8). */
    public Tensor forward(Tensor x, long[] size, Capture cap) {
        long[] s = Tensors.shape(x);
        long[] out = size != null ? size : new long[] {s[2] * 2, s[3] * 2};
        return cap.output(conv.forward(torch.upsample_nearest2d(x, out)));
    }
}
