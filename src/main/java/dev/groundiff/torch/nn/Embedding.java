package dev.groundiff.torch.nn;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code torch.nn.Embedding}: {@code weight} [count, dim], initialised N(0, 1) as in PyTorch. */
public class Embedding extends Layer {
    public final Tensor weight;

    public Embedding(ParamFactory f, long count, long dim) {
        this.weight = param("weight", f.normal(0, 1, count, dim));
    }

    public Tensor forward(Tensor ids) {
        return torch.embedding(weight, ids);
    }
}
