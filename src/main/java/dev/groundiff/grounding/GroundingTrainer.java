package dev.groundiff.grounding;

import dev.groundiff.io.LossLog;

import dev.groundiff.torch.optim.Adam;

import com.google.gson.Gson;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
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
 * Trains the grounding module as the official {@code train.py} does, with batching, accumulation and
 * exact resume added.
 *
 * <p>Loss per step: BCE-with-logits (mean over pixels) per (image, category), summed, divided by the
 * images per step ({@code batchSize x accumulation}; official: 1). "Training without zero masks" (the
 * official behaviour, default): a category whose target is null contributes nothing, an image with no
 * target at all is left out of the forward, and a step with no target anywhere makes no update.
 * "Normal training" ({@code zeroMasksForMissed}): a missing target is an all-zero mask.
 *
 * <p>Optimizer: Adam (lr 1e-5, betas 0.9/0.999, no schedule, no clipping). The module is in training
 * mode: batch statistics, spectral-norm vectors and running statistics update as in the official code.
 *
 * <p>Files in the output folder: {@code train_state.safetensors} (weights, optimizer moments, RNG state,
 * step; written atomically every {@code checkpointEvery} steps and at the end), {@code loss.csv},
 * {@code grounding.safetensors} (weights only, at the end) and {@code grounding_config.json}.
 */
public final class GroundingTrainer {
    public static final String STATE_FILE = "train_state.safetensors";
    public static final String WEIGHTS_FILE = "grounding.safetensors";
    public static final String CONFIG_FILE = "grounding_config.json";
    public static final String LOSS_FILE = "loss.csv";
    private static final String CSV_HEADER = "step,loss,images,categories";

    /** Training settings (defaults: the official ones). */
    public record Options(int batchSize, int accumulation, double learningRate, double beta1, double beta2, double eps,
                          double weightDecay, boolean zeroMasksForMissed, long totalSteps, int checkpointEvery,
                          long seed, boolean progress) {
        public Options {
            if (batchSize < 1) throw new GroundiffException("batch size must be >= 1 (got " + batchSize + ")");
            if (accumulation < 1) throw new GroundiffException("gradient accumulation must be >= 1 (got " + accumulation + ")");
            if (learningRate <= 0) throw new GroundiffException("learning rate must be positive (got " + learningRate + ")");
            if (totalSteps < 0) throw new GroundiffException("total steps must be >= 0 (got " + totalSteps + ")");
            if (checkpointEvery < 1) throw new GroundiffException("checkpoint interval must be >= 1 (got " + checkpointEvery + ")");
        }

        public static Options defaults(long totalSteps) {
            return new Options(1, 1, 1e-5, 0.9, 0.999, 1e-8, 0, false, totalSteps, 200, 0, true);
        }

        public Options withTotalSteps(long n) {
            return new Options(batchSize, accumulation, learningRate, beta1, beta2, eps, weightDecay, zeroMasksForMissed, n, checkpointEvery, seed, progress);
        }

        public Options withLearningRate(double lr) {
            return new Options(batchSize, accumulation, lr, beta1, beta2, eps, weightDecay, zeroMasksForMissed, totalSteps, checkpointEvery, seed, progress);
        }

        public Options withBatch(int batch, int accum) {
            return new Options(batch, accum, learningRate, beta1, beta2, eps, weightDecay, zeroMasksForMissed, totalSteps, checkpointEvery, seed, progress);
        }

        public Options withZeroMasksForMissed(boolean z) {
            return new Options(batchSize, accumulation, learningRate, beta1, beta2, eps, weightDecay, z, totalSteps, checkpointEvery, seed, progress);
        }

        public Options withCheckpointEvery(int n) {
            return new Options(batchSize, accumulation, learningRate, beta1, beta2, eps, weightDecay, zeroMasksForMissed, totalSteps, n, seed, progress);
        }

        public Options withProgress(boolean p) {
            return new Options(batchSize, accumulation, learningRate, beta1, beta2, eps, weightDecay, zeroMasksForMissed, totalSteps, checkpointEvery, seed, p);
        }
    }

