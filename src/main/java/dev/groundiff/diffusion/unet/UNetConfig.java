package dev.groundiff.diffusion.unet;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.ConfigReader;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The settings of a diffusers {@code UNet2DConditionModel} that SD v1.x uses, read from its
 * {@code config.json}. Absent keys take diffusers 0.24's defaults; settings of other model families
 * (class/addition embeddings, SD 2.x upcast attention, ...) are rejected with the key named.
 *
 * @param attentionHeads heads per block, from {@code attention_head_dim} (diffusers' SD v1.x naming
 *                       quirk: that field is the head count)
 * @param transformerLayersPerBlock transformer blocks inside each Transformer2DModel, per down block
 * @param timeEmbeddingDim width of the time embedding (default 4 x {@code block_out_channels[0]})
 */
public record UNetConfig(
        int inChannels,
        int outChannels,
        Integer sampleSize,
        boolean centerInputSample,
        boolean flipSinToCos,
        double freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        List<Integer> blockOutChannels,
        int layersPerBlock,
        int downsamplePadding,
        double midBlockScaleFactor,
        int normNumGroups,
        double normEps,
        int crossAttentionDim,
        List<Integer> attentionHeads,
        List<Integer> transformerLayersPerBlock,
        boolean useLinearProjection,
        int timeEmbeddingDim) {

    public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    public static final String DOWN = "DownBlock2D";
    public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";
    public static final String UP = "UpBlock2D";
    public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";

    private static final String SOURCE = "UNet config";

    public UNetConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        blockOutChannels = List.copyOf(blockOutChannels);
        attentionHeads = List.copyOf(attentionHeads);
        transformerLayersPerBlock = List.copyOf(transformerLayersPerBlock);
        int n = blockOutChannels.size();
        if (n == 0) throw bad("block_out_channels", "must not be empty");
        if (downBlockTypes.size() != n) throw bad("down_block_types", "has " + downBlockTypes.size() + " entries but block_out_channels has " + n);
        if (upBlockTypes.size() != n) throw bad("up_block_types", "has " + upBlockTypes.size() + " entries but block_out_channels has " + n);
        if (attentionHeads.size() != n) throw bad("attention_head_dim", "needs one entry per block (" + n + ")");
        if (transformerLayersPerBlock.size() != n) throw bad("transformer_layers_per_block", "needs one entry per block (" + n + ")");
        checkTypes("down_block_types", downBlockTypes, Set.of(CROSS_ATTN_DOWN, DOWN));
        checkTypes("up_block_types", upBlockTypes, Set.of(CROSS_ATTN_UP, UP));
        if (!MID_CROSS_ATTN.equals(midBlockType)) throw bad("mid_block_type", "= '" + midBlockType + "' is not supported (supported: " + MID_CROSS_ATTN + ")");
        positive("in_channels", inChannels);
        positive("out_channels", outChannels);
        positive("layers_per_block", layersPerBlock);
        positive("norm_num_groups", normNumGroups);
        positive("cross_attention_dim", crossAttentionDim);
        positive("time_embedding_dim", timeEmbeddingDim);
        if (sampleSize != null) positive("sample_size", sampleSize);
        if (!(normEps > 0)) throw bad("norm_eps", "must be > 0, not " + normEps);
        if (downsamplePadding != 0 && downsamplePadding != 1) throw bad("downsample_padding", "must be 0 or 1, not " + downsamplePadding);
        for (int i = 0; i < n; i++) {
            int c = blockOutChannels.get(i);
            positive("block_out_channels[" + i + "]", c);
            if (c % normNumGroups != 0) throw bad("block_out_channels", "entry " + c + " is not divisible by norm_num_groups " + normNumGroups);
            positive("attention_head_dim[" + i + "]", attentionHeads.get(i));
            positive("transformer_layers_per_block[" + i + "]", transformerLayersPerBlock.get(i));
            boolean attends = CROSS_ATTN_DOWN.equals(downBlockTypes.get(i)) || CROSS_ATTN_UP.equals(upBlockTypes.get(n - 1 - i)) || i == n - 1;
            if (attends && c % attentionHeads.get(i) != 0) {
                throw bad("attention_head_dim", "block " + i + ": " + c + " channels are not divisible by " + attentionHeads.get(i) + " heads");
            }
        }
    }

    private static GroundiffException bad(String key, String message) {
        return new GroundiffException(SOURCE + ": '" + key + "' " + message);
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw bad(key, "must be positive, not " + v);
    }

    private static void checkTypes(String key, List<String> types, Set<String> supported) {
        for (int i = 0; i < types.size(); i++) {
            if (!supported.contains(types.get(i))) {
                throw bad(key, "entry " + i + " = '" + types.get(i) + "' is not supported (supported: " + String.join(", ", new java.util.TreeSet<>(supported)) + ")");
            }
        }
    }

    public int numBlocks() {
        return blockOutChannels.size();
    }

    public static UNetConfig read(Path configJson) {
        return fromJson(ConfigReader.parseFile(configJson), configJson.toString());
    }

    public static UNetConfig fromJson(JsonObject json) {
        return fromJson(json, SOURCE);
    }

    /** Parses {@code json}; errors name {@code source} (the file) and the key. */
    public static UNetConfig fromJson(JsonObject json, String source) {
        ConfigReader r = new ConfigReader(json, source);
        r.requireClass("UNet2DConditionModel");
        List<Integer> channels = r.intList("block_out_channels", List.of(320, 640, 1280, 1280));
        int n = channels.size();
        if (!r.isNull("num_attention_heads")) {
            throw r.error("num_attention_heads", "must be null: diffusers 0.24 reads the head count of SD v1.x from attention_head_dim");
        }
        if (r.isArray("cross_attention_dim")) throw r.error("cross_attention_dim", "per-block lists are not supported");
        if (r.isArray("layers_per_block")) throw r.error("layers_per_block", "per-block lists are not supported");
        r.requireDefault("act_fn", "silu", "only SiLU");
        r.requireNull("addition_embed_type", "SDXL-style added embeddings");
        r.requireNull("addition_time_embed_dim", "SDXL-style added embeddings");
        r.requireDefault("attention_type", "default", "");
        r.requireNull("class_embed_type", "class embeddings");
        r.requireDefault("class_embeddings_concat", false, "class embeddings");
        r.requireNull("num_class_embeds", "class embeddings");
        r.requireNull("projection_class_embeddings_input_dim", "class embeddings");
        r.requireDefault("conv_in_kernel", 3, "");
        r.requireDefault("conv_out_kernel", 3, "");
        r.requireNull("cross_attention_norm", "");
        r.requireDefault("dual_cross_attention", false, "");
        r.requireNull("encoder_hid_dim", "");
        r.requireNull("encoder_hid_dim_type", "");
        r.requireDefault("mid_block_only_cross_attention", false, "");
        r.requireDefault("only_cross_attention", false, "");
        r.requireDefault("resnet_out_scale_factor", 1.0, "");
        r.requireDefault("resnet_skip_time_act", false, "");
        r.requireDefault("resnet_time_scale_shift", "default", "");
        r.requireNull("reverse_transformer_layers_per_block", "");
        r.requireNull("time_cond_proj_dim", "");
        r.requireNull("time_embedding_act_fn", "");
        r.requireDefault("time_embedding_type", "positional", "");
        r.requireNull("timestep_post_act", "");
        r.requireDefault("upcast_attention", false, "SD 2.x attention upcasting");
        // addition_embed_type_num_heads only matters with addition_embed_type (rejected above); dropout is inactive at inference
        r.ignore("addition_embed_type_num_heads", "dropout");
        int timeDim = r.isNull("time_embedding_dim") ? channels.get(0) * 4 : r.integer("time_embedding_dim", 0);
        UNetConfig c;
        try {
            c = new UNetConfig(
                r.integer("in_channels", 4),
                r.integer("out_channels", 4),
                r.isNull("sample_size") ? null : r.integer("sample_size", 0),
                r.bool("center_input_sample", false),
                r.bool("flip_sin_to_cos", true),
                r.number("freq_shift", 0),
                r.stringList("down_block_types", List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN)),
                r.string("mid_block_type", MID_CROSS_ATTN),
                r.stringList("up_block_types", List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP)),
                channels,
                r.integer("layers_per_block", 2),
                r.integer("downsample_padding", 1),
                r.number("mid_block_scale_factor", 1),
                r.integer("norm_num_groups", 32),
                r.number("norm_eps", 1e-5),
                r.integer("cross_attention_dim", 1280),
                r.intOrList("attention_head_dim", 8, n),
                r.intOrList("transformer_layers_per_block", 1, n),
                r.bool("use_linear_projection", false),
                timeDim);
        } catch (GroundiffException e) {
            // the record's checks name the key; say which file it came from
            throw new GroundiffException(source + e.getMessage().substring(SOURCE.length()));
        }
        r.finish();
        return c;
    }
}
