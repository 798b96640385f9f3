package dev.groundiff.torch.nn;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code torch.nn.GroupNorm} with affine {@code weight} and {@code bias} [channels]. */
public class GroupNorm extends Layer {
    public final Tensor weight;
    public final Tensor bias;
    private final long groups;
    private final double eps;

    public GroupNorm(ParamFactory f, long groups, long channels, double eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels are not divisible by " + groups + " groups");
        }
        this.weight = param("weight", f.constant(1, channels));
        this.bias = param("bias", f.constant(0, channels));
        this.groups = groups;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return torch.group_norm(x, groups, Tensors.opt(weight), Tensors.opt(bias), eps, false);
    }
}
