package dev.groundiff.diffusion.vae;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.ConfigReader;

import java.nio.file.Path;
import java.util.List;

/**
 * The settings of a diffusers {@code AutoencoderKL} (SD v1.x), read from its {@code config.json}.
 * Absent keys take diffusers 0.24's defaults; settings this implementation does not support are
 * rejected with the key named.
 *
 * @param scalingFactor latent scale the pipeline applies (0.18215 for SD v1.x); not used inside the VAE
 * @param forceUpcast   diffusers' hint to decode in float32 when the model runs in half precision
 */
public record VaeConfig(
        int inChannels,
        int outChannels,
        List<String> downBlockTypes,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int normNumGroups,
        int latentChannels,
        Integer sampleSize,
        double scalingFactor,
        boolean forceUpcast) {

    public static final String DOWN_ENCODER = "DownEncoderBlock2D";
    public static final String UP_DECODER = "UpDecoderBlock2D";
    private static final String SOURCE = "VAE config";

    public VaeConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        int n = blockOutChannels.size();
        if (n == 0) throw bad("block_out_channels", "must not be empty");
        if (downBlockTypes.size() != n) throw bad("down_block_types", "has " + downBlockTypes.size() + " entries but block_out_channels has " + n);
        if (upBlockTypes.size() != n) throw bad("up_block_types", "has " + upBlockTypes.size() + " entries but block_out_channels has " + n);
        for (int i = 0; i < n; i++) {
            if (!DOWN_ENCODER.equals(downBlockTypes.get(i))) throw bad("down_block_types", "entry " + i + " = '" + downBlockTypes.get(i) + "' is not supported (supported: " + DOWN_ENCODER + ")");
            if (!UP_DECODER.equals(upBlockTypes.get(i))) throw bad("up_block_types", "entry " + i + " = '" + upBlockTypes.get(i) + "' is not supported (supported: " + UP_DECODER + ")");
        }
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("layers_per_block", layersPerBlock);
        positive("norm_num_groups", normNumGroups);
        positive("latent_channels", latentChannels);
        if (sampleSize != null) positive("sample_size", sampleSize);
        if (!(scalingFactor > 0)) throw bad("scaling_factor", "must be > 0, not " + scalingFactor);
        for (int i = 0; i < n; i++) {
            int c = blockOutChannels.get(i);
            positive("block_out_channels[" + i + "]", c);
            if (c % normNumGroups != 0) throw bad("block_out_channels", "entry " + c + " is not divisible by norm_num_groups " + normNumGroups);
        }
    }

    private static GroundiffException bad(String key, String message) {
        return new GroundiffException(SOURCE + ": '" + key + "' " + message);
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw bad(key, "must be positive, not " + v);
    }

    /** Spatial factor between image and latent (8 for SD). */
    public int downsampleFactor() {
        return 1 << (blockOutChannels.size() - 1);
    }

    public static VaeConfig read(Path configJson) {
        return fromJson(ConfigReader.parseFile(configJson), configJson.toString());
    }

    public static VaeConfig fromJson(JsonObject json) {
        return fromJson(json, SOURCE);
    }

    public static VaeConfig fromJson(JsonObject json, String source) {
        ConfigReader r = new ConfigReader(json, source);
        r.requireClass("AutoencoderKL");
        r.requireDefault("act_fn", "silu", "only SiLU");
        // settings of later diffusers versions, accepted at the values that mean SD v1.x behaviour
        r.requireDefault("mid_block_add_attention", true, "");
        r.requireDefault("use_quant_conv", true, "");
        r.requireDefault("use_post_quant_conv", true, "");
        r.requireNull("latents_mean", "");
        r.requireNull("latents_std", "");
        r.requireDefault("shift_factor", 0, "");
        VaeConfig c;
        try {
            c = new VaeConfig(
                    r.integer("in_channels", 3),
                    r.integer("out_channels", 3),
                    r.stringList("down_block_types", List.of(DOWN_ENCODER)),
                    r.stringList("up_block_types", List.of(UP_DECODER)),
                    r.intList("block_out_channels", List.of(64)),
                    r.integer("layers_per_block", 1),
                    r.integer("norm_num_groups", 32),
                    r.integer("latent_channels", 4),
                    r.isNull("sample_size") ? null : r.integer("sample_size", 0),
                    r.number("scaling_factor", 0.18215),
                    r.bool("force_upcast", true));
        } catch (GroundiffException e) {
            throw new GroundiffException(source + e.getMessage().substring(SOURCE.length()));
        }
        r.finish();
        return c;
    }
}
