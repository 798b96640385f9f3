package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.VaeConfig;
import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingConfig;
import dev.groundiff.torch.DType;
import dev.groundiff.grounding.GroundingTrainer;
import dev.groundiff.workflow.GroundingSetup;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.world.WorldModels;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code groundiff world train --stage grounding --split K}: the paper's recipe in the embedded world,
 * run by the {@code train} verb online: each step samples a prompt of one or two seen categories of
 * world split K, generates its image with the world model, labels it with the world detector and
 * trains the grounding module on the found categories only ("training without zero masks";
 * {@code --normal-training} is the paper's Table 3 ablation). When every step is done, the weights go
 * to {@code --model-out} (default {@code models/world/grounding-splitK}), stored as {@code --dtype}.
 */
final class WorldGroundingTrain {
    /** Defaults sized for the world on 2 CPU cores (the official recipe is 1e-5 for 150k SD images). */
    static final int STEPS = 1200, CHECKPOINT_EVERY = 100, DENOISE_STEPS = 10;
    static final double LR = 1e-4, GUIDANCE = 4.0;

    private WorldGroundingTrain() {}

    /**
     * The world's module: the official structure on the world UNet's taps (F at 16x16, logits at 64x64)
     * with a quarter of the official 1x1 widths and a 128-wide, 4-head decoder (0.98 M weights instead of 18.8 M),
     * so that everything in models/world stays under 30 MB.
     */
    static GroundingConfig worldConfig() {
        Path sd = WorldModels.dir("sd");
        UNetConfig u = UNetConfig.read(sd.resolve("unet").resolve("config.json"));
        GroundingConfig official = GroundingSetup.forModel(u, VaeConfig.read(sd.resolve("vae").resolve("config.json")));
        return GroundingConfig.forUnet(u.blockOutChannels().get(0), 4, 8, 16, 32, 128, 4, 3, 512, u.crossAttentionDim())
                .atResolution(official.featureSize(), official.patchSize(), official.outputSize());
    }

    /** The default folder of the module trained on split {@code k}'s seen classes. */
    static Path defaultModelDir(int split) {
        return WorldModels.dir("grounding-split" + split);
    }

    static int run(CommandLine parent, int split, Integer steps, Integer batch, Double lr, Long seed, Integer checkpointEvery,
                   boolean resume, boolean normalTraining, Path out, Path modelOut, DType storeAs) throws IOException {
        if (split < 1 || split > 3) throw new GroundiffException("--split must be 1, 2 or 3 (the world's class splits), got " + split);
        List<String> args = new ArrayList<>(List.of(
                "--detector", "world", "--split", "world:" + split, "--subset", "seen",
                "--denoise-steps", Integer.toString(DENOISE_STEPS), "--guidance", Double.toString(GUIDANCE),
                "--steps", Integer.toString(steps != null ? steps : STEPS),
                "--lr", Double.toString(lr != null ? lr : LR),
                "--checkpoint-every", Integer.toString(checkpointEvery != null ? checkpointEvery : CHECKPOINT_EVERY),
                "--out", out.toString()));
        if (batch != null) args.addAll(List.of("--batch", batch.toString()));
        if (seed != null) args.addAll(List.of("--seed", seed.toString()));
        if (resume) {
            args.add("--resume");
        } else {
            Path config = out.resolve("grounding-config.json");
            Files.createDirectories(out);
            AtomicFiles.writeString(config, worldConfig().toJson());
            args.addAll(List.of("--grounding-config", config.toString()));
        }
        if (normalTraining) args.add("--normal-training");
        CommandLine train = new CommandLine(new TrainCommand());
        train.setOut(parent.getOut());
        train.setErr(parent.getErr());
        train.parseArgs(args.toArray(String[]::new));
        int rc = ((TrainCommand) train.getCommand()).call();
        if (rc != 0) return rc;
        Path target = modelOut != null ? modelOut : defaultModelDir(split);
        Files.createDirectories(target);
        GroundingCheckpoint.save(GroundingCheckpoint.load(out.resolve(GroundingTrainer.WEIGHTS_FILE), BatchNormMode.BATCH),
                target.resolve(GroundingTrainer.WEIGHTS_FILE), Map.of("stored_as", storeAs.torchName), storeAs);
        for (String f : List.of("metadata.json", GroundingTrainer.LOSS_FILE)) {
            AtomicFiles.writeBytes(target.resolve(f), Files.readAllBytes(out.resolve(f)));
        }
        parent.getOut().println("wrote " + target.resolve(GroundingTrainer.WEIGHTS_FILE));
        parent.getOut().flush();
        return 0;
    }
}
