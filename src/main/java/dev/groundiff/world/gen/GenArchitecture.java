package dev.groundiff.world.gen;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.clip.ClipTextConfig;
import dev.groundiff.diffusion.scheduler.DdimSchedulerConfig;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.VaeConfig;

import java.util.List;

/**
 * The world's generative models as diffusers-style config records: the same classes as Stable
 * Diffusion at small sizes. Each part is kept as the JSON that goes into its {@code config.json}, so
 * what is trained is exactly what {@code StableDiffusion.load} later builds from the folder.
 *
 * @param vae       AutoencoderKL config (64x64x3 -> 16x16x4 at the default size)
 * @param text      CLIP text model config (standard 49408-token vocabulary)
 * @param unet      UNet2DConditionModel config; cross_attention_dim = the text width
 * @param scheduler scheduler_config.json
 */
public record GenArchitecture(JsonObject vae, JsonObject text, JsonObject unet, JsonObject scheduler) {
    public GenArchitecture {
        // parse once: a bad combination fails here, naming the key
        VaeConfig v = VaeConfig.fromJson(vae);
        ClipTextConfig t = ClipTextConfig.fromJson(text);
        UNetConfig u = UNetConfig.fromJson(unet);
        DdimSchedulerConfig.fromJson(scheduler);
        if (u.crossAttentionDim() != t.hiddenSize()) {
            throw new dev.groundiff.GroundiffException("unet cross_attention_dim " + u.crossAttentionDim() + " != text hidden_size " + t.hiddenSize());
        }
        if (u.inChannels() != v.latentChannels()) {
            throw new dev.groundiff.GroundiffException("unet in_channels " + u.inChannels() + " != vae latent_channels " + v.latentChannels());
        }
    }

    /**
     * The shipped size: VAE [16, 32, 64] (factor 4), text width 64 x 2 layers, and a UNet shaped like
     * SD v1's (channels C, 2C, 4C, 4C with C = 32, two res blocks per level, 8.6 M weights) at 16x16, so
     * that the grounding module reads the same 25 taps from it as from Stable Diffusion.
     */
    public static GenArchitecture world() {
        return new GenArchitecture(vaeJson(List.of(16, 32, 64), 1, 16, 64),
                textJson(64, 2, 4, 256),
                unetJson(List.of(32, 64, 128, 128), 2, 16, 64, List.of(4, 4, 8, 8), 16),
                schedulerJson());
    }

    /** A minute size for tests (same structure, a few thousand weights besides the token embedding). */
    public static GenArchitecture tiny() {
        return new GenArchitecture(vaeJson(List.of(8, 8), 1, 4, 32),
                textJson(8, 1, 2, 16),
                unetJson(List.of(8, 16), 1, 4, 8, List.of(2, 2), 16),
                schedulerJson());
    }

    public VaeConfig vaeConfig() {
        return VaeConfig.fromJson(vae);
    }

    public ClipTextConfig textConfig() {
        return ClipTextConfig.fromJson(text);
    }

    public UNetConfig unetConfig() {
        return UNetConfig.fromJson(unet);
    }

    public DdimSchedulerConfig schedulerConfig() {
        return DdimSchedulerConfig.fromJson(scheduler);
    }

    /** The latent side for images of {@code imageSize} pixels. */
    public int latentSize(int imageSize) {
        return imageSize / vaeConfig().downsampleFactor();
    }

    /** A copy with the VAE's latent scaling factor set (measured after VAE training). */
    public GenArchitecture withScalingFactor(double s) {
        JsonObject v = vae.deepCopy();
        v.addProperty("scaling_factor", s);
        return new GenArchitecture(v, text, unet, scheduler);
    }

    private static JsonArray ints(List<Integer> xs) {
        JsonArray a = new JsonArray();
        xs.forEach(a::add);
        return a;
    }

    private static JsonArray strings(String s, int n) {
        JsonArray a = new JsonArray();
        for (int i = 0; i < n; i++) a.add(s);
        return a;
    }

