package dev.groundiff.world;

import dev.groundiff.torch.optim.Adam;

import com.google.gson.Gson;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link WorldDetector} on scenes rendered on the fly (cross-entropy over 21 classes, Adam, fp32).
 *
 * <p>A run folder holds {@code checkpoint.safetensors} (weights, optimizer moments, step, recipe;
 * written atomically every {@code checkpointEvery} steps and at the end) and {@code loss.csv}.
 * Nothing random is carried between steps: step {@code s} renders the scenes with seeds
 * {@link DetectorTraining#firstSceneSeed(int)}.. and seeds its augmentation from (seed, s), so the
 * checkpoint's step number is the whole random state and a resumed run ends bit-identical to an
 * uninterrupted one.
 */
public final class DetectorTrainer {
    public static final String CHECKPOINT = "checkpoint.safetensors";
    public static final String LOSS_CSV = "loss.csv";
    private static final String CSV_HEADER = "step,loss,lr,train_seconds";

    /** Where a run stopped: {@code finished} when all steps are done. */
    public record Result(WorldDetector detector, int step, boolean finished, double lastLoss, double trainSeconds) {}

    /**
     * How one invocation runs, none of which changes the weights (so none of it is in the recipe a
     * resumed run must match): stop after this step or after this many minutes, checkpoint every
     * {@code checkpointEvery} steps (and whenever it stops), show a progress bar.
     */
    public record Limits(int stopAtStep, double minutes, int checkpointEvery, boolean progressBar) {
        public static final int DEFAULT_CHECKPOINT_EVERY = 100;

        public Limits {
            if (checkpointEvery < 1) throw new GroundiffException("--checkpoint-every must be at least 1, got " + checkpointEvery);
        }

        public static Limits none() {
            return new Limits(Integer.MAX_VALUE, Double.POSITIVE_INFINITY, DEFAULT_CHECKPOINT_EVERY, false);
        }
    }

    private DetectorTrainer() {}

    public static Result run(DetectorTraining t, Path runDir, boolean resume, Limits limits) throws IOException {
        return run(t, SegmentationBatches.rendered(t), runDir, resume, limits);
    }

    /** Trains on {@code data} instead of scenes rendered on the fly (Protocol II: a synthetic dataset). */
    public static Result run(DetectorTraining t, SegmentationBatches data, Path runDir, boolean resume, Limits limits) throws IOException {
        Torch.init();
        Path ckpt = runDir.resolve(CHECKPOINT);
        Path csv = runDir.resolve(LOSS_CSV);
        String recipe = new Gson().toJson(t) + data.recipe();
        WorldDetector model = new WorldDetector(t.config(), ParamFactory.random(t.seed()));
        Map<String, Tensor> params = new LinkedHashMap<>();
        org.bytedeco.pytorch.StringTensorDict named = model.named_parameters(true);
        for (long i = 0; i < named.size(); i++) params.put(named.get(i).key().getString(), named.get(i).value());
        Adam opt = new Adam(params, 0.9, 0.999, 1e-8, t.weightDecay(), Adam.WeightDecay.DECOUPLED);
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
                trainSeconds = Double.parseDouble(st.metadata().getOrDefault("train_seconds", "0"));
                Map<String, Tensor> all = st.loadAll();
                StateDict.load(model, withPrefix(all, "model."), ckpt.toString());
                opt.load(withPrefix(all, "optim."), step, ckpt.toString());
            }
            dev.groundiff.io.LossLog.cutBackTo(csv, CSV_HEADER, step);
        } else {
            Files.createDirectories(runDir);
            AtomicFiles.writeString(csv, CSV_HEADER + "\n");
        }

        long deadline = Double.isInfinite(limits.minutes()) ? Long.MAX_VALUE : System.nanoTime() + (long) (limits.minutes() * 60e9);
        double lastLoss = Double.NaN;
        ProgressBar pb = limits.progressBar()
                ? new ProgressBarBuilder().setTaskName("detector").setInitialMax(t.steps()).startsFrom(step, Duration.ZERO)
                .showSpeed(new java.text.DecimalFormat("0.00")).setUnit(" steps", 1).setSpeedUnit(java.time.temporal.ChronoUnit.SECONDS).build()
                : null;
        try {
            while (step < t.steps() && step < limits.stopAtStep() && System.nanoTime() < deadline) {
                int s = step + 1;
                long t0 = System.nanoTime();
                double lr = t.learningRate(s);
                try (PointerScope scope = new PointerScope()) {
                    SceneBatch b = data.batch(s);
                    Tensor x = t.augment() ? Augment.apply(b.images(), t.seed() * 1_000_003L + s) : b.images();
                    Tensor loss = torch.nll_loss2d(torch.log_softmax(model.forward(x), 1), b.labels());
                    loss.backward();
                    lastLoss = loss.item_double();
                    opt.step(lr);
                    opt.zeroGrad();
                }
                if (!Double.isFinite(lastLoss)) throw new IllegalStateException("loss became " + lastLoss + " at step " + s);
                step = s;
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                Files.writeString(csv, String.format(java.util.Locale.ROOT, "%d,%.6f,%.6g,%.1f%n", s, lastLoss, lr, trainSeconds),
                        StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                if (pb != null) {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format(java.util.Locale.ROOT, " loss %.4f", lastLoss));
                }
                if (step % limits.checkpointEvery() == 0 || step == t.steps()) save(ckpt, model, opt, step, recipe, trainSeconds);
            }
        } finally {
            if (pb != null) pb.close();
        }
        if (step % limits.checkpointEvery() != 0 && step != t.steps()) save(ckpt, model, opt, step, recipe, trainSeconds);
        return new Result(model, step, step >= t.steps(), lastLoss, trainSeconds);
    }

    private static void save(Path ckpt, WorldDetector model, Adam opt, int step, String recipe, double trainSeconds) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        StateDict.of(model).forEach((k, v) -> all.put("model." + k, v));
        opt.state().forEach((k, v) -> all.put("optim." + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Integer.toString(step));
        meta.put("recipe", recipe);
        meta.put("train_seconds", String.format(java.util.Locale.ROOT, "%.1f", trainSeconds));
        meta.put("code_version", dev.groundiff.cli.CodeVersion.describe());
        SafeTensors.write(ckpt, all, meta);
    }

    private static Map<String, Tensor> withPrefix(Map<String, Tensor> all, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }
}