    /** What one step did. */
    public record StepResult(long step, double loss, int images, int categories, boolean updated) {}

    private final GroundingModule module;
    private final Options options;
    private final Path outDir;
    private final Adam adam;
    private final Generator rng;
    private long step;

    /** A fresh run. */
    public GroundingTrainer(GroundingModule module, Options options, Path outDir) {
        this.module = module;
        this.options = options;
        this.outDir = outDir;
        this.adam = new Adam(module.namedParameters(), options.beta1(), options.beta2(), options.eps(), options.weightDecay(), Adam.WeightDecay.COUPLED);
        this.rng = torch.createCPUGenerator(options.seed());
    }

    /** Continues the run whose state is in {@code outDir}/{@value #STATE_FILE}. */
    public static GroundingTrainer resume(Options options, Path outDir) {
        Path state = outDir.resolve(STATE_FILE);
        if (!Files.exists(state)) throw new GroundiffException(state + ": no training state to resume from");
        try (SafeTensors st = SafeTensors.open(state)) {
            Map<String, String> meta = st.metadata();
            String json = meta.get(GroundingCheckpoint.CONFIG_METADATA);
            if (json == null || meta.get("step") == null) throw new GroundiffException(state + ": not a grounding training state");
            GroundingConfig config = GroundingConfig.fromJson(json, state.toString());
            BatchNormMode mode = BatchNormMode.valueOf(meta.getOrDefault("batch_norm_mode", "BATCH"));
            GroundingModule m = new GroundingModule(config, ParamFactory.uninitialized(), mode);
            Map<String, Tensor> model = new LinkedHashMap<>();
            Map<String, Tensor> optim = new LinkedHashMap<>();
            for (String k : st.entries().keySet()) {
                if (k.startsWith("model.")) model.put(k.substring(6), st.get(k).clone());
                else if (k.startsWith("adam.")) optim.put(k.substring(5), st.get(k).clone());
            }
            StateDict.load(m, model, state.toString());
            GroundingTrainer t = new GroundingTrainer(m, options, outDir);
            t.adam.load(optim, Long.parseLong(meta.get("adam_step")), state.toString());
            t.rng.set_state(st.get("rng_state").clone());
            t.step = Long.parseLong(meta.get("step"));
            return t;
        }
    }

    public GroundingModule module() {
        return module;
    }

    public Adam optimizer() {
        return adam;
    }

    public long step() {
        return step;
    }

    /** Runs until {@code options.totalSteps()}, checkpointing; returns the per-step results of this call. */
    public List<StepResult> train(TrainingSource source) throws IOException {
        Files.createDirectories(outDir);
        module.config().write(outDir.resolve(CONFIG_FILE));
        prepareLossLog();
        module.train(true);
        List<StepResult> results = new ArrayList<>();
        ProgressBar bar = options.progress() ? new ProgressBarBuilder().setTaskName("train").setInitialMax(options.totalSteps())
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUnit(" steps", 1).startsFrom(step, Duration.ZERO).build() : null;
        try {
            while (step < options.totalSteps()) {
                StepResult r = trainStep(source);
                results.add(r);
                appendLoss(r);
                if (bar != null) {
                    bar.stepTo(step);
                    bar.setExtraMessage(r.updated() ? String.format(" loss %.4f", r.loss()) : " (no target)");
                }
                if (step % options.checkpointEvery() == 0 && step < options.totalSteps()) saveState();
            }
            saveState();
            GroundingCheckpoint.save(module, outDir.resolve(WEIGHTS_FILE), Map.of("step", Long.toString(step)));
        } finally {
            if (bar != null) bar.close();
        }
        return results;
    }