    static JsonObject vaeJson(List<Integer> channels, int layers, int groups, int sampleSize) {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "AutoencoderKL");
        o.addProperty("act_fn", "silu");
        o.add("block_out_channels", ints(channels));
        o.add("down_block_types", strings(VaeConfig.DOWN_ENCODER, channels.size()));
        o.add("up_block_types", strings(VaeConfig.UP_DECODER, channels.size()));
        o.addProperty("in_channels", 3);
        o.addProperty("out_channels", 3);
        o.addProperty("latent_channels", 4);
        o.addProperty("layers_per_block", layers);
        o.addProperty("norm_num_groups", groups);
        o.addProperty("sample_size", sampleSize);
        o.addProperty("scaling_factor", 1.0);
        o.addProperty("force_upcast", false);
        return o;
    }

    static JsonObject textJson(int width, int layers, int heads, int intermediate) {
        JsonObject o = new JsonObject();
        o.add("architectures", strings("CLIPTextModel", 1));
        o.addProperty("model_type", "clip_text_model");
        o.addProperty("vocab_size", 49408);
        o.addProperty("hidden_size", width);
        o.addProperty("intermediate_size", intermediate);
        o.addProperty("num_hidden_layers", layers);
        o.addProperty("num_attention_heads", heads);
        o.addProperty("max_position_embeddings", 77);
        o.addProperty("hidden_act", "quick_gelu");
        o.addProperty("layer_norm_eps", 1e-5);
        o.addProperty("bos_token_id", 0);
        o.addProperty("eos_token_id", 2);
        o.addProperty("pad_token_id", 1);
        o.addProperty("projection_dim", width);
        o.addProperty("torch_dtype", "float32");
        return o;
    }

    static JsonObject unetJson(List<Integer> channels, int layers, int groups, int crossDim, List<Integer> heads, int sampleSize) {
        int n = channels.size();
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "UNet2DConditionModel");
        o.addProperty("act_fn", "silu");
        o.add("attention_head_dim", ints(heads));
        o.add("block_out_channels", ints(channels));
        o.addProperty("center_input_sample", false);
        o.addProperty("cross_attention_dim", crossDim);
        JsonArray down = new JsonArray(), up = new JsonArray();
        for (int i = 0; i < n; i++) down.add(i < n - 1 ? UNetConfig.CROSS_ATTN_DOWN : UNetConfig.DOWN);
        for (int i = 0; i < n; i++) up.add(i == 0 ? UNetConfig.UP : UNetConfig.CROSS_ATTN_UP);
        o.add("down_block_types", down);
        o.add("up_block_types", up);
        o.addProperty("mid_block_type", UNetConfig.MID_CROSS_ATTN);
        o.addProperty("downsample_padding", 1);
        o.addProperty("flip_sin_to_cos", true);
        o.addProperty("freq_shift", 0);
        o.addProperty("in_channels", 4);
        o.addProperty("out_channels", 4);
        o.addProperty("layers_per_block", layers);
        o.addProperty("mid_block_scale_factor", 1);
        o.addProperty("norm_eps", 1e-5);
        o.addProperty("norm_num_groups", groups);
        o.addProperty("sample_size", sampleSize);
        return o;
    }

    /** SD v1's schedule (scaled_linear 0.00085..0.012, 1000 steps, epsilon), as DDIM reads it. */
    static JsonObject schedulerJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "DDIMScheduler");
        o.addProperty("num_train_timesteps", 1000);
        o.addProperty("beta_start", 0.00085);
        o.addProperty("beta_end", 0.012);
        o.addProperty("beta_schedule", "scaled_linear");
        o.addProperty("clip_sample", false);
        o.addProperty("set_alpha_to_one", false);
        o.addProperty("steps_offset", 1);
        o.addProperty("prediction_type", "epsilon");
        o.addProperty("timestep_spacing", "leading");
        return o;
    }
}
