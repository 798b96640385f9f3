package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

import java.util.function.Consumer;

/** The attention arithmetic shared by the UNet's {@link Attention} and the VAE's mid-block attention. */
public final class MultiHeadAttention {
    private MultiHeadAttention() {}

    /**
     * {@code softmax(scale * Q K^T) V} per head, with {@code scale = headDim^-0.5}. Inputs and output are
     * token-major {@code [B, L, heads*headDim]}. With {@code probs} non-null the probabilities are
     * computed explicitly and handed to it as {@code [B, heads, Lq, Lk]} (query index = row-major
     * pixel); otherwise the fused {@code scaled_dot_product_attention} kernel runs.
     */
    public static Tensor attend(Tensor q, Tensor k, Tensor v, long heads, Consumer<Tensor> probs) {
        long[] qs = Tensors.shape(q);
        long b = qs[0], inner = qs[2], headDim = inner / heads;
        double scale = 1.0 / Math.sqrt(headDim);
        Tensor qh = splitHeads(q, heads, headDim);
        Tensor kh = splitHeads(k, heads, headDim);
        Tensor vh = splitHeads(v, heads, headDim);
        Tensor out;
        if (probs != null) {
            Tensor p = torch.matmul(qh, kh.transpose(-1, -2)).mul(Tensors.scalar(scale)).softmax(-1);
            probs.accept(p);
            out = torch.matmul(p, vh);
        } else {
            out = torch.scaled_dot_product_attention(qh, kh, vh, new TensorOptional(), 0.0, false, new DoubleOptional(scale), false);
        }
        return out.transpose(1, 2).reshape(b, -1, inner);
    }

    private static Tensor splitHeads(Tensor x, long heads, long headDim) {
        long[] s = Tensors.shape(x);
        return x.view(s[0], s[1], heads, headDim).transpose(1, 2);
    }
}
