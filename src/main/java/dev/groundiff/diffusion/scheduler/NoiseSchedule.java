package dev.groundiff.diffusion.scheduler;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The training noise schedule and the float32 arithmetic DDIM shares with diffusers 0.24: betas by
 * {@code torch.linspace} in float32 (squared for scaled_linear), {@code alphas_cumprod = cumprod(1 - betas)} in
 * float32, and the per-step scalars as 0-dim float32 tensors, so every rounding happens where diffusers' does.
 */
final class NoiseSchedule {
    private static final Scalar ONE = Tensors.constant(1.0);
    private static final Scalar HALF = Tensors.constant(0.5);

    final DdimSchedulerConfig config;
    final Tensor betas;
    final Tensor alphasCumprod;

    NoiseSchedule(DdimSchedulerConfig config) {
        Torch.init();
        this.config = config;
        int n = config.numTrainTimesteps();
        var f32 = Tensors.options(ScalarType.Float);
        this.betas = switch (config.betaSchedule()) {
            case LINEAR -> torch.linspace(new Scalar(config.betaStart()), new Scalar(config.betaEnd()), n, f32);
            case SCALED_LINEAR -> torch.linspace(new Scalar(Math.sqrt(config.betaStart())), new Scalar(Math.sqrt(config.betaEnd())), n, f32)
                    .pow(new Scalar(2));
        };
        this.alphasCumprod = torch.cumprod(torch.rsub(betas, ONE), 0);
    }

    /** alphas_cumprod[t] as a 0-dim float32 tensor. */
    Tensor alphaCumprod(long t) {
        if (t < 0 || t >= config.numTrainTimesteps()) {
            throw new GroundiffException("timestep " + t + " is outside the schedule (0.." + (config.numTrainTimesteps() - 1) + ")");
        }
        return alphasCumprod.select(0, t);
    }

    /** {@code set_alpha_to_one ? 1 : alphas_cumprod[0]}: the alpha used past either end of the schedule. */
    Tensor boundaryAlpha() {
        return config.setAlphaToOne() ? Tensors.fromFloats(new float[] {1f}).view() : alphasCumprod.select(0, 0);
    }

    static Tensor sqrt(Tensor scalar) {
        return scalar.pow(HALF);
    }

    static Tensor oneMinus(Tensor scalar) {
        return torch.rsub(scalar, ONE);
    }

    /** The x0 and epsilon estimates for the configured prediction type (diffusers' formulas, same operation order). */
    Tensor[] originalAndEpsilon(Tensor modelOutput, Tensor sample, Tensor alphaProdT) {
        Tensor betaProdT = oneMinus(alphaProdT);
        Tensor original, epsilon;
        switch (config.predictionType()) {
            case EPSILON -> {
                original = sample.sub(sqrt(betaProdT).mul(modelOutput)).div(sqrt(alphaProdT));
                epsilon = modelOutput;
            }
            case SAMPLE -> {
                original = modelOutput;
                epsilon = sample.sub(sqrt(alphaProdT).mul(original)).div(sqrt(betaProdT));
            }
            case V_PREDICTION -> {
                original = sqrt(alphaProdT).mul(sample).sub(sqrt(betaProdT).mul(modelOutput));
                epsilon = sqrt(alphaProdT).mul(modelOutput).add(sqrt(betaProdT).mul(sample));
            }
            default -> throw new IllegalStateException(config.predictionType().toString());
        }
        if (config.clipSample()) {
            original = original.clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar(-config.clipSampleRange())),
                    new org.bytedeco.pytorch.ScalarOptional(new Scalar(config.clipSampleRange())));
        }
        return new Tensor[] {original, epsilon};
    }

    static void checkSteps(int steps, int train) {
        if (steps < 1 || steps > train) {
            throw new GroundiffException("the number of inference steps must be between 1 and num_train_timesteps (" + train + "), got " + steps);
        }
    }
}
