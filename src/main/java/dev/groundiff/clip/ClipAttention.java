package dev.groundiff.clip;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** transformers' {@code CLIPAttention} with the causal mask: {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj}. */
final class ClipAttention extends Layer {
    final Linear qProj, kProj, vProj, outProj;
    private final int heads;
    private final int headDim;
    private final double scale;

    /** The attention output and, when requested, the softmax probabilities [batch, heads, query, key]. */
    record Result(Tensor output, Tensor probs) {}

    ClipAttention(ParamFactory f, ClipTextConfig c) {
        long h = c.hiddenSize();
        kProj = child("k_proj", new Linear(f, h, h, true));
        vProj = child("v_proj", new Linear(f, h, h, true));
        qProj = child("q_proj", new Linear(f, h, h, true));
        outProj = child("out_proj", new Linear(f, h, h, true));
        heads = c.numAttentionHeads();
        headDim = c.headDim();
        scale = 1.0 / Math.sqrt(headDim);
    }

    /** [batch, seq, hidden] -> [batch, heads, seq, head_dim]. */
    private Tensor split(Tensor x, long batch, long seq) {
        return x.view(batch, seq, heads, headDim).transpose(1, 2);
    }

    Result forward(Tensor x, boolean wantProbs) {
        long[] s = dev.groundiff.torch.Tensors.shape(x);
        long batch = s[0], seq = s[1];
        Tensor k = split(kProj.forward(x), batch, seq);
        Tensor v = split(vProj.forward(x), batch, seq);
        Tensor out;
        Tensor probs = null;
        // As transformers: scale q first, add a causal mask of -inf above the diagonal, softmax over keys.
        // (Not scaled_dot_product_attention: libtorch 2.10's CPU kernel is the slower one here too.)
        Tensor q = split(qProj.forward(x).mul(new org.bytedeco.pytorch.Scalar(scale)), batch, seq);
        Tensor scores = q.matmul(k.transpose(2, 3)).add_(causalMask(seq, x));
        if (wantProbs || org.bytedeco.pytorch.GradMode.is_enabled()) {
            probs = scores.softmax(-1);
            out = probs.matmul(v);
            if (!wantProbs) probs = null;
        } else {
            torch.softmax_out(scores, scores, -1, new org.bytedeco.pytorch.ScalarTypeOptional());
            out = scores.matmul(v);
        }
        out = out.transpose(1, 2).reshape(batch, seq, (long) heads * headDim);
        return new Result(outProj.forward(out), probs);
    }

    private static Tensor causalMask(long seq, Tensor like) {
        Tensor full = torch.full(new long[] {seq, seq}, new org.bytedeco.pytorch.Scalar(Double.NEGATIVE_INFINITY),
                new org.bytedeco.pytorch.TensorOptions().dtype(new org.bytedeco.pytorch.ScalarTypeOptional(like.scalar_type())));
        return full.triu(1);
    }
}
