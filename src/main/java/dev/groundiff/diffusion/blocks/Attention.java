package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.Linear;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code Attention} as the UNet's transformer blocks use it: bias-free {@code to_q},
 * {@code to_k}, {@code to_v}, then {@code to_out.0} (with bias); self-attention when no context is
 * given. A cross-attention call records its probabilities when the capture asks for them.
 */
public final class Attention extends Layer {
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;
    private final long heads;

    /** {@code contextDim} 0: self-attention (keys from the query input). */
    public Attention(ParamFactory f, long queryDim, long contextDim, long heads, long headDim) {
        long inner = heads * headDim;
        long kvDim = contextDim > 0 ? contextDim : queryDim;
        toQ = child("to_q", new Linear(f, queryDim, inner, false));
        toK = child("to_k", new Linear(f, kvDim, inner, false));
        toV = child("to_v", new Linear(f, kvDim, inner, false));
        LayerList<Linear> out = child("to_out", new LayerList<>());
        toOut = out.add(new Linear(f, inner, queryDim, true));
        this.heads = heads;
    }

    /** {@code x} [B, L, queryDim]; {@code context} [B, Lk, contextDim] or null. Returns [B, L, queryDim]. */
    public Tensor forward(Tensor x, Tensor context, Capture cap) {
        Tensor kv = context != null ? context : x;
        boolean wantProbs = context != null && cap.wantsAttentionProbs();
        Tensor h = MultiHeadAttention.attend(toQ.forward(x), toK.forward(kv), toV.forward(kv), heads,
                wantProbs ? cap::attentionProbs : null);
        return cap.output(toOut.forward(h));
    }
}
