package dev.groundiff.diffusion.pipeline;

import com.google.gson.JsonObject;
import dev.groundiff.clip.ClipTextConfig;
import dev.groundiff.clip.ClipTextModel;
import dev.groundiff.clip.ClipTokenizer;
import dev.groundiff.diffusion.scheduler.DdimSchedulerConfig;
import dev.groundiff.diffusion.unet.UNet2DConditionModel;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.AutoencoderKL;
import dev.groundiff.diffusion.vae.VaeConfig;
import dev.groundiff.io.ModelSource;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Module;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The parts of a Stable Diffusion v1.x model, loaded from a {@link ModelSource} (diffusers folder or
 * single-file checkpoint): tokenizer, text encoder, UNet, VAE and the scheduler's configuration.
 * Weights are copied into the modules (strictly: every key must fit) and cast to the compute dtype.
 */
public final class StableDiffusion {
    public final ClipTokenizer tokenizer;
    public final ClipTextModel textEncoder;
    public final UNet2DConditionModel unet;
    public final AutoencoderKL vae;
    public final UNetConfig unetConfig;
    public final VaeConfig vaeConfig;
    public final DdimSchedulerConfig schedulerConfig;
    public final DType dtype;
    private final Path path;
    private final List<Path> weightFiles;
    private final String description;

    private StableDiffusion(Path path, ModelSource source, ClipTokenizer tokenizer, ClipTextModel textEncoder, UNet2DConditionModel unet,
                            AutoencoderKL vae, UNetConfig unetConfig, VaeConfig vaeConfig, DdimSchedulerConfig schedulerConfig, DType dtype) {
        this.path = path;
        this.weightFiles = List.copyOf(source.weightFiles());
        this.description = source.describe();
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.unetConfig = unetConfig;
        this.vaeConfig = vaeConfig;
        this.schedulerConfig = schedulerConfig;
        this.dtype = dtype;
    }

    /** Opens {@code path} (a diffusers folder or a single file; see {@link ModelSource#open}) and loads it. */
    public static StableDiffusion load(Path path, Path modelConfigDir, DType dtype) {
        try (ModelSource source = ModelSource.open(path, modelConfigDir)) {
            return load(path, source, dtype);
        }
    }

    public static StableDiffusion load(Path path, ModelSource source, DType dtype) {
        Torch.init();
        ClipTokenizer tokenizer = source.tokenizerDir() != null ? ClipTokenizer.load(source.tokenizerDir()) : ClipTokenizer.standard();
        ClipTextConfig textConfig = ClipTextConfig.fromJson(source.config("text_encoder"));
        UNetConfig unetConfig = UNetConfig.fromJson(source.config("unet"));
        VaeConfig vaeConfig = VaeConfig.fromJson(source.config("vae"));
        DdimSchedulerConfig schedulerConfig = DdimSchedulerConfig.fromJson(source.config("scheduler"));

        ParamFactory empty = ParamFactory.uninitialized();
        ClipTextModel text = prepare(new ClipTextModel(empty, textConfig), source, "text_encoder", dtype);
        UNet2DConditionModel unet = prepare(new UNet2DConditionModel(empty, unetConfig), source, "unet", dtype);
        AutoencoderKL vae = prepare(new AutoencoderKL(empty, vaeConfig), source, "vae", dtype);
        return new StableDiffusion(path, source, tokenizer, text, unet, vae, unetConfig, vaeConfig, schedulerConfig, dtype);
    }

    private static <M extends Module> M prepare(M model, ModelSource source, String part, DType dtype) {
        java.util.Map<String, org.bytedeco.pytorch.Tensor> weights = new java.util.LinkedHashMap<>(source.weights(part));
        // transformers < 4.31 saved this constant buffer with the text encoder; it is not a weight
        weights.remove("text_model.embeddings.position_ids");
        StateDict.load(model, weights, source.describe() + " (" + part + ")");
        // Loaded weights are frozen: inference never needs their gradients.
        for (org.bytedeco.pytorch.Tensor p : StateDict.of(model).values()) p.requires_grad_(false);
        model.train(false);
        if (dtype != DType.FLOAT32) model.to(dtype.scalarType, false);
        return model;
    }

    public Path path() {
        return path;
    }

    /** The side the model was trained at: UNet sample_size (64 when the config has none) times the VAE factor. */
    public int nativeImageSize() {
        return (unetConfig.sampleSize() != null ? unetConfig.sampleSize() : 64) * vaeConfig.downsampleFactor();
    }

    /** Model path and SHA-256 of every weight file, for metadata. */
    public JsonObject identity() {
        try {
            JsonObject id = Provenance.modelIdentity(path, weightFiles);
            id.addProperty("description", description);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
