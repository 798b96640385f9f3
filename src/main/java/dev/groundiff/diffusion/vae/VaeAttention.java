package dev.groundiff.diffusion.vae;

import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.diffusion.blocks.LayerList;
import dev.groundiff.diffusion.blocks.MultiHeadAttention;
import dev.groundiff.diffusion.blocks.Ops;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.GroupNorm;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/**
 * The VAE mid-block's diffusers {@code Attention}: single-head self-attention over the pixels of a
 * feature map, {@code group_norm} first, biased {@code to_q/to_k/to_v/to_out.0}, input added back.
 */
final class VaeAttention extends Layer {
    private final GroupNorm groupNorm;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    VaeAttention(ParamFactory f, long channels, long groups, double eps) {
        groupNorm = child("group_norm", new GroupNorm(f, groups, channels, eps));
        toQ = child("to_q", new Linear(f, channels, channels, true));
        toK = child("to_k", new Linear(f, channels, channels, true));
        toV = child("to_v", new Linear(f, channels, channels, true));
        LayerList<Linear> out = child("to_out", new LayerList<>());
        toOut = out.add(new Linear(f, channels, channels, true));
    }

    Tensor forward(Tensor x, Capture cap) {
        long[] s = Tensors.shape(x);
        Tensor tokens = Ops.toTokens(groupNorm.forward(x));
        Tensor h = MultiHeadAttention.attend(toQ.forward(tokens), toK.forward(tokens), toV.forward(tokens), 1, null);
        h = Ops.fromTokens(toOut.forward(h), s[2], s[3]);
        return cap.output(h.add(x));
    }
}
