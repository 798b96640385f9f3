package dev.groundiff.diffusion.pipeline;

import dev.groundiff.diffusion.unet.FeatureTaps;
import org.bytedeco.pytorch.Tensor;

import java.util.Map;

/**
 * What a text-to-image call produced.
 *
 * @param noise            the initial latents [B, 4, h/8, w/8]
 * @param latents          final latents, before the VAE scaling
 * @param image            decoded image (x/2 + 0.5).clamp(0, 1), [B, 3, H, W] float32
 * @param promptEmbeds     the UNet conditioning [(2)B, 77, D]: [uncond..., cond...] with guidance
 * @param taps             the feature taps of the chosen step (CFG batch), or null
 * @param crossAttentionSums per cross-attention layer, the conditional half's probabilities summed over
 *                         all steps [B, heads, HW, 77], or null unless traced
 * @param timesteps        the DDIM timesteps used
 */
public record GenerationResult(Tensor noise, Tensor latents, Tensor image, Tensor promptEmbeds, FeatureTaps taps,
                               Map<String, Tensor> crossAttentionSums, long[] timesteps, boolean[] truncated) {
}
