package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetInfo;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.unet.TapRequest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How every image of a dataset is generated (one prompt per call, empty negative prompt, DDIM, eta 0,
 * as the official {@code train.py}); recorded in the dataset so train and eval regenerate the same
 * image, features and cross-attention from a record's prompt and seed.
 *
 * @param featureStep the denoising step (0-based) whose UNet features are the grounding input
 */
public record ImageSettings(int steps, double guidance, int height, int width, int featureStep, String dtype) {
    public ImageSettings {
        if (steps < 1) throw new GroundiffException("--steps must be at least 1, got " + steps);
        if (featureStep < 0 || featureStep >= steps) throw new GroundiffException("--feature-step must be in [0, " + (steps - 1) + "] or -1 (last step), got " + featureStep);
        if (height <= 0 || width <= 0 || height % 8 != 0 || width % 8 != 0) throw new GroundiffException("--height and --width must be positive multiples of 8, got " + height + "x" + width);
    }

    /** {@code featureStep} -1 means the last step. */
    public static ImageSettings of(int steps, double guidance, int height, int width, int featureStep, String dtype) {
        return new ImageSettings(steps, guidance, height, width, featureStep < 0 ? steps - 1 : featureStep, dtype);
    }

    public GenerationRequest request(String prompt, long seed) {
        return GenerationRequest.of(List.of(prompt), seed, steps, guidance, height, width);
    }

    /** With the block taps of {@link #featureStep}. */
    public GenerationRequest requestWithFeatures(String prompt, long seed) {
        return request(prompt, seed).withTaps(TapRequest.blocks(), featureStep);
    }

    public void requireGuidance(String what) {
        if (guidance <= 1) throw new GroundiffException(what + " needs classifier-free guidance (--guidance > 1), the images were made with " + guidance);
    }

    /** The settings kept in {@link DatasetInfo#extra()} (steps and guidance have their own fields). */
    public Map<String, String> extra() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("height", Integer.toString(height));
        m.put("width", Integer.toString(width));
        m.put("feature_step", Integer.toString(featureStep));
        m.put("dtype", dtype);
        m.put("negative_prompt", "");
        m.put("scheduler", "DDIM eta=0");
        return m;
    }

    public static ImageSettings of(DatasetInfo info, String where) {
        try {
            Map<String, String> e = info.extra();
            return new ImageSettings(info.steps(), info.guidance(), Integer.parseInt(e.get("height")), Integer.parseInt(e.get("width")),
                    Integer.parseInt(e.get("feature_step")), e.getOrDefault("dtype", "float32"));
        } catch (RuntimeException ex) {
            if (ex instanceof GroundiffException g) throw g;
            throw new GroundiffException(where + ": not a dataset made by 'groundiff dataset' (no image size / feature step recorded)", ex);
        }
    }

    /** Images regenerated in another precision than the dataset's would not match its masks. */
    public static void requireSameDtype(ImageSettings images, String dtype, String where) {
        if (!images.dtype().equals(dtype)) {
            throw new GroundiffException(where + " was generated with --dtype " + images.dtype() + "; use the same --dtype (got " + dtype + ")");
        }
    }
}
