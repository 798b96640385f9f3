package dev.groundiff.torch.nn;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code torch.nn.LayerNorm} over the last dimension, with affine {@code weight} and {@code bias}. */
public class LayerNorm extends Layer {
    public final Tensor weight;
    public final Tensor bias;
    private final long[] shape;
    private final double eps;

    public LayerNorm(ParamFactory f, long dim, double eps) {
        this.weight = param("weight", f.constant(1, dim));
        this.bias = param("bias", f.constant(0, dim));
        this.shape = new long[] {dim};
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return torch.layer_norm(x, shape, Tensors.opt(weight), Tensors.opt(bias), eps, false);
    }
}
