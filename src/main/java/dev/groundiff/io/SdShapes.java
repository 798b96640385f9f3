package dev.groundiff.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-dict keys and shapes of Stable Diffusion v1.x parts as diffusers / transformers define
 * them ({@code UNet2DConditionModel}, {@code AutoencoderKL}, {@code CLIPTextModel}), computed from a
 * part's config. Lets a single-file checkpoint be checked (missing, unexpected, misshaped keys)
 * before any model is built.
 */
public final class SdShapes {
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    private SdShapes() {}

    /** Keys and shapes of {@code part} ({@code unet}, {@code vae}, {@code text_encoder}) for its config. */
    public static Map<String, long[]> of(String part, JsonObject config) {
        SdShapes s = new SdShapes();
        try {
            switch (part) {
                case ModelSource.UNET -> s.unet(config);
                case ModelSource.VAE -> s.vae(config);
                case ModelSource.TEXT_ENCODER -> s.textEncoder(config);
                default -> throw new GroundiffException("no weights for part '" + part + "'");
            }
        } catch (NullPointerException | ClassCastException | IllegalStateException | UnsupportedOperationException e) {
            throw new GroundiffException(part + " config lacks or misstates a field the architecture needs (" + e.getMessage() + ")");
        }
        return s.shapes;
    }

    private void put(String key, long... shape) {
        shapes.put(key, shape);
    }

    private void linear(String p, long out, long in, boolean bias) {
        put(p + "weight", out, in);
        if (bias) put(p + "bias", out);
    }

    private void conv(String p, long out, long in, long k) {
        put(p + "weight", out, in, k, k);
        put(p + "bias", out);
    }

    private void norm(String p, long ch) {
        put(p + "weight", ch);
        put(p + "bias", ch);
    }

    private static long[] channels(JsonObject c) {
        JsonArray a = c.getAsJsonArray("block_out_channels");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }

    private void unet(JsonObject c) {
        long[] ch = channels(c);
        int n = ch.length, layers = c.get("layers_per_block").getAsInt();
        long temb = ch[0] * 4, cross = c.get("cross_attention_dim").getAsLong();
        int depth = c.has("transformer_layers_per_block") && c.get("transformer_layers_per_block").isJsonPrimitive()
                ? c.get("transformer_layers_per_block").getAsInt() : 1;
        boolean linearProj = c.has("use_linear_projection") && c.get("use_linear_projection").getAsBoolean();
        JsonArray down = c.getAsJsonArray("down_block_types"), up = c.getAsJsonArray("up_block_types");
        conv("conv_in.", ch[0], c.get("in_channels").getAsLong(), c.has("conv_in_kernel") ? c.get("conv_in_kernel").getAsLong() : 3);
        linear("time_embedding.linear_1.", temb, ch[0], true);
        linear("time_embedding.linear_2.", temb, temb, true);
        for (int i = 0; i < n; i++) {
            long in = i == 0 ? ch[0] : ch[i - 1], out = ch[i];
            String p = "down_blocks." + i + ".";
            boolean attn = down.get(i).getAsString().contains("CrossAttn");
            for (int j = 0; j < layers; j++) {
                if (attn) transformer(p + "attentions." + j + ".", out, cross, depth, linearProj);
                unetResnet(p + "resnets." + j + ".", j == 0 ? in : out, out, temb);
            }
            if (i < n - 1) conv(p + "downsamplers.0.conv.", out, out, 3);
        }
        long[] rev = new long[n];
        for (int i = 0; i < n; i++) rev[i] = ch[n - 1 - i];
        for (int i = 0; i < n; i++) {
            long out = rev[i], prev = i == 0 ? rev[0] : rev[i - 1], in = rev[Math.min(i + 1, n - 1)];
            String p = "up_blocks." + i + ".";
            boolean attn = up.get(i).getAsString().contains("CrossAttn");
            for (int j = 0; j <= layers; j++) {
                if (attn) transformer(p + "attentions." + j + ".", out, cross, depth, linearProj);
                long skip = j == layers ? in : out;
                unetResnet(p + "resnets." + j + ".", (j == 0 ? prev : out) + skip, out, temb);
            }
            if (i < n - 1) conv(p + "upsamplers.0.conv.", out, out, 3);
        }
        long last = ch[n - 1];
        transformer("mid_block.attentions.0.", last, cross, depth, linearProj);
        unetResnet("mid_block.resnets.0.", last, last, temb);
        unetResnet("mid_block.resnets.1.", last, last, temb);
        norm("conv_norm_out.", ch[0]);
        conv("conv_out.", c.get("out_channels").getAsLong(), ch[0], c.has("conv_out_kernel") ? c.get("conv_out_kernel").getAsLong() : 3);
    }

