package dev.groundiff.diffusion.vae;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.blocks.Capture;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.Conv2d;
import dev.groundiff.torch.nn.Layer;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;

import java.util.Arrays;
import java.util.Map;

/**
 * diffusers 0.24 {@code AutoencoderKL} (SD v1.x VAE), parameter names equal to its state-dict keys.
 * No latent scaling inside: the pipeline multiplies by {@link VaeConfig#scalingFactor()} after
 * encoding and divides before decoding.
 */
public final class AutoencoderKL extends Layer {
    private final VaeConfig config;
    private final Encoder encoder;
    private final Decoder decoder;
    private final Conv2d quantConv;
    private final Conv2d postQuantConv;

    public AutoencoderKL(ParamFactory f, VaeConfig c) {
        this.config = c;
        long latent = c.latentChannels();
        encoder = child("encoder", new Encoder(f, c));
        decoder = child("decoder", new Decoder(f, c));
        quantConv = child("quant_conv", new Conv2d(f, 2 * latent, 2 * latent, 1, 1, 0));
        postQuantConv = child("post_quant_conv", new Conv2d(f, latent, latent, 1, 1, 0));
    }

    public VaeConfig config() {
        return config;
    }

    /** {@code image} [B, in_channels, H, W] in [-1, 1] -> the latent distribution at H/8 x W/8. */
    public LatentDistribution encode(Tensor image) {
        return encode(image, null);
    }

    /** As {@link #encode(Tensor)}, recording module outputs by diffusers path into {@code moduleOutputs} (verification; null in production). */
    public LatentDistribution encode(Tensor image, Map<String, Tensor> moduleOutputs) {
        check("image", image, config.inChannels());
        Capture cap = Capture.of(moduleOutputs, null);
        Tensor moments = quantConv.forward(encoder.forward(image, cap.at("encoder")));
        cap.at("quant_conv").output(moments);
        return LatentDistribution.fromMoments(moments);
    }

    /** {@code latents} [B, latent_channels, h, w] (already divided by the scaling factor) -> image [B, out_channels, 8h, 8w]. */
    public Tensor decode(Tensor latents) {
        return decode(latents, null);
    }

    public Tensor decode(Tensor latents, Map<String, Tensor> moduleOutputs) {
        check("latents", latents, config.latentChannels());
        Capture cap = Capture.of(moduleOutputs, null);
        Tensor z = cap.at("post_quant_conv").output(postQuantConv.forward(latents));
        return decoder.forward(z, cap.at("decoder"));
    }

    private static final java.util.regex.Pattern DEPRECATED_ATTENTION =
            java.util.regex.Pattern.compile("^((?:encoder|decoder)\\.mid_block\\.attentions\\.\\d+\\.)(query|key|value|proj_attn)(\\.(?:weight|bias))$");

    /**
     * VAE weights saved before diffusers 0.14 (the SD v1.x Hub uploads) name the mid-block attention
     * {@code query/key/value/proj_attn}; diffusers renames them on load to {@code to_q/to_k/to_v/to_out.0}
     * (same shapes). Returns {@code weights} with those keys renamed, everything else unchanged, in order.
     */
    public static Map<String, Tensor> renameDeprecatedAttentionKeys(Map<String, Tensor> weights) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            java.util.regex.Matcher m = DEPRECATED_ATTENTION.matcher(e.getKey());
            String key = e.getKey();
            if (m.matches()) {
                String name = switch (m.group(2)) {
                    case "query" -> "to_q";
                    case "key" -> "to_k";
                    case "value" -> "to_v";
                    default -> "to_out.0";
                };
                key = m.group(1) + name + m.group(3);
            }
            if (out.put(key, e.getValue()) != null) {
                throw new GroundiffException("VAE weights hold both the old and the new name of '" + key + "'");
            }
        }
        return out;
    }

    private static void check(String what, Tensor t, int channels) {
        long[] s = Tensors.shape(t);
        if (s.length != 4 || s[1] != channels) {
            throw new GroundiffException("VAE " + what + " must be [B, " + channels + ", H, W], got " + Arrays.toString(s));
        }
    }
}
