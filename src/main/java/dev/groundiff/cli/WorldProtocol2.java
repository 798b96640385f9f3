package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetWriter;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.Torch;
import dev.groundiff.workflow.DatasetBuilder;
import dev.groundiff.workflow.GroundingLabeler;
import dev.groundiff.workflow.GroundingSetup;
import dev.groundiff.workflow.ImageSettings;
import dev.groundiff.world.DatasetBatches;
import dev.groundiff.world.DetectorConfig;
import dev.groundiff.world.DetectorEvaluator;
import dev.groundiff.world.DetectorTrainer;
import dev.groundiff.world.DetectorTraining;
import dev.groundiff.world.SegmentationBatches;
import dev.groundiff.world.WorldCategories;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code groundiff world protocol2}: the paper's Protocol II in the embedded world. A synthetic dataset
 * of all 20 categories is labelled by a grounding module trained on one split's seen classes; the
 * world's segmentation network is trained on it alone and scored on rendered scenes with exact labels,
 * next to the same network trained on rendered scenes of the seen classes only and of all classes.
 * Every stage lives in its own folder under {@code --out} and continues with {@code --resume}.
 */
@Command(name = "protocol2", mixinStandardHelpOptions = true,
        description = {"Protocol II: train the world's segmenter on grounding-labelled synthetic images only and score it",
                "on rendered scenes (seen, unseen, harmonic mIoU), against segmenters trained on rendered seen / all classes."})
