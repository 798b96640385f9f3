package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code groundiff train}: trains the grounding module from a dataset (or online), resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the grounding module (Adam, BCE per category; official defaults) on a dataset built by 'groundiff dataset': "
                + "its stored UNet features, or features regenerated from each record's prompt and seed when it has none.",
                "Without --dataset it trains online as the official train.py (generate, detect, train in one loop); that needs a detector "
                + "that can look at new images: --detector world is reserved for the embedded world's detector, a later hook, and is not available yet.",
                "Output folder: grounding.safetensors (weights + config), grounding_config.json, train_state.safetensors (resume), loss.csv, metadata.json."})
public final class TrainCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--dataset", paramLabel = "DIR", description = "Dataset folder (with oracle masks).")
    Path dataset;

    @Option(names = "--detector", paramLabel = "NAME", description = "Online training only: 'world' (later hook; not available yet).")
    String detector;

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

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the module's initialisation and the example order (default: ${DEFAULT-VALUE}).")
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
        if (detector != null) {
            if (!detector.equals("world")) throw new GroundiffException("unknown --detector '" + detector + "' (the only name is 'world')");
            throw new GroundiffException("--detector world is not available yet (a later hook); build a dataset with --detections and train from it");
        }
        Path state = out.resolve(GroundingTrainer.STATE_FILE);
        if (!resume && Files.exists(state)) throw new GroundiffException(out + " already holds a training run: add --resume to continue it, or use another --out");
        if (resume && !Files.exists(state)) throw new GroundiffException(out + ": nothing to resume (no " + GroundingTrainer.STATE_FILE + ")");

        DatasetReader reader = DatasetReader.open(dataset);
        StableDiffusion sd = model.load();
        ModelFingerprint.requireSame(reader.info(), dataset.toString(), sd);
        ImageSettings images = ImageSettings.of(reader.info(), dataset.toString());
        if (resume) checkSameRun(sd);
        ImageSettings.requireSameDtype(images, model.computeType().torchName, dataset.toString());

        GroundingTrainer.Options opts = new GroundingTrainer.Options(batch, accumulate, lr, 0.9, 0.999, 1e-8, 0, normalTraining, steps,
                checkpointEvery, seed, true);
        GroundingTrainer trainer;
        if (resume) {
            trainer = GroundingTrainer.resume(opts, out);
        } else {
            GroundingConfig config = groundingConfig != null ? GroundingConfig.read(groundingConfig) : GroundingSetup.forModel(sd);
            trainer = new GroundingTrainer(new GroundingModule(config, ParamFactory.random(seed)), opts, out);
        }
        GroundingConfig config = trainer.module().config();
        GroundingSetup.requireFits(config, sd, groundingConfig != null ? groundingConfig.toString() : "the grounding module");
        ExampleFactory factory = new ExampleFactory(sd, config);
        DatasetTrainingSource source = new DatasetTrainingSource(reader, factory, images, seed);
        if (!reader.isComplete()) {
            spec.commandLine().getErr().println("groundiff: warning: " + dataset + " is not finished; training on its " + reader.size() + " finished records");
        }
        Files.createDirectories(out);
        Provenance.write(out.resolve("metadata.json"), metadata(sd, reader, images, config, source.usesStoredFeatures()), CodeVersion.describe());
        trainer.train(source);
        spec.commandLine().getOut().println("trained " + trainer.step() + " steps; weights: " + out.resolve(GroundingTrainer.WEIGHTS_FILE));
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** A resumed run must use the same model and dataset as the run it continues. */
    private void checkSameRun(StableDiffusion sd) throws IOException {
        Path meta = out.resolve("metadata.json");
        if (!Files.exists(meta)) return;
        JsonObject m = JsonParser.parseString(Files.readString(meta, StandardCharsets.UTF_8)).getAsJsonObject();
        String hash = ModelFingerprint.of(sd);
        if (m.has("model_hash") && !m.get("model_hash").getAsString().equals(hash)) {
            throw new GroundiffException(out + " was trained with another model (weights " + m.get("model_hash").getAsString().substring(0, 12) + "...) than --model " + sd.path());
        }
        String ds = Provenance.sha256(dataset.resolve("dataset.json"));
        if (m.has("dataset_sha256") && !m.get("dataset_sha256").getAsString().equals(ds)) {
            throw new GroundiffException(out + " was trained on another dataset than " + dataset + ": resume with the same --dataset");
        }
    }

    private JsonObject metadata(StableDiffusion sd, DatasetReader reader, ImageSettings images, GroundingConfig config, boolean stored) throws IOException {
        JsonObject m = new JsonObject();
        m.addProperty("command", "train");
        m.add("model", sd.identity());
        m.addProperty("model_hash", ModelFingerprint.of(sd));
        m.addProperty("dataset", dataset.toAbsolutePath().normalize().toString());
        m.addProperty("dataset_sha256", Provenance.sha256(dataset.resolve("dataset.json")));
        m.addProperty("dataset_records", reader.size());
        m.addProperty("features", stored ? "stored in the dataset" : "regenerated from prompt and seed");
        m.addProperty("image_steps", images.steps());
        m.addProperty("guidance", images.guidance());
        m.addProperty("feature_step", images.featureStep());
        m.addProperty("height", images.height());
        m.addProperty("width", images.width());
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
