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
 * diffusers {@code Transformer2DModel} on a feature map: GroupNorm (eps 1e-6), {@code proj_in}
 * (1x1 conv, or linear with {@code use_linear_projection}), transformer blocks over the H*W tokens,
 * {@code proj_out}, plus the input as residual.
 */
public final class Transformer2DModel extends Layer {
    private static final double NORM_EPS = 1e-6;

    private final GroupNorm norm;
    // exactly one of each pair is set, as use_linear_projection chooses
    private final Conv2d projInConv, projOutConv;
    private final Linear projInLinear, projOutLinear;
    private final LayerList<BasicTransformerBlock> blocks;

    public Transformer2DModel(ParamFactory f, long channels, long heads, long contextDim, long groups,
                              int layers, boolean linearProjection) {
        if (channels % heads != 0) {
            throw new IllegalArgumentException("Transformer2DModel: " + channels + " channels are not divisible by " + heads + " heads");
        }
        long headDim = channels / heads;
        norm = child("norm", new GroupNorm(f, groups, channels, NORM_EPS));
        projInLinear = linearProjection ? child("proj_in", new Linear(f, channels, channels, true)) : null;
        projInConv = linearProjection ? null : child("proj_in", new Conv2d(f, channels, channels, 1, 1, 0));
        blocks = child("transformer_blocks", new LayerList<>());
        for (int i = 0; i < layers; i++) blocks.add(new BasicTransformerBlock(f, channels, heads, headDim, contextDim));
        projOutLinear = linearProjection ? child("proj_out", new Linear(f, channels, channels, true)) : null;
        projOutConv = linearProjection ? null : child("proj_out", new Conv2d(f, channels, channels, 1, 1, 0));
    }

    /** {@code x} [B, C, H, W] -> [B, C, H, W]. */
    public Tensor forward(Tensor x, Tensor context, Capture cap) {
        // nothing captured: free the norm/projection temporaries on return
        if (cap == Capture.NONE) return Scoped.call(() -> compute(x, context, cap));
        return compute(x, context, cap);
    }

    private Tensor compute(Tensor x, Tensor context, Capture cap) {
        long[] s = Tensors.shape(x);
        Tensor h = norm.forward(x);
        h = projInLinear != null ? projInLinear.forward(Ops.toTokens(h)) : Ops.toTokens(projInConv.forward(h));
        for (int i = 0; i < blocks.size(); i++) h = blocks.get(i).forward(h, context, cap.at("transformer_blocks", i));
        h = projOutLinear != null ? Ops.fromTokens(projOutLinear.forward(h), s[2], s[3]) : projOutConv.forward(Ops.fromTokens(h, s[2], s[3]));
        return cap.output(h.add(x));
    }
}
