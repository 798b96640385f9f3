package dev.groundiff.grounding;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@code nn.MultiheadAttention(d, heads, bias=False)}: parameters {@code in_proj_weight} [3d, d]
 * (q, k, v rows in that order) and {@code out_proj.weight}; no biases, no dropout. Works on batched
 * inputs [B, L, d], so each image's queries only see that image's keys.
 */
final class BiasFreeAttention extends Layer {
    final Tensor inProjWeight;
    final Linear outProj;
    private final int dim;
    private final int heads;

    BiasFreeAttention(ParamFactory f, int dim, int heads) {
        // PyTorch initialises in_proj_weight with xavier_uniform: bound sqrt(6 / (d + 3d))
        this.inProjWeight = param("in_proj_weight", f.uniform(Math.sqrt(6.0 / (dim + 3.0 * dim)), 3L * dim, dim));
        this.outProj = child("out_proj", new Linear(f, dim, dim, false));
        this.dim = dim;
        this.heads = heads;
    }

    /**
     * @param query [B, N, d]
     * @param key   [B, T, d]
     * @param value [B, T, d]
     * @param keyMask additive mask broadcastable to [B, heads, N, T] (0 or -inf), or null
     */
    Tensor forward(Tensor query, Tensor key, Tensor value, Tensor keyMask) {
        long b = query.size(0), n = query.size(1), t = key.size(1);
        int hd = dim / heads;
        Tensor q = torch.linear(query, inProjWeight.narrow(0, 0, dim)).view(b, n, heads, hd).transpose(1, 2);
        Tensor k = torch.linear(key, inProjWeight.narrow(0, dim, dim)).view(b, t, heads, hd).transpose(1, 2);
        Tensor v = torch.linear(value, inProjWeight.narrow(0, 2L * dim, dim)).view(b, t, heads, hd).transpose(1, 2);
        q = q.mul(dev.groundiff.torch.Tensors.scalar(1.0 / Math.sqrt(hd)));
        Tensor scores = q.matmul(k.transpose(-2, -1));
        if (keyMask != null) scores = scores.add(keyMask);
        Tensor out = torch.softmax(scores, -1).matmul(v);
        return outProj.forward(out.transpose(1, 2).reshape(b, n, dim));
    }
}