    /** One optimizer step: {@code accumulation} micro-batches of {@code batchSize} examples. */
    public StepResult trainStep(TrainingSource source) {
        long perStep = (long) options.batchSize() * options.accumulation();
        double total = 0;
        int images = 0, categories = 0;
        adam.zeroGrad();
        try (PointerScope scope = new PointerScope()) {
            for (int micro = 0; micro < options.accumulation(); micro++) {
                List<TrainingExample> batch = new ArrayList<>();
                for (int j = 0; j < options.batchSize(); j++) {
                    TrainingExample ex = source.next(step * perStep + (long) micro * options.batchSize() + j, rng);
                    if (options.zeroMasksForMissed() || ex.hasAnyTarget()) batch.add(ex);
                }
                if (batch.isEmpty()) continue;
                List<Tensor> logits = module.forward(cfgBatch(batch), queries(batch));
                Tensor loss = null;
                for (int b = 0; b < batch.size(); b++) {
                    List<Tensor> targets = batch.get(b).targets();
                    for (int n = 0; n < targets.size(); n++) {
                        Tensor pred = logits.get(b).select(0, n);
                        Tensor target = targets.get(n);
                        if (target == null) {
                            if (!options.zeroMasksForMissed()) continue;
                            target = torch.zeros_like(pred);
                        }
                        Tensor term = GroundingLoss.bce(pred, target);
                        loss = loss == null ? term : loss.add(term);
                        categories++;
                    }
                }
                images += batch.size();
                if (loss == null) continue;
                loss = loss.div(Tensors.scalar(perStep));
                loss.backward();
                total += loss.item_double();
            }
            boolean update = categories > 0;
            if (update) adam.step(options.learningRate());
            step++;
            return new StepResult(step, total, images, categories, update);
        }
    }

    /** Per group and tap: [uncond of each image..., cond of each image...], the UNet's CFG layout. */
    static Map<String, List<Tensor>> cfgBatch(List<TrainingExample> batch) {
        if (batch.size() == 1) return batch.get(0).features();
        Map<String, List<Tensor>> out = new LinkedHashMap<>();
        for (String g : GroundingModule.GROUPS) {
            List<Tensor> first = batch.get(0).features().get(g);
            if (first == null) throw new GroundiffException("training example without feature group '" + g + "'");
            List<Tensor> taps = new ArrayList<>();
            for (int i = 0; i < first.size(); i++) {
                TensorVector parts = new TensorVector();
                for (int half = 0; half < 2; half++) {
                    for (TrainingExample ex : batch) parts.push_back(ex.features().get(g).get(i).narrow(0, half, 1));
                }
                taps.add(torch.cat(parts, 0));
            }
            out.put(g, taps);
        }
        return out;
    }

    private static List<Tensor> queries(List<TrainingExample> batch) {
        List<Tensor> q = new ArrayList<>();
        for (TrainingExample ex : batch) q.add(ex.queries());
        return q;
    }

    /** Writes the training state atomically. */
    public void saveState() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : module.stateDict().entrySet()) tensors.put("model." + e.getKey(), e.getValue().detach());
        for (Map.Entry<String, Tensor> e : adam.state().entrySet()) tensors.put("adam." + e.getKey(), e.getValue());
        tensors.put("rng_state", rng.get_state());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(GroundingCheckpoint.KIND_METADATA, "grounding-training-state");
        meta.put(GroundingCheckpoint.CONFIG_METADATA, module.config().toJson());
        meta.put("batch_norm_mode", module.batchNormMode().name());
        meta.put("step", Long.toString(step));
        meta.put("adam_step", Long.toString(adam.stepCount()));
        meta.put("options", new Gson().toJson(options));
        SafeTensors.write(outDir.resolve(STATE_FILE), tensors, meta);
    }

    /** Creates the loss log, or on resume drops the rows after the resumed step (a crash may have left some). */
    private void prepareLossLog() throws IOException {
        LossLog.cutBackTo(outDir.resolve(LOSS_FILE), CSV_HEADER, step);
    }

    private void appendLoss(StepResult r) throws IOException {
        LossLog.append(outDir.resolve(LOSS_FILE), r.step() + "," + (r.updated() ? Double.toString(r.loss()) : "") + "," + r.images() + "," + r.categories());
    }
}
