package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.torch.DType;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --model}, {@code --model-config}, {@code --dtype}: shared by every verb that runs Stable Diffusion. */
public final class ModelOptions {
    @Option(names = "--model", paramLabel = "PATH",
            description = "A diffusers model folder or a single-file checkpoint (.safetensors, .ckpt). Default: the embedded world model (models/world/sd).")
    Path model;

    @Option(names = "--model-config", paramLabel = "DIR",
            description = "For a single-file checkpoint: a diffusers folder whose */config.json give the architecture (default: standard SD v1.5).")
    Path modelConfig;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "TYPE",
            description = "Compute type of the models: float32 (default) or bfloat16 (about 2x faster on CPUs with AVX512-BF16).")
    String dtype;

    /** The embedded world's text-to-image model folder ({@code models/world/sd} in the checkout). */
    public static Path defaultModel() {
        return dev.groundiff.world.WorldModels.dir("sd");
    }

    /** True when no --model was given: the embedded world model is used. */
    public boolean isEmbeddedWorld() {
        return model == null;
    }

    public Path modelPath() {
        Path p = model != null ? model : defaultModel();
        if (!Files.exists(p)) {
            throw new GroundiffException(model != null ? "model path " + p + " does not exist"
                    : "no --model given and the embedded world model is missing at " + p.toAbsolutePath());
        }
        return p;
    }

    public DType computeType() {
        DType d = DType.parse(dtype);
        if (d != DType.FLOAT32 && d != DType.BFLOAT16) throw new GroundiffException("--dtype must be float32 or bfloat16, got " + dtype);
        return d;
    }

    public StableDiffusion load() {
        return StableDiffusion.load(modelPath(), modelConfig, computeType());
    }
}
