package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code Downsample2D} with a convolution: 3x3, stride 2. {@code padding} 1 (the UNet)
 * pads symmetrically; {@code padding} 0 (the VAE) pads one zero row/column at the bottom/right
 * first, as diffusers does.
 */
public final class Downsample2D extends Layer {
    private final Conv2d conv;
    private final boolean padBottomRight;

    public Downsample2D(ParamFactory f, long channels, int padding) {
        if (padding != 0 && padding != 1) throw new IllegalArgumentException("Downsample2D padding must be 0 or 1, not " + padding);
        conv = child("conv", new Conv2d(f, channels, channels, 3, 2, padding));
        padBottomRight = padding == 0;
    }

    public Tensor forward(Tensor x, Capture cap) {
        Tensor in = padBottomRight ? Ops.pad(x, 0, 1, 0, 1) : x;
        return cap.output(conv.forward(in));
    }
}
