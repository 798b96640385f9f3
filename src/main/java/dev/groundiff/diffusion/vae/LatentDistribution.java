package dev.groundiff.diffusion.vae;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers {@code DiagonalGaussianDistribution} over the latent: the encoder's moments split into
 * {@code mean} and {@code logvar} (clamped to [-30, 20]), {@code std = exp(logvar / 2)}.
 */
public record LatentDistribution(Tensor mean, Tensor logvar, Tensor std) {
    static final double LOGVAR_MIN = -30, LOGVAR_MAX = 20;

    /** From {@code quant_conv}'s output [B, 2*latent, h, w] = [mean | logvar]. */
    public static LatentDistribution fromMoments(Tensor moments) {
        long half = Tensors.shape(moments)[1] / 2;
        Tensor mean = moments.narrow(1, 0, half);
        Tensor logvar = moments.narrow(1, half, half)
                .clamp(new ScalarOptional(Tensors.scalar(LOGVAR_MIN)), new ScalarOptional(Tensors.scalar(LOGVAR_MAX)));
        Tensor std = logvar.mul(Tensors.scalar(0.5)).exp();
        return new LatentDistribution(mean, logvar, std);
    }

    /** {@code mean + std * noise}, with {@code noise} ~ N(0, 1) shaped like the mean (drawn by the caller, e.g. from a seeded generator). */
    public Tensor sample(Tensor noise) {
        return mean.add(std.mul(noise));
    }

    /** The most likely latent: the mean. */
    public Tensor mode() {
        return mean;
    }
}
