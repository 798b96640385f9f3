package dev.groundiff.diffusion.scheduler;

import dev.groundiff.GroundiffException;
import org.bytedeco.pytorch.Tensor;

/**
 * diffusers 0.24 {@code DDIMInverseScheduler}: deterministic DDIM run backwards (image latent to noise).
 * A step at {@code t} reads ᾱ at {@code t - train/n} (the initial alpha below 0) and moves the sample to ᾱ_t:
 * x_t = sqrt(ᾱ_t)·x̂0 + sqrt(1-ᾱ_t)·ε̂.
 */
public final class DdimInverseScheduler {
    private final NoiseSchedule schedule;
    private final Tensor initialAlphaCumprod;
    private int numInferenceSteps;
    private long[] timesteps;

    public DdimInverseScheduler(DdimSchedulerConfig config) {
        this.schedule = new NoiseSchedule(config);
        this.initialAlphaCumprod = schedule.boundaryAlpha();
        int n = config.numTrainTimesteps();
        this.timesteps = new long[n];
        for (int i = 0; i < n; i++) timesteps[i] = i;
    }

    public DdimSchedulerConfig config() {
        return schedule.config;
    }

    public Tensor alphasCumprod() {
        return schedule.alphasCumprod;
    }

    /** 0-dim float32: the alpha used when the step's source timestep falls below 0. */
    public Tensor initialAlphaCumprod() {
        return initialAlphaCumprod;
    }

    public double initNoiseSigma() {
        return 1.0;
    }

    public long[] timesteps() {
        return timesteps.clone();
    }

    /** Chooses {@code n} timesteps (ascending); leading or trailing spacing, as diffusers 0.24 supports. */
    public long[] setTimesteps(int n) {
        int train = config().numTrainTimesteps();
        NoiseSchedule.checkSteps(n, train);
        long[] t = switch (config().timestepSpacing()) {
            case LEADING -> Spacing.leading(train, n, config().stepsOffset());
            case TRAILING -> Spacing.trailing(train, n);
            case LINSPACE -> throw new GroundiffException("DDIM inversion supports timestep_spacing leading or trailing, not linspace");
        };
        this.numInferenceSteps = n;
        this.timesteps = t;
        return t.clone();
    }

    /** One inversion step to {@code timestep} (deterministic, eta 0). */
    public StepOutput step(Tensor modelOutput, long timestep, Tensor sample) {
        if (numInferenceSteps == 0) throw new IllegalStateException("setTimesteps must be called before step");
        int train = config().numTrainTimesteps();
        long target = timestep;
        long source = Math.min(timestep - train / numInferenceSteps, train - 1);
        Tensor alphaProdT = source >= 0 ? schedule.alphaCumprod(source) : initialAlphaCumprod;
        Tensor alphaProdTNext = schedule.alphaCumprod(target);
        Tensor[] x0eps = schedule.originalAndEpsilon(modelOutput, sample, alphaProdT);
        Tensor direction = NoiseSchedule.sqrt(NoiseSchedule.oneMinus(alphaProdTNext)).mul(x0eps[1]);
        Tensor next = NoiseSchedule.sqrt(alphaProdTNext).mul(x0eps[0]).add(direction);
        return new StepOutput(next, x0eps[0]);
    }
}
