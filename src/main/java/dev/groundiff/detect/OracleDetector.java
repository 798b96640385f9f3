package dev.groundiff.detect;

import dev.groundiff.data.RgbImage;

import java.util.List;

/**
 * Something that finds object instances in an image: the oracle that labels generated images.
 * {@code name} identifies the image where the detector needs it (detections imported from a file are
 * keyed by image file name); a model-based detector ignores it.
 */
public interface OracleDetector {
    List<Instance> detect(String name, RgbImage image);

    default List<Instance> detect(RgbImage image) {
        return detect(null, image);
    }
}
