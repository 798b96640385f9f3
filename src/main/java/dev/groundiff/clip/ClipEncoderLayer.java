package dev.groundiff.clip;

import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.LayerNorm;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

/** transformers' {@code CLIPEncoderLayer}: pre-norm self-attention and MLP, each with a residual. */
final class ClipEncoderLayer extends Layer {
    final ClipAttention selfAttn;
    final LayerNorm layerNorm1;
    final ClipMlp mlp;
    final LayerNorm layerNorm2;

    ClipEncoderLayer(ParamFactory f, ClipTextConfig c) {
        selfAttn = child("self_attn", new ClipAttention(f, c));
        layerNorm1 = child("layer_norm1", new LayerNorm(f, c.hiddenSize(), c.layerNormEps()));
        mlp = child("mlp", new ClipMlp(f, c));
        layerNorm2 = child("layer_norm2", new LayerNorm(f, c.hiddenSize(), c.layerNormEps()));
    }

    /** The layer output and the attention probabilities (null unless requested). */
    ClipAttention.Result forward(Tensor x, boolean wantProbs) {
        ClipAttention.Result a = selfAttn.forward(layerNorm1.forward(x), wantProbs);
        Tensor h = x.add(a.output());
        h = h.add(mlp.forward(layerNorm2.forward(h)));
        return new ClipAttention.Result(h, a.probs());
    }
}
