package dev.groundiff.grounding;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.LayerNorm;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The official pre-norm {@code TransformerDecoderLayer}: self-attention over the queries on
 * LN1(tgt), cross-attention from LN2(tgt) to the memory as it is (not normalised), a ReLU feed-forward
 * on LN3(tgt), each added back. No positional encodings, dropout 0.
 */
final class DecoderLayer extends Layer {
    final BiasFreeAttention selfAttn;
    final BiasFreeAttention multiheadAttn;
    final Linear linear1;
    final Linear linear2;
    final LayerNorm norm1;
    final LayerNorm norm2;
    final LayerNorm norm3;

    DecoderLayer(ParamFactory f, int dim, int heads, int ffn) {
        this.selfAttn = child("self_attn", new BiasFreeAttention(f, dim, heads));
        this.multiheadAttn = child("multihead_attn", new BiasFreeAttention(f, dim, heads));
        this.linear1 = child("linear1", new Linear(f, dim, ffn, true));
        this.linear2 = child("linear2", new Linear(f, ffn, dim, true));
        this.norm1 = child("norm1", new LayerNorm(f, dim, 1e-5));
        this.norm2 = child("norm2", new LayerNorm(f, dim, 1e-5));
        this.norm3 = child("norm3", new LayerNorm(f, dim, 1e-5));
    }

    /**
     * @param tgt       queries [B, N, d]
     * @param memory    visual tokens [B, T, d]
     * @param queryMask additive mask [B, 1, 1, N] hiding padded queries from self-attention, or null
     */
    Tensor forward(Tensor tgt, Tensor memory, Tensor queryMask) {
        Tensor t2 = norm1.forward(tgt);
        tgt = tgt.add(selfAttn.forward(t2, t2, t2, queryMask));
        t2 = norm2.forward(tgt);
        tgt = tgt.add(multiheadAttn.forward(t2, memory, memory, null));
        t2 = norm3.forward(tgt);
        return tgt.add(linear2.forward(torch.relu(linear1.forward(t2))));
    }
}
