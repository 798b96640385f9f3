package dev.groundiff.diffusion.pipeline;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.unet.TapRequest;
import org.bytedeco.pytorch.Tensor;

import java.util.List;

/**
 * Settings of one text-to-image call, as diffusers' StableDiffusionPipeline takes them.
 *
 * @param featureStep index of the denoising step (0-based) whose UNet call returns {@code taps};
 *                    -1 means the last step, the official code's choice
 * @param initLatents initial noise [batch, 4, h/8, w/8], or null to draw it from the seed
 * @param traceCrossAttention accumulate the conditional cross-attention maps over all steps (DAAM)
 */
public record GenerationRequest(List<String> prompts, String negativePrompt, long seed, int steps, double guidance,
                                int height, int width, double eta, Tensor initLatents, TapRequest taps, int featureStep,
                                boolean traceCrossAttention) {
    public GenerationRequest {
        if (prompts == null || prompts.isEmpty()) throw new GroundiffException("at least one prompt is required");
        if (negativePrompt == null) negativePrompt = "";
        if (steps < 1) throw new GroundiffException("--steps must be at least 1, got " + steps);
        if (height <= 0 || width <= 0 || height % 8 != 0 || width % 8 != 0) {
            throw new GroundiffException("height and width must be positive multiples of 8, got " + height + "x" + width);
        }
        if (eta < 0) throw new GroundiffException("eta must be >= 0, got " + eta);
        if (featureStep < -1 || featureStep >= steps) {
            throw new GroundiffException("--feature-step must be in [0, " + (steps - 1) + "] or -1 (last step), got " + featureStep);
        }
        if (taps == null) taps = TapRequest.NONE;
        prompts = List.copyOf(prompts);
    }

    public static GenerationRequest of(List<String> prompts, long seed, int steps, double guidance, int height, int width) {
        return new GenerationRequest(prompts, "", seed, steps, guidance, height, width, 0, null, TapRequest.NONE, -1, false);
    }

    public GenerationRequest withNegativePrompt(String p) {
        return new GenerationRequest(prompts, p, seed, steps, guidance, height, width, eta, initLatents, taps, featureStep, traceCrossAttention);
    }

    public GenerationRequest withEta(double e) {
        return new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, height, width, e, initLatents, taps, featureStep, traceCrossAttention);
    }

    public GenerationRequest withInitLatents(Tensor t) {
        return new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, height, width, eta, t, taps, featureStep, traceCrossAttention);
    }

    public GenerationRequest withTaps(TapRequest t, int step) {
        return new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, height, width, eta, initLatents, t, step, traceCrossAttention);
    }

    public GenerationRequest withCrossAttentionTrace(boolean on) {
        return new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, height, width, eta, initLatents, taps, featureStep, on);
    }

    public boolean classifierFreeGuidance() {
        return guidance > 1;
    }

    /** The step index whose taps are returned. */
    public int tapStepIndex() {
        return featureStep < 0 ? steps - 1 : featureStep;
    }
}
