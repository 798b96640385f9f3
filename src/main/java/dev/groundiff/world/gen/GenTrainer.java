package dev.groundiff.world.gen;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.world.DetectorTrainer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The step loop of a generative stage: {@code checkpoint.safetensors} (the stage's state, step, recipe;
 * written atomically every {@code checkpointEvery} steps and when the run stops) and {@code loss.csv}
 * in the run folder. Every random draw of step {@code s} comes from a generator seeded from (seed, s)
 * and its scenes from seeds fixed by s, so the step number is the whole random state: a resumed run
 * ends bit-identical to an uninterrupted one. The learning rate of step {@code s} is the recipe's
 * (warm-up, then constant) times the {@link LrDecay}'s factor; the decay is stored beside the recipe
 * and a checkpoint may be continued with another one as long as both give its steps the same rates.
 */
public final class GenTrainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String LOSS_CSV = "loss.csv";
    /** Checkpoint and model metadata key of the {@link LrDecay}. */
    public static final String LR_DECAY_KEY = "lr_decay";
    private static final String CSV_HEADER = "step,loss,lr,train_seconds";

    public record Result(int step, boolean finished, double lastLoss, double trainSeconds) {}

    private GenTrainer() {}

    /**
     * Runs {@code stage} up to {@code steps} (or the limits) in {@code runDir}. {@code recipe} identifies
     * everything that decides the weights; a checkpoint made with another recipe is refused.
     */
    public static Result run(TrainingStage stage, String task, String recipe, LrDecay decay, int steps,
                             java.util.function.IntToDoubleFunction baseLearningRate, Path runDir, boolean resume,
                             DetectorTrainer.Limits limits) throws IOException {
        Torch.init();
        if (steps > decay.end()) { // NONE ends at Integer.MAX_VALUE
            throw new GroundiffException("the learning-rate decay ends at step " + decay.end() + ", before the run's last step " + steps);
        }
        Path ckpt = runDir.resolve(CHECKPOINT), csv = runDir.resolve(LOSS_CSV);
        int step = 0;
        double trainSeconds = 0;
        if (Files.exists(ckpt)) {
            if (!resume) throw new GroundiffException(ckpt + " exists: pass --resume to continue that run, or choose another --out");
            try (SafeTensors st = SafeTensors.open(ckpt)) {
                String stored = st.metadata().get("recipe");
                if (!recipe.equals(stored)) {
                    throw new GroundiffException(ckpt + " was made with another recipe; resuming needs the same options.\n  checkpoint: " + stored + "\n  now:        " + recipe);
                }
                step = Integer.parseInt(st.metadata().get("step"));
                LrDecay storedDecay = LrDecay.parse(st.metadata().get(LR_DECAY_KEY)); // absent in runs from before decays existed: none
                if (!storedDecay.agreesUpTo(decay, step)) {
                    throw new GroundiffException(ckpt + " is at step " + step + " of a run with learning-rate decay " + storedDecay
                            + "; decay " + decay + " would have given its steps other rates. Resume with the same --steps and --decay-steps"
                            + (step <= storedDecay.start() ? ", or a decay that starts after step " + step : ""));
                }
                trainSeconds = Double.parseDouble(st.metadata().getOrDefault("train_seconds", "0"));
                stage.restore(st.loadAll(), step, ckpt.toString());
            }
            dev.groundiff.io.LossLog.cutBackTo(csv, CSV_HEADER, step);
        } else {
            Files.createDirectories(runDir);
            AtomicFiles.writeString(csv, CSV_HEADER + "\n");
        }
        long deadline = Double.isInfinite(limits.minutes()) ? Long.MAX_VALUE : System.nanoTime() + (long) (limits.minutes() * 60e9);
        double lastLoss = Double.NaN;
        int saved = step;
        ProgressBar pb = limits.progressBar()
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(steps).startsFrom(step, Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed(new java.text.DecimalFormat("0.00"))
                .setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS).setMaxRenderedLength(110).build()
                : null;
        try {
            while (step < steps && step < limits.stopAtStep() && System.nanoTime() < deadline) {
                int s = step + 1;
                long t0 = System.nanoTime();
                double lr = baseLearningRate.applyAsDouble(s) * decay.factor(s);
                double loss;
                try (PointerScope scope = new PointerScope()) {
                    loss = stage.step(s, lr);
                }
                if (!Double.isFinite(loss)) throw new IllegalStateException("loss became " + loss + " at step " + s);
                lastLoss = loss;
                step = s;
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                Files.writeString(csv, String.format(Locale.ROOT, "%d,%.6f,%.6g,%.1f%n", s, loss, lr, trainSeconds),
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                if (pb != null) {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", loss));
                }
                if (step % limits.checkpointEvery() == 0) {
                    save(ckpt, stage, step, recipe, decay, trainSeconds);
                    saved = step;
                }
            }
        } finally {
            if (pb != null) pb.close();
        }
        if (saved != step) save(ckpt, stage, step, recipe, decay, trainSeconds);
        return new Result(step, step >= steps, lastLoss, trainSeconds);
    }

    static void save(Path ckpt, TrainingStage stage, int step, String recipe, LrDecay decay, double trainSeconds) throws IOException {
        Map<String, Tensor> all = stage.checkpointState();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Integer.toString(step));
        meta.put("recipe", recipe);
        meta.put(LR_DECAY_KEY, decay.toString());
        meta.put("train_seconds", String.format(Locale.ROOT, "%.1f", trainSeconds));
        meta.put("code_version", dev.groundiff.cli.CodeVersion.describe());
        SafeTensors.write(ckpt, all, meta);
    }
}
