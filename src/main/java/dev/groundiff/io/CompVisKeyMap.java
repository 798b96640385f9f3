package dev.groundiff.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The key correspondence between the CompVis single-file layout of Stable Diffusion v1.x
 * ({@code model.diffusion_model.*}, {@code first_stage_model.*}, {@code cond_stage_model.transformer.*})
 * and the diffusers/transformers layout, derived from the UNet and VAE configs (block count and
 * layers per block), so it holds for any widths and depths. Each rule maps a block prefix; resnet
 * and attention rules also rename the module names inside the block.
 */
public final class CompVisKeyMap {
    public static final String UNET = "unet", VAE = "vae", TEXT_ENCODER = "text_encoder";

    /** Where a single-file key goes: the diffusers part and key; {@code squeeze}: drop a trailing 1x1. */
    public record Target(String part, String key, boolean squeeze) {}

    private record Rename(String compvis, String diffusers, boolean squeezeWeight) {}

    private record Rule(String part, String compvis, String diffusers, List<Rename> inner) {}

    static final String UNET_PREFIX = "model.diffusion_model.", VAE_PREFIX = "first_stage_model.", TEXT_PREFIX = "cond_stage_model.transformer.";

    /** Single-file keys that carry no diffusers weight (LatentDiffusion buffers, EMA bookkeeping, CLIP's position ids). */
    private static final Set<String> IGNORED = Set.of(
            "betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
            "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod",
            "posterior_variance", "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2",
            "logvar", "model_ema.decay", "model_ema.num_updates",
            TEXT_PREFIX + "text_model.embeddings.position_ids", TEXT_PREFIX + "embeddings.position_ids");

    private static final List<Rename> UNET_RESNET = List.of(
            new Rename("in_layers.0.", "norm1.", false), new Rename("in_layers.2.", "conv1.", false),
            new Rename("emb_layers.1.", "time_emb_proj.", false), new Rename("out_layers.0.", "norm2.", false),
            new Rename("out_layers.3.", "conv2.", false), new Rename("skip_connection.", "conv_shortcut.", false));
    private static final List<Rename> VAE_RESNET = List.of(new Rename("nin_shortcut.", "conv_shortcut.", false));
    private static final List<Rename> VAE_ATTENTION = List.of(
            new Rename("norm.", "group_norm.", false), new Rename("q.", "to_q.", true), new Rename("k.", "to_k.", true),
            new Rename("v.", "to_v.", true), new Rename("proj_out.", "to_out.0.", true));

    private final List<Rule> rules = new ArrayList<>();

    private CompVisKeyMap() {}

    /** The map for a UNet and VAE of these diffusers configs. */
    public static CompVisKeyMap of(JsonObject unetConfig, JsonObject vaeConfig) {
        CompVisKeyMap m = new CompVisKeyMap();
        m.addUnet(unetConfig);
        m.addVae(vaeConfig);
        m.rules.add(new Rule(TEXT_ENCODER, TEXT_PREFIX, "", List.of()));
        return m;
    }

    private void add(String part, String compvis, String diffusers, List<Rename> inner) {
        String p = part.equals(UNET) ? UNET_PREFIX : part.equals(VAE) ? VAE_PREFIX : TEXT_PREFIX;
        rules.add(new Rule(part, p + compvis, diffusers, inner));
    }

    private void addUnet(JsonObject c) {
        int blocks = c.getAsJsonArray("block_out_channels").size();
        int layers = c.get("layers_per_block").getAsInt();
        JsonArray down = c.getAsJsonArray("down_block_types"), up = c.getAsJsonArray("up_block_types");
        add(UNET, "time_embed.0.", "time_embedding.linear_1.", List.of());
        add(UNET, "time_embed.2.", "time_embedding.linear_2.", List.of());
        add(UNET, "input_blocks.0.0.", "conv_in.", List.of());
        add(UNET, "out.0.", "conv_norm_out.", List.of());
        add(UNET, "out.2.", "conv_out.", List.of());
        for (int i = 0; i < blocks; i++) {
            boolean attn = down.get(i).getAsString().contains("CrossAttn");
            for (int j = 0; j < layers; j++) {
                int n = 1 + i * (layers + 1) + j;
                add(UNET, "input_blocks." + n + ".0.", "down_blocks." + i + ".resnets." + j + ".", UNET_RESNET);
                if (attn) add(UNET, "input_blocks." + n + ".1.", "down_blocks." + i + ".attentions." + j + ".", List.of());
            }
            if (i < blocks - 1) add(UNET, "input_blocks." + (i + 1) * (layers + 1) + ".0.op.", "down_blocks." + i + ".downsamplers.0.conv.", List.of());
        }
        add(UNET, "middle_block.0.", "mid_block.resnets.0.", UNET_RESNET);
        add(UNET, "middle_block.1.", "mid_block.attentions.0.", List.of());
        add(UNET, "middle_block.2.", "mid_block.resnets.1.", UNET_RESNET);
        for (int i = 0; i < blocks; i++) {
            boolean attn = up.get(i).getAsString().contains("CrossAttn");
            for (int j = 0; j <= layers; j++) {
                int n = i * (layers + 1) + j;
                add(UNET, "output_blocks." + n + ".0.", "up_blocks." + i + ".resnets." + j + ".", UNET_RESNET);
                if (attn) add(UNET, "output_blocks." + n + ".1.", "up_blocks." + i + ".attentions." + j + ".", List.of());
                if (i < blocks - 1 && j == layers) {
                    add(UNET, "output_blocks." + n + "." + (attn ? 2 : 1) + ".conv.", "up_blocks." + i + ".upsamplers.0.conv.", List.of());
                }
            }
        }
    }