final class WorldProtocol2 implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--split", defaultValue = "1", description = "World class split whose seen classes the grounding module was trained on (default: ${DEFAULT-VALUE}).")
    int split;

    @Option(names = "--grounding", paramLabel = "CKPT", description = "The grounding module (default: models/world/grounding-split<K>/grounding.safetensors).")
    Path grounding;

    @Option(names = "--count", defaultValue = "2000", description = "Synthetic images (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--denoise-steps", defaultValue = "" + WorldGroundingTrain.DENOISE_STEPS, description = "DDIM steps per image (default: ${DEFAULT-VALUE}).")
    int denoiseSteps;

    @Option(names = "--guidance", defaultValue = "" + WorldGroundingTrain.GUIDANCE, description = "Classifier-free guidance (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--mask-threshold", defaultValue = "0.5", description = "Grounding mask threshold (default: ${DEFAULT-VALUE}).")
    double maskThreshold;

    @Option(names = "--steps", description = "Segmenter training steps, the same for all three (default: the world detector's recipe).")
    Integer steps;

    @Option(names = "--eval-count", defaultValue = "1000", description = "Rendered test scenes (default: ${DEFAULT-VALUE}).")
    int evalCount;

    @Option(names = "--out", defaultValue = "runs/world-protocol2", description = "Working folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue the stages found in --out.")
    boolean resume;

    /** One row of the table. */
    record Row(String data, String folder, double seen, double unseen, double harmonic) {}

    @Override
    public Integer call() throws IOException {
        Torch.init();
        Split sp = Splits.parse("world:" + split);
        Path ckpt = grounding != null ? grounding : WorldGroundingTrain.defaultModelDir(split).resolve(dev.groundiff.grounding.GroundingTrainer.WEIGHTS_FILE);
        if (!Files.isRegularFile(ckpt)) {
            throw new GroundiffException(ckpt + ": no grounding module; train one with `groundiff world train --stage grounding --split " + split + "`");
        }
        if (Files.isDirectory(out) && !resume) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) throw new GroundiffException(out + " already holds a Protocol II run: add --resume to continue it, or use another --out");
            }
        }
        long t0 = System.nanoTime();
        Path synthetic = buildSynthetic(sp, ckpt);
        long t1 = System.nanoTime();

        DetectorTraining base = DetectorTraining.defaults();
        DetectorTraining all = withSteps(base, base.config());
        DetectorConfig seenConfig = new DetectorConfig(base.config().imageSize(), base.config().channels(), base.config().normGroups(), sp.seen());
        DetectorTraining seenOnly = withSteps(base, seenConfig);
        DatasetReader reader = DatasetReader.open(synthetic);
        SegmentationBatches syntheticBatches = new DatasetBatches(reader, WorldCategories.names(), all.config().imageSize(), all.batch(), all.seed(),
                "sha256:" + Provenance.sha256(synthetic.resolve("dataset.json")));

        List<Row> rows = new ArrayList<>();
        List<Double> minutes = new ArrayList<>();
        rows.add(trainAndScore("synthetic images of all 20 classes, grounding-module masks (ours)", "segmenter-synthetic", all, syntheticBatches, sp, minutes));
        rows.add(trainAndScore("rendered scenes of the 15 seen classes (baseline)", "segmenter-seen", seenOnly, SegmentationBatches.rendered(seenOnly), sp, minutes));
        rows.add(trainAndScore("rendered scenes of all 20 classes (upper bound)", "segmenter-all", all, SegmentationBatches.rendered(all), sp, minutes));
        long t2 = System.nanoTime();

        writeResults(sp, ckpt, rows, minutes, (t1 - t0) / 60e9, (t2 - t1) / 60e9);
        var o = spec.commandLine().getOut();
        o.print(table(rows));
        o.println("wrote results.json and results.md to " + out);
        o.flush();
        return 0;
    }

    private DetectorTraining withSteps(DetectorTraining d, DetectorConfig config) {
        return new DetectorTraining(config, steps != null ? steps : d.steps(), d.batch(), d.learningRate(), d.weightDecay(), d.seed(), d.augment());
    }

    /** The grounding-labelled dataset (all classes of the split), built or continued in out/synthetic. */
    private Path buildSynthetic(Split sp, Path ckpt) throws IOException {
        StableDiffusion sd = model.load();
        GroundingModule module = GroundingCheckpoint.load(ckpt, BatchNormMode.BATCH);
        GroundingSetup.requireFits(module.config(), sd, ckpt.toString());
        GroundingLabeler labeler = new GroundingLabeler(sd, module, maskThreshold, "grounding module sha256:" + Provenance.sha256(ckpt));
        int size = sd.nativeImageSize();
        ImageSettings images = ImageSettings.of(denoiseSteps, guidance, size, size, -1, model.computeType().torchName);
        DatasetBuilder.Settings settings = new DatasetBuilder.Settings(sp.name(), Subset.ALL, 0, count, 100, images, false, "none", TargetPolicy.parse("top1", 0));
        Path dir = out.resolve("synthetic");
        try (ProgressBar bar = ProgressBars.create("synthetic", count, "images")) {
            DatasetWriter w = new DatasetBuilder(sd, settings, sp, null, labeler).build(dir, CodeVersion.describe(), dev.groundiff.data.FileSink.DISK,
                    new DatasetBuilder.Listener() {
                        @Override
                        public void recordDone(long index) {
                            bar.stepTo(index + 1);
                        }
                    });
            bar.stepTo(w.info().count());
        }
        return dir;
    }

    private Row trainAndScore(String data, String folder, DetectorTraining t, SegmentationBatches batches, Split sp, List<Double> minutes) throws IOException {
        Path run = out.resolve(folder);
        boolean cont = resume && Files.exists(run.resolve(DetectorTrainer.CHECKPOINT));
        DetectorTrainer.Result r = DetectorTrainer.run(t, batches, run, cont, new DetectorTrainer.Limits(Integer.MAX_VALUE, Double.POSITIVE_INFINITY, DetectorTrainer.Limits.DEFAULT_CHECKPOINT_EVERY, true));
        minutes.add(r.trainSeconds() / 60);
        DetectorEvaluator.Evaluation e;
        try (ProgressBar bar = ProgressBars.create("score " + folder, evalCount, "scenes")) {
            e = DetectorEvaluator.evaluate(r.detector(), WorldCategories.names(), DetectorEvaluator.DEFAULT_FIRST_SEED, evalCount, 32, bar::step);
        }
        double seen = mean(e, sp.seen()), unseen = mean(e, sp.unseen());
        Row row = new Row(data, folder, seen, unseen, harmonic(seen, unseen));
        JsonObject perClass = new JsonObject();
        e.iou().forEach((c, v) -> perClass.addProperty(c, v.isNaN() ? null : v));
        AtomicFiles.writeString(run.resolve("iou.json"), perClass + "\n");
        return row;
    }

    static double mean(DetectorEvaluator.Evaluation e, List<String> classes) {
        double s = 0;
        for (String c : classes) s += e.iou().get(c).isNaN() ? 0 : e.iou().get(c);
        return 100 * s / classes.size();
    }

    static double harmonic(double a, double b) {
        return a + b == 0 ? 0 : 2 * a * b / (a + b);
    }

    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder("| segmenter trained on | seen mIoU | unseen mIoU | harmonic mIoU |\n|---|---|---|---|\n");
        for (Row r : rows) b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f |%n", r.data(), r.seen(), r.unseen(), r.harmonic()));
        return b.toString();
    }

    private void writeResults(Split sp, Path ckpt, List<Row> rows, List<Double> trainMinutes, double datasetMinutes, double segmenterMinutes) throws IOException {
        JsonObject m = new JsonObject();
        m.addProperty("command", "world protocol2");
        m.addProperty("split", sp.name());
        m.add("unseen", Provenance.toJsonTree(sp.unseen()));
        m.addProperty("grounding", ckpt.toAbsolutePath().normalize().toString());
        m.addProperty("grounding_sha256", Provenance.sha256(ckpt));
        m.addProperty("synthetic_images", count);
        m.addProperty("denoise_steps", denoiseSteps);
        m.addProperty("guidance", guidance);
        m.addProperty("mask_threshold", maskThreshold);
        m.addProperty("eval_scenes", evalCount);
        m.addProperty("eval_first_seed", DetectorEvaluator.DEFAULT_FIRST_SEED);
        m.addProperty("dataset_minutes_this_run", datasetMinutes);
        m.addProperty("segmenters_minutes_this_run", segmenterMinutes);
        JsonArray a = new JsonArray();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            JsonObject o = new JsonObject();
            o.addProperty("data", r.data());
            o.addProperty("folder", r.folder());
            o.addProperty("seen_miou", r.seen());
            o.addProperty("unseen_miou", r.unseen());
            o.addProperty("harmonic_miou", r.harmonic());
            o.addProperty("train_minutes", trainMinutes.get(i));
            a.add(o);
        }
        m.add("rows", a);
        Provenance.write(out.resolve("results.json"), m, CodeVersion.describe());
        AtomicFiles.writeString(out.resolve("results.md"), "# Protocol II (" + sp.name() + ", unseen: " + String.join(", ", sp.unseen()) + ")\n\n"
                + table(rows) + "\nScored on " + evalCount + " rendered scenes (seeds from " + DetectorEvaluator.DEFAULT_FIRST_SEED + ") with exact labels.\n");
    }
}
