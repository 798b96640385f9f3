package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.world.DetectorEvaluator;
import dev.groundiff.world.DetectorModel;
import dev.groundiff.world.DetectorTrainer;
import dev.groundiff.world.DetectorTraining;
import dev.groundiff.world.SceneSpec;
import dev.groundiff.world.SceneWriter;
import dev.groundiff.world.WorldDetector;
import dev.groundiff.world.WorldModels;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff world}: render, train or evaluate the embedded world. */
@Command(name = "world", mixinStandardHelpOptions = true,
        description = "Build, train or inspect the embedded world (rendered 64x64 scenes with exact masks).",
        subcommands = {WorldCommand.Render.class, WorldCommand.Train.class, WorldCommand.EvalDetector.class, WorldEvalGenerator.class, WorldProtocol2.class})
public final class WorldCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (render, train, eval-detector, eval-generator, protocol2)");
    }

    @Command(name = "render", mixinStandardHelpOptions = true,
            description = "Render scenes: NNNNNN.png, one mask PNG per object and scenes.json (captions, objects, boxes).")
    static final class Render implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--count", defaultValue = "16", description = "number of scenes (default ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--seed", defaultValue = "0", description = "seed of the first scene; scene i uses seed+i (default ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--size", defaultValue = "64", description = "image side in pixels (default ${DEFAULT-VALUE})")
        int size;
        @Option(names = "--out", required = true, description = "output folder")
        Path out;

        @Override
        public Integer call() {
            if (count < 1) throw new GroundiffException("--count must be at least 1, got " + count);
            SceneSpec scenes = SceneSpec.defaults().withSize(size);
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("render").setInitialMax(count).build()) {
                SceneWriter.renderAll(out, seed, count, scenes, pb::step);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            spec.commandLine().getOut().println("wrote " + count + " scenes to " + out);
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train one of the world's models from scratch: detector, vae and diffusion on scenes rendered on the fly, grounding on images the world model generates.",
                    "Checkpoints (weights, optimizer state, step) go to --out; a killed run continues with --resume and ends",
                    "with the same weights as an uninterrupted one. When all steps are done, the weights are exported to --model-out."})
    static final class Train implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--stage", required = true, description = "what to train: detector, vae, diffusion (vae before diffusion), grounding (after both)")
        String stage;
        @Option(names = "--split", description = "grounding: the world class split (1, 2 or 3) whose seen classes the prompts use")
        Integer split;
        @Option(names = "--normal-training", description = "grounding: train a category the detector missed against an empty mask (the paper's Table 3 ablation; default: skip it)")
        boolean normalTraining;
        @Option(names = "--autocast", paramLabel = "TYPE", description = "diffusion: bfloat16 (default, the shipped recipe: mixed precision, about 1.5x faster per step than float32 on AVX512-BF16 CPUs) or float32")
        String autocast;
        @Option(names = "--min-snr-gamma", paramLabel = "G", description = "diffusion: weight each sample's loss by min(SNR, G)/SNR (Min-SNR; 5 is the paper's choice); default 0: unweighted")
        Double minSnrGamma;
        @Option(names = "--decay-steps", paramLabel = "N", description = "vae, diffusion: over the last N of --steps the learning rate falls linearly "
                + "from the full rate to 1/N of it (default 0: constant). A finished run continues into a decay with more --steps, --decay-steps and --resume")
        Integer decaySteps;
        @Option(names = "--images", description = "grounding: generated images in the training set it builds (default " + WorldGroundingTrain.IMAGES + ")")
        Integer images;
        @Option(names = "--dataset", paramLabel = "DIR", description = "grounding: train on this training set (e.g. another run's OUT/dataset) instead of building one")
        Path dataset;
        @Option(names = "--steps", description = "optimizer steps (default: detector 3000, vae 2400, diffusion " + WorldGenTrain.DIFFUSION_STEPS + ", grounding " + WorldGroundingTrain.STEPS + ")")
        Integer steps;
        @Option(names = "--batch", description = "scenes per step (default 16; grounding: images per step, default 1)")
        Integer batch;
        @Option(names = "--lr", description = "peak learning rate (default: detector and vae 2e-3, diffusion 8e-4, grounding " + WorldGroundingTrain.LR + ")")
        Double lr;
        @Option(names = "--seed", description = "seed of the initial weights and augmentation (default 0)")
        Long seed;
        @Option(names = "--checkpoint-every", description = "steps between checkpoints (default 100)")
        Integer checkpointEvery;
        @Option(names = "--minutes", description = "stop (with a checkpoint) after this much wall time; continue later with --resume")
        Double minutes;
        @Option(names = "--stop-at-step", description = "stop (with a checkpoint) after this step; continue later with --resume")
        Integer stopAt;
        @Option(names = "--resume", description = "continue the run in --out from its checkpoint")
        boolean resume;
        @Option(names = "--out", defaultValue = "runs/world-detector", description = "run folder: checkpoint, loss.csv (default runs/world-<stage>; grounding: runs/world-grounding-split<K>, its training set in OUT/dataset)")
        Path out;
        @Option(names = "--model-out", description = "where the finished model goes (default, in this checkout: models/world/detector, models/world/sd for vae and diffusion, models/world/grounding-split<K>)")
        Path modelOut;
        @Option(names = "--dtype", defaultValue = "float16", description = "stored weight type of the exported model: float32, bfloat16, float16 (default ${DEFAULT-VALUE})")
        String dtype;

        @Override
        public Integer call() throws IOException {
            DType storeAs = DType.parse(dtype);
            if (!storeAs.isFloatingPoint()) throw new GroundiffException("--dtype must be a float type, got " + dtype);
            if (!stage.equals("grounding") && (split != null || normalTraining || images != null || dataset != null)) {
                throw new GroundiffException("--split, --normal-training, --images and --dataset are options of --stage grounding");
            }
            if (!stage.equals("vae") && !stage.equals("diffusion") && decaySteps != null) {
                throw new GroundiffException("--decay-steps is an option of --stage vae and diffusion");
            }
            if (!stage.equals("diffusion") && (autocast != null || minSnrGamma != null)) {
                throw new GroundiffException("--autocast and --min-snr-gamma are options of --stage diffusion");
            }
            if (stage.equals("grounding")) {
                if (split == null) throw new GroundiffException("--stage grounding needs --split 1, 2 or 3");
                if (minutes != null || stopAt != null) {
                    throw new GroundiffException("--stage grounding has no --minutes/--stop-at-step: stop it any time and continue with --resume");
                }
                Path run = out.equals(Path.of("runs/world-detector")) ? Path.of("runs/world-grounding-split" + split + (normalTraining ? "-normal" : "")) : out;
                return WorldGroundingTrain.run(spec.commandLine(), split, steps, batch, lr, seed, checkpointEvery, images, dataset, resume, normalTraining, run, modelOut, storeAs);
            }
            if (stage.equals("vae") || stage.equals("diffusion")) {
                return WorldGenTrain.run(spec.commandLine().getOut(), stage, steps, decaySteps, batch, lr, seed, autocast, minSnrGamma, checkpointEvery, minutes, stopAt, resume,
                        out.equals(Path.of("runs/world-detector")) ? Path.of("runs/world-" + stage) : out, modelOut, storeAs);
            }
            if (!stage.equals("detector")) throw new GroundiffException("unknown --stage '" + stage + "' (available: detector, vae, diffusion, grounding)");
            DetectorTraining d = DetectorTraining.defaults();
            DetectorTraining t = new DetectorTraining(d.config(), steps != null ? steps : d.steps(), batch != null ? batch : d.batch(),
                    lr != null ? lr : d.learningRate(), d.weightDecay(), seed != null ? seed : d.seed(), d.augment());
            DetectorTrainer.Limits limits = new DetectorTrainer.Limits(stopAt != null ? stopAt : Integer.MAX_VALUE,
                    minutes != null ? minutes : Double.POSITIVE_INFINITY,
                    checkpointEvery != null ? checkpointEvery : DetectorTrainer.Limits.DEFAULT_CHECKPOINT_EVERY, true);
            DetectorTrainer.Result r = DetectorTrainer.run(t, out, resume, limits);
            spec.commandLine().getOut().printf(Locale.ROOT, "step %d/%d, last loss %.4f, %.1f s of training%n", r.step(), t.steps(), r.lastLoss(), r.trainSeconds());
            if (!r.finished()) {
                spec.commandLine().getOut().println("stopped early; continue with the same options and --resume (checkpoint in " + out + ")");
                return 0;
            }
            Path target = modelOut != null ? modelOut : WorldModels.dir("detector");
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("recipe", new com.google.gson.Gson().toJson(t));
            meta.put("steps", Integer.toString(r.step()));
            meta.put("train_seconds", String.format(Locale.ROOT, "%.1f", r.trainSeconds()));
            meta.put("code_version", CodeVersion.describe());
            DetectorModel.save(target, r.detector(), storeAs, meta);
            spec.commandLine().getOut().println("wrote " + target);
            return 0;
        }
    }

    @Command(name = "eval-detector", mixinStandardHelpOptions = true,
            description = "mIoU of the world detector over the 20 categories on freshly rendered scenes (per-category IoU accumulated over the set).")
    static final class EvalDetector implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--count", defaultValue = "1000", description = "number of scenes (default ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--first-seed", defaultValue = "" + DetectorEvaluator.DEFAULT_FIRST_SEED,
                description = "seed of the first scene, disjoint from training seeds (default ${DEFAULT-VALUE})")
        long firstSeed;
        @Option(names = "--model", description = "detector folder (default: models/world/detector of this checkout)")
        Path model;

        @Override
        public Integer call() {
            if (count < 1) throw new GroundiffException("--count must be at least 1, got " + count);
            Path dir = model != null ? model : WorldModels.dir("detector");
            WorldDetector d = DetectorModel.load(dir);
            DetectorEvaluator.Evaluation e;
            try (ProgressBar pb = new ProgressBarBuilder().setTaskName("eval").setInitialMax(count).build()) {
                e = DetectorEvaluator.evaluate(d, firstSeed, count, 50, pb::step);
            }
            java.io.PrintWriter w = spec.commandLine().getOut();
            w.println("category    IoU");
            e.iou().forEach((c, v) -> w.printf(Locale.ROOT, "%-10s %6.2f%n", c, 100 * v));
            w.printf(Locale.ROOT, "mIoU       %6.2f   (%d scenes, seeds %d..%d, model %s)%n", 100 * e.meanIoU(), e.scenes(), firstSeed, firstSeed + count - 1, dir);
            return 0;
        }
    }
}
