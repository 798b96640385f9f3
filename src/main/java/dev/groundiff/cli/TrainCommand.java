package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.PromptSampler;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.grounding.GroundingConfig;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.grounding.GroundingTrainer;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.workflow.DatasetTrainingSource;
import dev.groundiff.workflow.ExampleFactory;
import dev.groundiff.workflow.GroundingSetup;
import dev.groundiff.workflow.ImageSettings;
import dev.groundiff.workflow.ModelFingerprint;
import dev.groundiff.workflow.OnlineTrainingSource;
import dev.groundiff.world.WorldOracleDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code groundiff train}: trains the grounding module from a dataset (or online), resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the grounding module (Adam, BCE per category; official defaults) on a dataset built by 'groundiff dataset': "
                + "its stored UNet features, or features regenerated from each record's prompt and seed when it has none.",
                "Without --dataset it trains online as the official train.py (generate, detect, train in one loop): --detector world labels each new "
                + "image with the embedded world's detector; prompts are drawn from --split world:1|2|3 and --subset, images made with "
                + "--denoise-steps, --guidance, --height, --width and --feature-step as 'groundiff dataset' makes them. Nothing is stored but the run.",
                "Output folder: grounding.safetensors (weights + config), grounding_config.json, train_state.safetensors (resume), loss.csv, metadata.json."})
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--dataset", paramLabel = "DIR", description = "Dataset folder (with oracle masks).")
    Path dataset;

    @Option(names = "--detector", paramLabel = "NAME", description = "Online training: 'world' (the embedded world's detector).")
    String detector;

    @Option(names = "--detector-model", paramLabel = "DIR", description = "Online: the detector folder (default: models/world/detector of this checkout).")
    Path detectorModel;

    @Option(names = "--split", paramLabel = "SPLIT", description = "Online: class split the prompts are drawn from (default: world:1).")
    String split;

    @Option(names = "--subset", paramLabel = "SUBSET", description = "Online: seen, unseen or all (default: seen).")
    String subset;

    @Option(names = {"--denoise-steps", "--steps-per-image"}, paramLabel = "N", description = "Online: DDIM steps per image (default: 50, official).")
    Integer denoiseSteps;

    @Option(names = "--guidance", description = "Online: classifier-free guidance (default: 5.0, official).")
    Double guidance;

    @Option(names = "--height", description = "Online: image height, a multiple of 8 (default: the model's native size).")
    Integer height;

    @Option(names = "--width", description = "Online: image width, a multiple of 8 (default: the model's native size).")
    Integer width;

    @Option(names = "--feature-step", paramLabel = "N", description = "Online: denoising step (0-based) whose features are used; -1 = the last (official; default).")
    Integer featureStep;

    @Option(names = "--target", paramLabel = "MODE", description = "Online: instances -> mask per category: top1 (official; default) or union.")
    String target;

    @Option(names = "--min-score", description = "Online: ignore instances scoring below this (default: 0).")
    Double minScore;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder for the checkpoint and training state.")
    Path out;

    @Option(names = "--steps", defaultValue = "5000", description = "Optimizer steps in total (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch", defaultValue = "1", description = "Images per micro-batch (default: ${DEFAULT-VALUE}, official).")
    int batch;

    @Option(names = "--accumulate", defaultValue = "1", description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--lr", defaultValue = "1e-5", description = "Adam learning rate (default: ${DEFAULT-VALUE}, official).")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the module's initialisation and the example order; online also of the prompts (image i: seed + i) (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "200", description = "Save the training state every N steps (default: ${DEFAULT-VALUE}, official).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the run in --out from its training state (bit-identical to an uninterrupted run).")
    boolean resume;

    @Option(names = "--normal-training", description = "A category the detector missed is trained against an all-zero mask (default: no loss term, official).")
    boolean normalTraining;

    @Option(names = "--grounding-config", paramLabel = "FILE", description = "Module widths as JSON (default: the official widths on this model's UNet).")
    Path groundingConfig;

    @Override
    public Integer call() throws IOException {
        Torch.init();
        if (dataset == null && detector == null) throw new GroundiffException("give --dataset DIR, or --detector for online training");
        if (dataset != null && detector != null) throw new GroundiffException("--detector is for online training; a dataset already has its masks");
        if (dataset != null) requireNoOnlineOptions();
        Path state = out.resolve(GroundingTrainer.STATE_FILE);
        if (!resume && Files.exists(state)) throw new GroundiffException(out + " already holds a training run: add --resume to continue it, or use another --out");
        if (resume && !Files.exists(state)) throw new GroundiffException(out + ": nothing to resume (no " + GroundingTrainer.STATE_FILE + ")");
        return dataset != null ? fromDataset() : online();
    }

    private Integer fromDataset() throws IOException {
        DatasetReader reader = DatasetReader.open(dataset);
        StableDiffusion sd = model.load();
        ModelFingerprint.requireSame(reader.info(), dataset.toString(), sd);
        ImageSettings images = ImageSettings.of(reader.info(), dataset.toString());
        if (resume) checkSameRun(sd, null);
        ImageSettings.requireSameDtype(images, model.computeType().torchName, dataset.toString());

        GroundingTrainer trainer = trainer(sd);
        GroundingConfig config = trainer.module().config();
        ExampleFactory factory = new ExampleFactory(sd, config);
        DatasetTrainingSource source = new DatasetTrainingSource(reader, factory, images, seed);
        if (!reader.isComplete()) {
            spec.commandLine().getErr().println("groundiff: warning: " + dataset + " is not finished; training on its " + reader.size() + " finished records");
        }
        Files.createDirectories(out);
        JsonObject m = common(sd, images, config);
        m.addProperty("dataset", dataset.toAbsolutePath().normalize().toString());
        m.addProperty("dataset_sha256", Provenance.sha256(dataset.resolve("dataset.json")));
        m.addProperty("dataset_records", reader.size());
        // what the training set is, so the metadata says it without the folder: split, classes, seed, labels
        m.addProperty("dataset_split", reader.info().split());
        m.addProperty("dataset_subset", reader.info().subset());
        m.addProperty("dataset_seed", reader.info().seed());
        m.addProperty("dataset_labels", reader.info().extra().getOrDefault("detector", reader.info().extra().getOrDefault("labels", "unknown")));
        m.addProperty("features", source.usesStoredFeatures() ? "stored in the dataset" : "regenerated from prompt and seed");
        Provenance.write(out.resolve("metadata.json"), m, CodeVersion.describe());
        return finish(trainer.train(source), trainer);
    }

    /** The official loop: a new prompt, image and detection per example; example i depends only on (seed, i), so resume is exact. */
    private Integer online() throws IOException {
        Split sp = Splits.parse(split != null ? split : "world:1");
        Subset sub = Subset.parse(subset != null ? subset : "seen");
        TargetPolicy policy = TargetPolicy.parse(target != null ? target : "top1", minScore != null ? minScore : 0);
        WorldOracleDetector oracle = Detectors.load(detector, detectorModel, sp);
        StableDiffusion sd = model.load();
        int nativeSize = sd.nativeImageSize();
        ImageSettings images = ImageSettings.of(denoiseSteps != null ? denoiseSteps : 50, guidance != null ? guidance : 5.0,
                height != null ? height : nativeSize, width != null ? width : nativeSize, featureStep != null ? featureStep : -1,
                model.computeType().torchName);
        JsonObject onlineSettings = new JsonObject();
        onlineSettings.addProperty("detector", detector);
        onlineSettings.addProperty("detector_id", oracle.id());
        onlineSettings.addProperty("split", sp.name());
        onlineSettings.addProperty("subset", sub.id());
        onlineSettings.addProperty("target_policy", policy.id());
        onlineSettings.addProperty("prompts", "official (one or two objects, 'a photograph of a X [and a Y]'), prompt seed = --seed");
        onlineSettings.addProperty("image_seeds", "seed + example index");
        if (resume) checkSameRun(sd, onlineSettings);

        GroundingTrainer trainer = trainer(sd);
        GroundingConfig config = trainer.module().config();
        OnlineTrainingSource source = new OnlineTrainingSource(PromptSampler.official(sp, sub, seed), oracle, policy, images, new ExampleFactory(sd, config));
        Files.createDirectories(out);
        JsonObject m = common(sd, images, config);
        m.addProperty("features", "generated online");
        m.add("online", onlineSettings);
        Provenance.write(out.resolve("metadata.json"), m, CodeVersion.describe());
        return finish(trainer.train(source), trainer);
    }

    private GroundingTrainer trainer(StableDiffusion sd) {
        GroundingTrainer.Options opts = new GroundingTrainer.Options(batch, accumulate, lr, 0.9, 0.999, 1e-8, 0, normalTraining, steps,
                checkpointEvery, seed, true);
        GroundingTrainer trainer;
        if (resume) {
            trainer = GroundingTrainer.resume(opts, out);
        } else {
            GroundingConfig config = groundingConfig != null ? GroundingConfig.read(groundingConfig) : GroundingSetup.forModel(sd);
            trainer = new GroundingTrainer(new GroundingModule(config, ParamFactory.random(seed)), opts, out);
        }
        GroundingSetup.requireFits(trainer.module().config(), sd, groundingConfig != null ? groundingConfig.toString() : "the grounding module");
        return trainer;
    }

    private Integer finish(List<GroundingTrainer.StepResult> results, GroundingTrainer trainer) {
        long skipped = results.stream().filter(r -> !r.updated()).count();
        var o = spec.commandLine().getOut();
        if (skipped > 0) {
            o.println("skipped " + skipped + " of " + results.size() + " steps: the detector found none of the prompted categories "
                    + (normalTraining ? "" : "(training without zero masks, official; --normal-training trains them against empty masks)"));
        }
        o.println("trained " + trainer.step() + " steps; weights: " + out.resolve(GroundingTrainer.WEIGHTS_FILE));
        o.flush();
        return 0;
    }

    private void requireNoOnlineOptions() {
        Object[][] online = {{"--detector-model", detectorModel}, {"--split", split}, {"--subset", subset}, {"--denoise-steps", denoiseSteps},
                {"--guidance", guidance}, {"--height", height}, {"--width", width}, {"--feature-step", featureStep}, {"--target", target}, {"--min-score", minScore}};
        for (Object[] o : online) {
            if (o[1] != null) throw new GroundiffException(o[0] + " is for online training; a dataset already records how its images and masks were made");
        }
    }

    /** A resumed run must use the same model and dataset (online: the same settings) as the run it continues. */
    private void checkSameRun(StableDiffusion sd, JsonObject onlineSettings) throws IOException {
        Path meta = out.resolve("metadata.json");
        if (!Files.exists(meta)) return;
        JsonObject m = JsonParser.parseString(Files.readString(meta, StandardCharsets.UTF_8)).getAsJsonObject();
        String hash = ModelFingerprint.of(sd);
        if (m.has("model_hash") && !m.get("model_hash").getAsString().equals(hash)) {
            throw new GroundiffException(out + " was trained with another model (weights " + m.get("model_hash").getAsString().substring(0, 12) + "...) than --model " + sd.path());
        }
        if (onlineSettings == null) {
            if (m.has("online")) throw new GroundiffException(out + " is an online run: resume it with --detector, not --dataset");
            String ds = Provenance.sha256(dataset.resolve("dataset.json"));
            if (m.has("dataset_sha256") && !m.get("dataset_sha256").getAsString().equals(ds)) {
                throw new GroundiffException(out + " was trained on another dataset than " + dataset + ": resume with the same --dataset");
            }
            return;
        }
        if (m.has("dataset")) throw new GroundiffException(out + " was trained on the dataset " + m.get("dataset").getAsString() + ": resume it with --dataset");
        JsonObject before = m.has("online") ? m.getAsJsonObject("online") : null;
        if (before != null && !before.equals(onlineSettings)) {
            throw new GroundiffException(out + " was trained online with other settings (" + before + "); resume with the same ones (got " + onlineSettings + ")");
        }
    }

    private JsonObject common(StableDiffusion sd, ImageSettings images, GroundingConfig config) {
        JsonObject m = new JsonObject();
        m.addProperty("command", "train");
        m.add("model", sd.identity());
        m.addProperty("model_hash", ModelFingerprint.of(sd));
        m.addProperty("image_steps", images.steps());
        m.addProperty("guidance", images.guidance());
        m.addProperty("feature_step", images.featureStep());
        m.addProperty("height", images.height());
        m.addProperty("width", images.width());
        m.addProperty("dtype", images.dtype());
        m.addProperty("steps", steps);
        m.addProperty("batch", batch);
        m.addProperty("accumulate", accumulate);
        m.addProperty("lr", lr);
        m.addProperty("seed", seed);
        m.addProperty("normal_training", normalTraining);
        m.add("grounding_config", JsonParser.parseString(config.toJson()));
        return m;
    }
}
