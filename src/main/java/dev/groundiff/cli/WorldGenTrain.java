package dev.groundiff.cli;

import dev.groundiff.torch.DType;
import dev.groundiff.world.DetectorTrainer;
import dev.groundiff.world.WorldModels;
import dev.groundiff.world.gen.GenArchitecture;
import dev.groundiff.world.gen.GenRun;
import dev.groundiff.world.gen.GenTrainer;
import dev.groundiff.world.gen.GenTraining;
import dev.groundiff.world.gen.LrDecay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** {@code groundiff world train --stage vae|diffusion}: the generative stages of the world (see {@link GenRun}). */
final class WorldGenTrain {
    /** Default steps: the shipped weights' recipes (vae: 13.5 min, diffusion: see models/world/sd/README.md, on 2 idle cores). */
    static final int VAE_STEPS = 2400, DIFFUSION_STEPS = 18021;

    private WorldGenTrain() {}

    static int run(java.io.PrintWriter w, String stage, Integer steps, Integer decaySteps, Integer batch, Double lr, Long seed, String autocast, Double minSnrGamma, Integer checkpointEvery, Double minutes,
                   Integer stopAt, boolean resume, Path out, Path modelOut, DType dtype) throws IOException {
        GenArchitecture a = GenArchitecture.world();
        GenTraining t = (stage.equals("vae") ? GenTraining.vaeDefaults(a) : GenTraining.diffusionDefaults(a)).with(batch, lr, seed).withDiffusionOptions(autocast, minSnrGamma);
        int n = steps != null ? steps : stage.equals("vae") ? VAE_STEPS : DIFFUSION_STEPS;
        LrDecay decay = LrDecay.lastSteps(n, decaySteps != null ? decaySteps : 0);
        Path model = modelOut != null ? modelOut : WorldModels.dir("sd");
        DetectorTrainer.Limits limits = new DetectorTrainer.Limits(stopAt != null ? stopAt : Integer.MAX_VALUE,
                minutes != null ? minutes : Double.POSITIVE_INFINITY,
                checkpointEvery != null ? checkpointEvery : DetectorTrainer.Limits.DEFAULT_CHECKPOINT_EVERY, true);
        GenTrainer.Result r = GenRun.train(t, decay, 64, n, out, model, resume, limits, dtype);
        w.printf(Locale.ROOT, "step %d/%d, last loss %.4f, %.1f s of training; wrote %s (%s)%n",
                r.step(), n, r.lastLoss(), r.trainSeconds(), model, stage.equals("vae") ? "vae/" : "text_encoder/, unet/, tokenizer/, scheduler/");
        if (!r.finished()) w.println("stopped early; continue with the same options and --resume (checkpoint in " + out + ")");
        return 0;
    }
}
