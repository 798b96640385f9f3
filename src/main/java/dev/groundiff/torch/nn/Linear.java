package dev.groundiff.torch.nn;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code torch.nn.Linear}: parameters {@code weight} [out, in] and optional {@code bias} [out]. */
public class Linear extends Layer {
    public final Tensor weight;
    public final Tensor bias;

    public Linear(ParamFactory f, long in, long out, boolean bias) {
        double bound = 1.0 / Math.sqrt(in);
        this.weight = param("weight", f.uniform(bound, out, in));
        this.bias = bias ? param("bias", f.uniform(bound, out)) : null;
    }

    public Tensor forward(Tensor x) {
        return torch.linear(x, weight, Tensors.opt(bias));
    }
}
