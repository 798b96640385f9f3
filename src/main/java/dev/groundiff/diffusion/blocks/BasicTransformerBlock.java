package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Scoped;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.LayerNorm;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code BasicTransformerBlock} (layer_norm type, SD v1.x): pre-norm self-attention,
 * cross-attention to the text states, GEGLU feed-forward, each added to the residual stream.
 */
public final class BasicTransformerBlock extends Layer {
    private static final double NORM_EPS = 1e-5;

    private final LayerNorm norm1;
    private final Attention attn1;
    private final LayerNorm norm2;
    private final Attention attn2;
    private final LayerNorm norm3;
    private final FeedForward ff;

    public BasicTransformerBlock(ParamFactory f, long dim, long heads, long headDim, long contextDim) {
        norm1 = child("norm1", new LayerNorm(f, dim, NORM_EPS));
        attn1 = child("attn1", new Attention(f, dim, 0, heads, headDim));
        norm2 = child("norm2", new LayerNorm(f, dim, NORM_EPS));
        attn2 = child("attn2", new Attention(f, dim, contextDim, heads, headDim));
        norm3 = child("norm3", new LayerNorm(f, dim, NORM_EPS));
        ff = child("ff", new FeedForward(f, dim));
    }

    /** {@code x} [B, H*W, dim], {@code context} [B, 77, contextDim]. */
    public Tensor forward(Tensor x, Tensor context, Capture cap) {
        // nothing captured: free the block's temporaries (attention scores, feed-forward) on return
        if (cap == Capture.NONE) return Scoped.call(() -> compute(x, context, cap));
        return compute(x, context, cap);
    }

    private Tensor compute(Tensor x, Tensor context, Capture cap) {
        Tensor h = attn1.forward(norm1.forward(x), null, cap.at("attn1")).add(x);
        h = attn2.forward(norm2.forward(h), context, cap.at("attn2")).add(h);
        h = ff.forward(norm3.forward(h), cap.at("ff")).add(h);
        return cap.output(h);
    }
}
