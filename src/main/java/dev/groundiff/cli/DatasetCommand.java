package dev.groundiff.cli;

import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.workflow.GroundingLabeler;
import dev.groundiff.workflow.GroundingSetup;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetWriter;
import dev.groundiff.data.FileSink;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.detect.CocoDetections;
import dev.groundiff.detect.OracleDetector;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.Torch;
import dev.groundiff.workflow.DatasetBuilder;
import dev.groundiff.workflow.DetectionNames;
import dev.groundiff.workflow.ImageSettings;
import dev.groundiff.world.WorldOracleDetector;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code groundiff dataset}: generated images with oracle masks (and optionally UNet features), sharded and resumable. */
@Command(name = "dataset", mixinStandardHelpOptions = true,
        description = {"Build a synthetic segmentation dataset: prompts drawn as the official train.py does, one Stable Diffusion image per prompt, "
                + "oracle masks from a detector, optionally the UNet features. Rerunning the same command after an interruption continues it; "
                + "the finished folder is byte-identical to an uninterrupted run.",
                "",
                "Image names: record i is %08d.png (00000000.png, 00000001.png, ...), global over the dataset. To use an external detector: "
                + "build once without --detections, run 'groundiff export --format coco' (images/%08d.jpg), run the detector on those images, "
                + "write its output as COCO instance JSON (file_name %08d.png or %08d.jpg, one \"images\" entry per record, RLE or polygon masks), "
                + "then build again with --detections FILE into a new folder: the images are regenerated identically from the same seed."})
