package dev.groundiff.diffusion.scheduler;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * diffusers 0.24 {@code DDIMScheduler}: timesteps for n inference steps and the DDIM update
 * x_{t-Δ} = sqrt(ᾱ_{t-Δ})·x̂0 + sqrt(1 - ᾱ_{t-Δ} - σ²)·ε̂ + σ·z, σ = η·sqrt((1-ᾱ_{t-Δ})/(1-ᾱ_t)·(1-ᾱ_t/ᾱ_{t-Δ})).
 * Holds the chosen timesteps (state, as diffusers' scheduler does): one instance per sampling run.
 */
public final class DdimScheduler {
    private final NoiseSchedule schedule;
    private final Tensor finalAlphaCumprod;
    private int numInferenceSteps;
    private long[] timesteps;

    public DdimScheduler(DdimSchedulerConfig config) {
        this.schedule = new NoiseSchedule(config);
        this.finalAlphaCumprod = schedule.boundaryAlpha();
        int n = config.numTrainTimesteps();
        this.timesteps = new long[n];
        for (int i = 0; i < n; i++) timesteps[i] = n - 1 - i;
    }

    public DdimSchedulerConfig config() {
        return schedule.config;
    }

    /** float32 [num_train_timesteps]. */
    public Tensor betas() {
        return schedule.betas;
    }

    /** float32 [num_train_timesteps]: cumprod(1 - betas). */
    public Tensor alphasCumprod() {
        return schedule.alphasCumprod;
    }

    /** 0-dim float32: the alpha used when the previous timestep falls below 0. */
    public Tensor finalAlphaCumprod() {
        return finalAlphaCumprod;
    }

    /** The initial latents are N(0, 1): DDIM does not scale them. */
    public double initNoiseSigma() {
        return 1.0;
    }

    public int numInferenceSteps() {
        return numInferenceSteps;
    }

    /** The current timesteps (a copy), descending. */
    public long[] timesteps() {
        return timesteps.clone();
    }

    /** Chooses {@code n} timesteps by the configured spacing and returns them (descending). */
    public long[] setTimesteps(int n) {
        int train = config().numTrainTimesteps();
        NoiseSchedule.checkSteps(n, train);
        long[] t = switch (config().timestepSpacing()) {
            case LEADING -> Spacing.leading(train, n, config().stepsOffset());
            case TRAILING -> Spacing.trailing(train, n);
            case LINSPACE -> Spacing.linspace(train, n);
        };
        Spacing.reverse(t);
        this.numInferenceSteps = n;
        this.timesteps = t;
        return t.clone();
    }

    /**
     * One DDIM step from {@code timestep} to {@code timestep - train/n}. {@code varianceNoise} (shaped like the
     * sample) is required when {@code eta > 0} and ignored when it is 0.
     */
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample, double eta, Tensor varianceNoise) {
        if (numInferenceSteps == 0) throw new IllegalStateException("setTimesteps must be called before step");
        if (eta > 0 && varianceNoise == null) throw new IllegalArgumentException("eta > 0 needs variance noise");
        long prevTimestep = timestep - config().numTrainTimesteps() / numInferenceSteps;
        Tensor alphaProdT = schedule.alphaCumprod(timestep);
        Tensor alphaProdTPrev = prevTimestep >= 0 ? schedule.alphaCumprod(prevTimestep) : finalAlphaCumprod;
        Tensor[] x0eps = schedule.originalAndEpsilon(modelOutput, sample, alphaProdT);
        Tensor original = x0eps[0], epsilon = x0eps[1];

        Tensor betaProdT = NoiseSchedule.oneMinus(alphaProdT);
        Tensor betaProdTPrev = NoiseSchedule.oneMinus(alphaProdTPrev);
        Tensor variance = betaProdTPrev.div(betaProdT).mul(NoiseSchedule.oneMinus(alphaProdT.div(alphaProdTPrev)));
        Tensor stdDevT = NoiseSchedule.sqrt(variance).mul(new Scalar(eta));

        Tensor direction = NoiseSchedule.sqrt(NoiseSchedule.oneMinus(alphaProdTPrev).sub(stdDevT.pow(new Scalar(2)))).mul(epsilon);
        Tensor prev = NoiseSchedule.sqrt(alphaProdTPrev).mul(original).add(direction);
        if (eta > 0) prev = prev.add(stdDevT.mul(varianceNoise));
        return new StepOutput(prev, original);
    }

    /** sqrt(ᾱ_t)·original + sqrt(1-ᾱ_t)·noise, one int64 timestep per batch row. */
    public Tensor addNoise(Tensor original, Tensor noise, Tensor timesteps) {
        Tensor alphas = schedule.alphasCumprod.to(original.scalar_type());
        Tensor picked = alphas.index_select(0, timesteps.to(ScalarType.Long).flatten());
        long[] shape = Tensors.shape(original);
        if (Tensors.shape(picked)[0] != shape[0] && Tensors.shape(picked)[0] != 1) {
            throw new GroundiffException("addNoise: " + Tensors.shape(picked)[0] + " timesteps for a batch of " + shape[0]);
        }
        long[] view = new long[shape.length];
        java.util.Arrays.fill(view, 1);
        view[0] = Tensors.shape(picked)[0];
        Tensor sqrtAlpha = NoiseSchedule.sqrt(picked).view(view);
        Tensor sqrtOneMinus = NoiseSchedule.sqrt(NoiseSchedule.oneMinus(picked)).view(view);
        return sqrtAlpha.mul(original).add(sqrtOneMinus.mul(noise));
    }
}
