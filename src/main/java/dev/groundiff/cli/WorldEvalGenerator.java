package dev.groundiff.cli;

import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import dev.groundiff.world.DetectorModel;
import dev.groundiff.world.WorldDetector;
import dev.groundiff.world.WorldModels;
import dev.groundiff.world.gen.GenFidelity;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code groundiff world eval-generator}: the fidelity figures of the world model, judged by the world detector. */
@Command(name = "eval-generator", mixinStandardHelpOptions = true,
        description = "Generate one- and two-object prompts with the world model and count what the world detector finds.")
final class WorldEvalGenerator implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--model", description = "world model folder (default: models/world/sd)")
    Path model;
    @Option(names = "--detector", description = "detector folder (default: models/world/detector)")
    Path detector;
    @Option(names = "--per-category", defaultValue = "20", description = "one-object prompts per category (default ${DEFAULT-VALUE})")
    int perCategory;
    @Option(names = "--pairs", defaultValue = "200", description = "two-object prompts (default ${DEFAULT-VALUE})")
    int pairs;
    @Option(names = "--steps", defaultValue = "20", description = "DDIM steps (default ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--guidance", defaultValue = "4", description = "classifier-free guidance scale (default ${DEFAULT-VALUE})")
    double guidance;
    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta: 0 deterministic, 1 as noisy as DDPM (default ${DEFAULT-VALUE})")
    double eta;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the first prompt (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--samples", description = "also write every generated image here")
    Path samples;

    @Override
    public Integer call() throws Exception {
        Torch.init();
        StableDiffusion sd = StableDiffusion.load(model != null ? model : WorldModels.dir("sd"), (Path) null, DType.FLOAT32);
        WorldDetector det = DetectorModel.load(detector != null ? detector : WorldModels.dir("detector"));
        List<GenFidelity.Prompt> singles = GenFidelity.singlePrompts(perCategory), two = GenFidelity.pairPrompts(pairs);
        long t0 = System.nanoTime();
        GenFidelity.Figures f;
        try (ProgressBar pb = ProgressBars.create("generate+detect", singles.size() + two.size(), "images")) {
            f = GenFidelity.evaluate(sd, det, singles, two, new GenFidelity.Sampling(steps, guidance, eta, seed), 16, samples, pb::stepBy);
        }
        java.io.PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "one object:  category found %d/%d = %.1f%%, colour right %d/%d = %.1f%%%n",
                f.categoryFound(), f.single(), 100 * f.categoryRate(), f.colourRight(), f.single(), 100 * f.colourRate());
        StringBuilder per = new StringBuilder("one object, found per category:");
        f.foundByCategory().forEach((c, n) -> per.append(' ').append(c).append(' ').append(n).append('/').append(f.promptsByCategory().get(c)));
        w.println(per);
        w.printf(Locale.ROOT, "two objects: both found %d/%d = %.1f%%%n", f.bothFound(), f.pairs(), 100 * f.bothRate());
        w.printf(Locale.ROOT, "(%d DDIM steps, guidance %.1f, eta %.2f, seeds from %d, %.0f s)%n", steps, guidance, eta, seed, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