    private void addVae(JsonObject c) {
        int blocks = c.getAsJsonArray("block_out_channels").size();
        int layers = c.get("layers_per_block").getAsInt();
        for (String s : new String[] {"encoder.conv_in.", "encoder.conv_out.", "decoder.conv_in.", "decoder.conv_out.", "quant_conv.", "post_quant_conv."}) {
            add(VAE, s, s, List.of());
        }
        for (String side : new String[] {"encoder", "decoder"}) {
            add(VAE, side + ".norm_out.", side + ".conv_norm_out.", List.of());
            add(VAE, side + ".mid.block_1.", side + ".mid_block.resnets.0.", VAE_RESNET);
            add(VAE, side + ".mid.block_2.", side + ".mid_block.resnets.1.", VAE_RESNET);
            add(VAE, side + ".mid.attn_1.", side + ".mid_block.attentions.0.", VAE_ATTENTION);
        }
        for (int i = 0; i < blocks; i++) {
            for (int j = 0; j < layers; j++) {
                add(VAE, "encoder.down." + i + ".block." + j + ".", "encoder.down_blocks." + i + ".resnets." + j + ".", VAE_RESNET);
            }
            if (i < blocks - 1) add(VAE, "encoder.down." + i + ".downsample.conv.", "encoder.down_blocks." + i + ".downsamplers.0.conv.", List.of());
            int k = blocks - 1 - i; // the decoder's up blocks are numbered in reverse
            for (int j = 0; j <= layers; j++) {
                add(VAE, "decoder.up." + k + ".block." + j + ".", "decoder.up_blocks." + i + ".resnets." + j + ".", VAE_RESNET);
            }
            if (i < blocks - 1) add(VAE, "decoder.up." + k + ".upsample.conv.", "decoder.up_blocks." + i + ".upsamplers.0.conv.", List.of());
        }
    }

    /** Whether a single-file key is deliberately dropped (schedule buffers, EMA, position ids). */
    public static boolean ignored(String key) {
        return IGNORED.contains(key) || key.startsWith("model_ema.");
    }

    /** The diffusers target of a single-file key, or null when no rule covers it. */
    public Target toDiffusers(String key) {
        Rule best = null;
        for (Rule r : rules) {
            if (key.startsWith(r.compvis) && (best == null || r.compvis.length() > best.compvis.length())) best = r;
        }
        if (best == null) return null;
        String rest = key.substring(best.compvis.length());
        for (Rename n : best.inner) {
            if (rest.startsWith(n.compvis)) {
                String tail = rest.substring(n.compvis.length());
                return new Target(best.part, best.diffusers + n.diffusers + tail, n.squeezeWeight && tail.equals("weight"));
            }
        }
        return new Target(best.part, best.diffusers + rest, false);
    }

    /**
     * The single-file key of a diffusers key of {@code part}; {@code Target.squeeze} tells that the
     * single file holds the weight as a 1x1 conv. Null when no rule covers it.
     */
    public Target toCompVis(String part, String key) {
        Rule best = null;
        for (Rule r : rules) {
            if (r.part.equals(part) && key.startsWith(r.diffusers) && (best == null || r.diffusers.length() > best.diffusers.length())) best = r;
        }
        if (best == null) return null;
        String rest = key.substring(best.diffusers.length());
        for (Rename n : best.inner) {
            if (rest.startsWith(n.diffusers)) {
                String tail = rest.substring(n.diffusers.length());
                return new Target(part, best.compvis + n.compvis + tail, n.squeezeWeight && tail.equals("weight"));
            }
        }
        return new Target(part, best.compvis + rest, false);
    }

    static GroundiffException unexpected(String source, String key) {
        return new GroundiffException(source + ": unexpected key '" + key + "' (not part of a Stable Diffusion v1 single-file checkpoint)");
    }
}
