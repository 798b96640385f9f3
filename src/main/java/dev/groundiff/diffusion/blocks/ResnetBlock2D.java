package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Scoped;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code ResnetBlock2D} with the SD settings (pre-norm, SiLU, "default" time-embedding
 * add, 1x1 {@code conv_shortcut} when the width changes):
 * {@code (shortcut(x) + conv2(silu(norm2(conv1(silu(norm1(x))) + time_emb_proj(silu(temb)))))) / scale}.
 */
public final class ResnetBlock2D extends Layer {
    private final GroupNorm norm1;
    private final Conv2d conv1;
    private final Linear timeEmbProj;
    private final GroupNorm norm2;
    private final Conv2d conv2;
    private final Conv2d convShortcut;
    private final double outputScaleFactor;

    /** {@code tembChannels} 0: no time embedding (the VAE's blocks). */
    public ResnetBlock2D(ParamFactory f, long in, long out, long tembChannels, long groups, double eps, double outputScaleFactor) {
        norm1 = child("norm1", new GroupNorm(f, groups, in, eps));
        conv1 = child("conv1", new Conv2d(f, in, out, 3, 1, 1));
        timeEmbProj = tembChannels > 0 ? child("time_emb_proj", new Linear(f, tembChannels, out, true)) : null;
        norm2 = child("norm2", new GroupNorm(f, groups, out, eps));
        conv2 = child("conv2", new Conv2d(f, out, out, 3, 1, 1));
        convShortcut = in != out ? child("conv_shortcut", new Conv2d(f, in, out, 1, 1, 0)) : null;
        this.outputScaleFactor = outputScaleFactor;
    }

    public Tensor forward(Tensor x, Tensor temb, Capture cap) {
        // nothing captured: free the block's temporaries on return
        if (cap == Capture.NONE) return Scoped.call(() -> compute(x, temb, cap));
        return compute(x, temb, cap);
    }

    private Tensor compute(Tensor x, Tensor temb, Capture cap) {
        Tensor h = conv1.forward(Ops.silu(norm1.forward(x)));
        if (timeEmbProj != null) {
            if (temb == null) throw new IllegalArgumentException("ResnetBlock2D with time_emb_proj needs a time embedding");
            h = h.add(timeEmbProj.forward(Ops.silu(temb)).unsqueeze(2).unsqueeze(3));
        }
        h = conv2.forward(Ops.silu(norm2.forward(h)));
        Tensor shortcut = convShortcut != null ? convShortcut.forward(x) : x;
        Tensor out = shortcut.add(h);
        if (outputScaleFactor != 1.0) out = out.div(Tensors.scalar(outputScaleFactor));
        return cap.output(out);
    }
}