    private void unetResnet(String p, long in, long out, long temb) {
        norm(p + "norm1.", in);
        conv(p + "conv1.", out, in, 3);
        linear(p + "time_emb_proj.", out, temb, true);
        norm(p + "norm2.", out);
        conv(p + "conv2.", out, out, 3);
        if (in != out) conv(p + "conv_shortcut.", out, in, 1);
    }

    private void transformer(String p, long ch, long cross, int depth, boolean linearProj) {
        norm(p + "norm.", ch);
        if (linearProj) linear(p + "proj_in.", ch, ch, true); else conv(p + "proj_in.", ch, ch, 1);
        for (int d = 0; d < depth; d++) {
            String b = p + "transformer_blocks." + d + ".";
            norm(b + "norm1.", ch);
            attention(b + "attn1.", ch, ch);
            norm(b + "norm2.", ch);
            attention(b + "attn2.", ch, cross);
            norm(b + "norm3.", ch);
            linear(b + "ff.net.0.proj.", ch * 8, ch, true); // GEGLU: two halves of 4*ch
            linear(b + "ff.net.2.", ch, ch * 4, true);
        }
        if (linearProj) linear(p + "proj_out.", ch, ch, true); else conv(p + "proj_out.", ch, ch, 1);
    }

    private void attention(String p, long ch, long context) {
        linear(p + "to_q.", ch, ch, false);
        linear(p + "to_k.", ch, context, false);
        linear(p + "to_v.", ch, context, false);
        linear(p + "to_out.0.", ch, ch, true);
    }

    private void vae(JsonObject c) {
        long[] ch = channels(c);
        int n = ch.length, layers = c.get("layers_per_block").getAsInt();
        long lat = c.get("latent_channels").getAsLong(), last = ch[n - 1];
        conv("encoder.conv_in.", ch[0], c.get("in_channels").getAsLong(), 3);
        for (int i = 0; i < n; i++) {
            long in = i == 0 ? ch[0] : ch[i - 1], out = ch[i];
            for (int j = 0; j < layers; j++) vaeResnet("encoder.down_blocks." + i + ".resnets." + j + ".", j == 0 ? in : out, out);
            if (i < n - 1) conv("encoder.down_blocks." + i + ".downsamplers.0.conv.", out, out, 3);
        }
        vaeMid("encoder.mid_block.", last);
        norm("encoder.conv_norm_out.", last);
        conv("encoder.conv_out.", 2 * lat, last, 3);
        conv("decoder.conv_in.", last, lat, 3);
        for (int i = 0; i < n; i++) {
            long out = ch[n - 1 - i], prev = i == 0 ? ch[n - 1] : ch[n - i];
            for (int j = 0; j <= layers; j++) vaeResnet("decoder.up_blocks." + i + ".resnets." + j + ".", j == 0 ? prev : out, out);
            if (i < n - 1) conv("decoder.up_blocks." + i + ".upsamplers.0.conv.", out, out, 3);
        }
        vaeMid("decoder.mid_block.", last);
        norm("decoder.conv_norm_out.", ch[0]);
        conv("decoder.conv_out.", c.get("out_channels").getAsLong(), ch[0], 3);
        conv("quant_conv.", 2 * lat, 2 * lat, 1);
        conv("post_quant_conv.", lat, lat, 1);
    }

    private void vaeResnet(String p, long in, long out) {
        norm(p + "norm1.", in);
        conv(p + "conv1.", out, in, 3);
        norm(p + "norm2.", out);
        conv(p + "conv2.", out, out, 3);
        if (in != out) conv(p + "conv_shortcut.", out, in, 1);
    }

    private void vaeMid(String p, long ch) {
        norm(p + "attentions.0.group_norm.", ch);
        for (String s : new String[] {"to_q.", "to_k.", "to_v.", "to_out.0."}) linear(p + "attentions.0." + s, ch, ch, true);
        vaeResnet(p + "resnets.0.", ch, ch);
        vaeResnet(p + "resnets.1.", ch, ch);
    }

    private void textEncoder(JsonObject c) {
        long h = c.get("hidden_size").getAsLong(), inter = c.get("intermediate_size").getAsLong();
        put("text_model.embeddings.token_embedding.weight", c.get("vocab_size").getAsLong(), h);
        put("text_model.embeddings.position_embedding.weight", c.get("max_position_embeddings").getAsLong(), h);
        for (int l = 0; l < c.get("num_hidden_layers").getAsInt(); l++) {
            String p = "text_model.encoder.layers." + l + ".";
            for (String s : new String[] {"k_proj.", "v_proj.", "q_proj.", "out_proj."}) linear(p + "self_attn." + s, h, h, true);
            norm(p + "layer_norm1.", h);
            linear(p + "mlp.fc1.", inter, h, true);
            linear(p + "mlp.fc2.", h, inter, true);
            norm(p + "layer_norm2.", h);
        }
        norm("text_model.final_layer_norm.", h);
    }
}
