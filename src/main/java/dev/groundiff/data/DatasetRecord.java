package dev.groundiff.data;

import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.Map;

/**
 * One sample of a dataset: the prompt and the classes it names, the image seed, the image, the
 * oracle masks per category (a category the detector missed has no entry), and optional features
 * (e.g. UNet taps; stored as bfloat16 safetensors).
 */
public record DatasetRecord(long index, String prompt, List<String> categories, long seed, RgbImage image,
                            Map<String, BitMask> masks, Map<String, Tensor> features) {
    public DatasetRecord {
        categories = List.copyOf(categories);
        masks = masks == null ? Map.of() : Map.copyOf(masks);
        features = features == null ? Map.of() : Map.copyOf(features);
    }

    /** The target mask of {@code category}, or null when the detector found none. */
    public BitMask mask(String category) {
        return masks.get(category);
    }
}
