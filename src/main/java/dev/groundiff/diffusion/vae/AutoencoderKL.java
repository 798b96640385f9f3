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

    private static void check(String what, Tensor t, int channels) {
        long[] s = Tensors.shape(t);
        if (s.length != 4 || s[1] != channels) {
            throw new GroundiffException("VAE " + what + " must be [B, " + channels + ", H, W], got " + Arrays.toString(s));
        }
    }
}
