package dev.groundiff.torch.nn;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** {@code torch.nn.Conv2d} with square kernel, stride and padding: {@code weight} [out, in, k, k], {@code bias} [out]. */
public class Conv2d extends Layer {
    public final Tensor weight;
    public final Tensor bias;
    private final long[] stride;
    private final long[] padding;
    private static final long[] ONE = {1, 1};

    public Conv2d(ParamFactory f, long in, long out, int kernel, int stride, int padding, boolean bias) {
        double bound = 1.0 / Math.sqrt(in * (long) kernel * kernel);
        this.weight = param("weight", f.uniform(bound, out, in, kernel, kernel));
        this.bias = bias ? param("bias", f.uniform(bound, out)) : null;
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
    }

    public Conv2d(ParamFactory f, long in, long out, int kernel, int stride, int padding) {
        this(f, in, out, kernel, stride, padding, true);
    }

    public Tensor forward(Tensor x) {
        return torch.conv2d(x, weight, Tensors.opt(bias), stride, padding, ONE, 1);
    }
}
