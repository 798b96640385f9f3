package dev.groundiff.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.clip.ClipTextConfig;
import dev.groundiff.diffusion.ConfigReader;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.VaeConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The architectures the benchmark builds (with random weights): SD v1.5's bundled configs, or the
 * {@code unet/}, {@code vae/} and {@code text_encoder/} configs of a diffusers folder (tests use a tiny one).
 *
 * @param standard true for the bundled SD v1.5 configs, the only ones the reference timings apply to
 */
public record ModelConfigs(UNetConfig unet, VaeConfig vae, ClipTextConfig textEncoder, String source, boolean standard) {
    private static final String BUNDLED = "/dev/groundiff/io/sd15/";

    public static ModelConfigs sd15() {
        return new ModelConfigs(UNetConfig.fromJson(bundled("unet")), VaeConfig.fromJson(bundled("vae")),
                ClipTextConfig.fromJson(bundled("text_encoder")), "SD v1.5 (bundled configs)", true);
    }

    /** {@code dir}: a diffusers folder, or null for {@link #sd15()}. */
    public static ModelConfigs of(Path dir) {
        if (dir == null) return sd15();
        if (!Files.isDirectory(dir)) throw new GroundiffException(dir + ": not a folder (expected a diffusers model folder)");
        return new ModelConfigs(UNetConfig.read(dir.resolve("unet/config.json")), VaeConfig.read(dir.resolve("vae/config.json")),
                ClipTextConfig.fromJson(ConfigReader.parseFile(dir.resolve("text_encoder/config.json"))), dir.toString(), false);
    }

    private static JsonObject bundled(String part) {
        try (InputStream in = ModelConfigs.class.getResourceAsStream(BUNDLED + part + "/config.json")) {
            if (in == null) throw new IllegalStateException("bundled SD v1.5 config " + part + "/config.json missing");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