public final class DatasetCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--split", defaultValue = "pascal:1", description = "Class split: pascal:1|2|3, coco:65-15, pascal, coco, world:1|2|3, world or a file (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--subset", defaultValue = "seen", description = "Classes prompts are drawn from: seen, unseen or all (default: ${DEFAULT-VALUE}).")
    String subset;

    @Option(names = "--count", required = true, description = "Number of images.")
    long count;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Dataset folder (created, or continued when it holds this dataset).")
    Path out;

    @Option(names = "--detections", paramLabel = "FILE", description = "COCO-format detections of this dataset's images (see above). Without it the dataset has no masks.")
    Path detections;

    @Option(names = "--detector", paramLabel = "NAME", description = "Label the images with a detector that runs here instead of --detections: 'world' (the embedded world's; needs --split world:1|2|3).")
    String detectorName;

    @Option(names = "--detector-model", paramLabel = "DIR", description = "With --detector world: the detector folder (default: models/world/detector of this checkout).")
    Path detectorModel;

    @Option(names = "--grounding", paramLabel = "CKPT", description = "Label the images with a trained grounding module instead of a detector "
            + "(a mask for every category in the prompt: the synthetic data of the paper's Protocol II).")
    Path grounding;

    @Option(names = "--mask-threshold", defaultValue = "0.5", description = "With --grounding: a pixel is in the mask when sigmoid(logit) > t (default: ${DEFAULT-VALUE}).")
    double maskThreshold;

    @Option(names = "--target", defaultValue = "top1", description = "Instances -> mask per category: top1 (official: best instance) or union (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--min-score", defaultValue = "0", description = "Ignore instances scoring below this (default: ${DEFAULT-VALUE}).")
    double minScore;

    @Option(names = "--shard-size", description = "Records per shard (default: 100, or 8 with --save-features: training holds one shard in memory).")
    Integer shardSize;

    @Option(names = "--save-features", description = "Store the UNet block taps of the feature step (bfloat16; about 50 MB per 512x512 SD v1 image).")
    boolean saveFeatures;

    @Option(names = "--feature-step", defaultValue = "-1", description = "Denoising step (0-based) whose features are used; -1 = the last (official; default).")
    int featureStep;

    @Option(names = "--seed", defaultValue = "0", description = "Dataset seed: prompts and image seeds (image i uses seed + i; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps (default: ${DEFAULT-VALUE}, as the official code).")
    int steps;

    @Option(names = "--guidance", defaultValue = "5.0", description = "Classifier-free guidance (default: ${DEFAULT-VALUE}, as the official code).")
    double guidance;

    @Option(names = "--height", description = "Image height, a multiple of 8 (default: the model's native size).")
    Integer height;

    @Option(names = "--width", description = "Image width, a multiple of 8 (default: the model's native size).")
    Integer width;

    /** Test hook: where shard files are written (a failing sink simulates a full disk). */
    FileSink sink = FileSink.DISK;

    @Override
    public Integer call() throws IOException {
        Torch.init();
        Subset sub = Subset.parse(subset);
        Split sp = Splits.parse(split);
        TargetPolicy policy = TargetPolicy.parse(target, minScore);
        OracleDetector detector = null;
        String detectorId = "none";
        if ((detectorName != null ? 1 : 0) + (detections != null ? 1 : 0) + (grounding != null ? 1 : 0) > 1) {
            throw new GroundiffException("give one of --detector, --detections and --grounding: the masks come from one of them");
        }
        if (detectorName == null && detectorModel != null) throw new GroundiffException("--detector-model needs --detector world");
        if (detectorName != null) {
            WorldOracleDetector w = Detectors.load(detectorName, detectorModel, sp);
            detector = w;
            detectorId = w.id();
        } else if (detections != null) {
            CocoDetections d = CocoDetections.load(detections, sp.vocabulary());
            detector = DetectionNames.forDataset(d, detections, count);
            detectorId = "coco-json sha256:" + Provenance.sha256(detections);
        }
        int shard = shardSize != null ? shardSize : saveFeatures ? 8 : 100;
        if (out.toFile().exists() && !Files.isDirectory(out)) throw new GroundiffException(out + " exists and is not a folder");
        StableDiffusion sd = model.load();
        int nativeSize = sd.nativeImageSize();
        ImageSettings images = ImageSettings.of(steps, guidance, height != null ? height : nativeSize, width != null ? width : nativeSize,
                featureStep, model.computeType().torchName);
        DatasetBuilder.Settings settings = new DatasetBuilder.Settings(split, sub, seed, count, shard, images, saveFeatures, detectorId, policy);
        GroundingLabeler labeler = null;
        if (grounding != null) {
            GroundingModule module = GroundingCheckpoint.load(grounding, BatchNormMode.BATCH);
            GroundingSetup.requireFits(module.config(), sd, grounding.toString());
            labeler = new GroundingLabeler(sd, module, maskThreshold, "grounding module sha256:" + Provenance.sha256(grounding));
        }
        DatasetBuilder builder = new DatasetBuilder(sd, settings, sp, detector, labeler);

        Path metadata = out.resolve("metadata.json");
        DatasetWriter writer;
        try (ProgressBar bar = ProgressBars.create("dataset", count, "images")) {
            writer = builder.build(out, CodeVersion.describe(), sink, new DatasetBuilder.Listener() {
                boolean started;

                @Override
                public void recordDone(long index) {
                    if (!started) {
                        bar.stepTo(index); // resumed: the finished shards count as done
                        started = true;
                    }
                    bar.step();
                }
            });
            bar.stepTo(count);
        } catch (IOException e) {
            throw new GroundiffException(out + ": cannot write a shard (" + e.getMessage() + "); the finished shards are kept: free space and rerun the same command to continue", e);
        }
        Provenance.write(metadata, metadata(sd, writer, images, shard), writer.info().codeVersion());
        spec.commandLine().getOut().println("dataset " + out + ": " + count + " images in " + writer.info().shardCount() + " shard(s)"
                + (detector == null && labeler == null ? " (no masks: no --detections, --detector or --grounding)" : ""));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private JsonObject metadata(StableDiffusion sd, DatasetWriter writer, ImageSettings images, int shard) {
        JsonObject m = new JsonObject();
        m.addProperty("command", "dataset");
        m.add("model", sd.identity());
        m.addProperty("model_hash", writer.info().modelHash());
        m.addProperty("split", split);
        m.addProperty("subset", subset);
        m.addProperty("count", count);
        m.addProperty("shard_size", shard);
        m.addProperty("seed", seed);
        m.addProperty("image_seeds", "seed + index");
        m.addProperty("steps", images.steps());
        m.addProperty("guidance", images.guidance());
        m.addProperty("height", images.height());
        m.addProperty("width", images.width());
        m.addProperty("feature_step", images.featureStep());
        m.addProperty("save_features", saveFeatures);
        m.addProperty("dtype", images.dtype());
        m.addProperty("negative_prompt", "");
        m.addProperty("scheduler", "DDIM, eta 0");
        m.addProperty("detector", writer.info().extra().get("detector"));
        if (detections != null) m.addProperty("detections_file", detections.getFileName().toString());
        if (grounding != null) m.addProperty("grounding", grounding.toAbsolutePath().normalize().toString());
        m.addProperty("target_policy", writer.info().extra().get("target_policy"));
        m.addProperty("image_names", "%08d.png = record index");
        return m;
    }
}
