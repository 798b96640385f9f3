package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The official {@code SNConv2d} (BigGAN style) with {@code num_svs=1}, {@code num_itrs=1}, eps 1e-4:
 * a 3x3 convolution whose weight is divided by its largest singular value, estimated by one power
 * iteration that starts from the stored vector {@code u0}.
 *
 * <p>As in the official code the power-iteration vectors are computed without gradient but sigma is
 * not, so sigma carries gradient (d sigma / d W = u'^T v). In training mode the new {@code u} and the
 * sigma used are stored back into {@code u0} and {@code sv0}; otherwise the buffers stay unchanged.
 */
final class SpectralNormConv2d extends Layer {
    static final double EPS = 1e-4;
    private static final long[] ONE = {1, 1};

    final Tensor weight;
    final Tensor bias;
    final Tensor u0;
    final Tensor sv0;
    private final long[] padding;

    SpectralNormConv2d(ParamFactory f, int channels, int kernel) {
        double bound = 1.0 / Math.sqrt((double) channels * kernel * kernel);
        this.weight = param("weight", f.uniform(bound, channels, channels, kernel, kernel));
        this.bias = param("bias", f.uniform(bound, channels));
        this.u0 = buffer("u0", f.normal(0, 1, 1, channels));
        this.sv0 = buffer("sv0", f.constant(1, 1));
        this.padding = new long[] {kernel / 2, kernel / 2};
    }

    /** The spectrally normalised weight W / sigma for this call (updates the buffers in training mode). */
    Tensor normalizedWeight() {
        Tensor w = weight.view(weight.size(0), -1);
        Tensor v;
        Tensor u;
        try (NoGradGuard g = new NoGradGuard()) {
            v = normalize(u0.matmul(w));
            u = normalize(v.matmul(w.t()));
            if (is_training()) u0.copy_(u);
        }
        Tensor sigma = v.matmul(w.t()).matmul(u.t()).squeeze();
        if (is_training()) {
            try (NoGradGuard g = new NoGradGuard()) {
                sv0.copy_(sigma.detach());
            }
        }
        return weight.div(sigma);
    }

    private static Tensor normalize(Tensor x) {
        // F.normalize(x, dim=1, eps): x / max(||x||, eps)
        Tensor n = x.norm(new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(2)), new long[] {1}, true);
        return x.div(n.clamp_min(Tensors.scalar(EPS)));
    }

    Tensor forward(Tensor x) {
        return torch.conv2d(x, normalizedWeight(), Tensors.opt(bias), ONE, padding, ONE, 1);
    }
}
