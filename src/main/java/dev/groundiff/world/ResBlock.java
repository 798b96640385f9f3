package dev.groundiff.world;

import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Pre-activation residual block (GroupNorm, SiLU, 3x3 conv, twice), with a 1x1 shortcut when channels change. */
final class ResBlock extends Layer {
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, shortcut;

    ResBlock(ParamFactory f, int in, int out, int groups) {
        norm1 = child("norm1", new GroupNorm(f, groups, in, 1e-5));
        conv1 = child("conv1", new Conv2d(f, in, out, 3, 1, 1));
        norm2 = child("norm2", new GroupNorm(f, groups, out, 1e-5));
        conv2 = child("conv2", new Conv2d(f, out, out, 3, 1, 1));
        shortcut = in == out ? null : child("conv_shortcut", new Conv2d(f, in, out, 1, 1, 0));
    }

    Tensor forward(Tensor x) {
        Tensor h = conv1.forward(torch.silu(norm1.forward(x)));
        h = conv2.forward(torch.silu(norm2.forward(h)));
        return h.add(shortcut == null ? x : shortcut.forward(x));
    }
}
