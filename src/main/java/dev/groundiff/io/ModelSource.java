package dev.groundiff.io;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import org.bytedeco.pytorch.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a Stable Diffusion model comes from: a diffusers folder or a single CompVis-layout file.
 * Either way the parts are {@code unet}, {@code vae}, {@code text_encoder} (weights + config) and
 * {@code scheduler} (config only), with diffusers/transformers key names.
 */
public interface ModelSource extends AutoCloseable {
    String UNET = "unet", VAE = "vae", TEXT_ENCODER = "text_encoder", SCHEDULER = "scheduler";
    List<String> WEIGHT_PARTS = List.of(UNET, VAE, TEXT_ENCODER);

    /** The part's diffusers/transformers config ({@code scheduler}: its scheduler_config.json). */
    JsonObject config(String part);

    /** The part's weights as owned tensors, diffusers/transformers key names. */
    Map<String, Tensor> weights(String part);

    /** The tokenizer folder (vocab.json, merges.txt), or null: the caller uses the built-in CLIP vocabulary. */
    Path tokenizerDir();

    /** The files the weights come from. */
    List<Path> weightFiles();

    /** One line for logs and reports. */
    String describe();

    @Override
    default void close() {}

    /**
     * Opens a diffusers folder or a single-file checkpoint ({@code .safetensors}, {@code .ckpt},
     * {@code .pt}, {@code .pth}, {@code .bin}). A single file holds no architecture: it comes from
     * {@code modelConfigDir} (a diffusers folder whose part configs apply) or, when null, SD v1.5's.
     */
    static ModelSource open(Path path, Path modelConfigDir) {
        if (path == null) throw new GroundiffException("no model path given");
        if (!Files.exists(path)) throw new GroundiffException(path + ": no such file or folder");
        if (Files.isDirectory(path)) {
            if (modelConfigDir != null) throw new GroundiffException(path + " is a diffusers folder; --model-config applies only to single-file checkpoints");
            return DiffusersFolder.open(path);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean known = name.endsWith(".safetensors") || name.endsWith(".ckpt") || name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".bin");
        if (!known && !SafeTensors.looksLike(path) && !TorchCheckpoint.looksLike(path)) {
            throw new GroundiffException(path + ": unknown model file type (expected a diffusers folder, .safetensors, .ckpt, .pt or .pth)");
        }
        return SingleFileCheckpoint.open(path, modelConfigDir);
    }
}
