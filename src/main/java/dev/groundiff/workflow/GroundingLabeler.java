package dev.groundiff.workflow;

import dev.groundiff.data.BitMask;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.unet.FeatureTaps;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.grounding.MaskPredictor;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Masks from a trained grounding module instead of a detector: the synthetic labels the paper's
 * Protocol II trains a segmenter on. Every category named in the prompt gets a mask (possibly empty),
 * read from the UNet taps of the generation that made the image.
 */
public final class GroundingLabeler {
    private final MaskPredictor predictor;
    private final double threshold;
    private final String id;

    /** {@code id} names the module in the dataset's metadata (e.g. its checkpoint's SHA-256). */
    public GroundingLabeler(StableDiffusion sd, GroundingModule module, double threshold, String id) {
        if (threshold <= 0 || threshold >= 1) throw new dev.groundiff.GroundiffException("--mask-threshold must be in (0, 1), got " + threshold);
        module.train(false);
        this.predictor = new MaskPredictor(sd, module);
        this.threshold = threshold;
        this.id = id + ", mask threshold " + threshold;
    }

    public String id() {
        return id;
    }

    /** One binary mask per distinct category, in prompt order. */
    public Map<String, BitMask> masks(FeatureTaps taps, List<String> categories, int height, int width) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(categories));
        Tensor logits = predictor.logits(taps, List.of(distinct), height, width).get(0);
        Map<String, BitMask> out = new LinkedHashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            out.put(distinct.get(i), BitMask.of(width, height, MaskPredictor.binarize(logits.select(0, i), threshold)));
        }
        return out;
    }
}
