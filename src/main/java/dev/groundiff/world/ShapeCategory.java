package dev.groundiff.world;

/**
 * One of the world's 20 object categories.
 *
 * @param name          the English word used in captions (a single CLIP BPE token)
 * @param group         0..3: the group of five it belongs to (group 0 is never unseen)
 * @param freeRotation  whether any rotation keeps it recognisable; upright shapes (house, tree, ...)
 *                      are only tilted by up to {@link #MAX_TILT_DEGREES}
 */
public record ShapeCategory(String name, int group, boolean freeRotation) {
    public static final double MAX_TILT_DEGREES = 30;

    /** Class index in segmentation maps: 0 is background, categories are 1..20 in {@link WorldCategories#ALL} order. */
    public int classIndex() {
        return WorldCategories.ALL.indexOf(this) + 1;
    }
}
