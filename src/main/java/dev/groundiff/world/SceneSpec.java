package dev.groundiff.world;

import dev.groundiff.GroundiffException;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * What kind of scene to render; together with a seed it fixes the scene.
 *
 * @param size                  image width and height in pixels
 * @param categories            the pool objects are drawn from (distinct categories per scene)
 * @param minObjects            fewest objects in a scene
 * @param maxObjects            most objects in a scene
 * @param colourWordProbability chance that the caption names the objects' colours
 * @param maxOcclusion          largest fraction of an object that objects in front of it may cover
 */
public record SceneSpec(int size, List<String> categories, int minObjects, int maxObjects,
                        double colourWordProbability, double maxOcclusion) {
    public static final int MIN_SIZE = 32;

    public SceneSpec {
        categories = List.copyOf(categories);
        if (size < MIN_SIZE) throw new GroundiffException("scene size must be at least " + MIN_SIZE + " pixels, got " + size);
        if (categories.isEmpty()) throw new GroundiffException("a scene spec needs at least one category");
        if (new LinkedHashSet<>(categories).size() != categories.size()) throw new GroundiffException("scene categories repeat: " + categories);
        for (String c : categories) WorldCategories.byName(c);
        int most = Math.min(categories.size(), WorldColour.values().length);
        if (minObjects < 1 || maxObjects < minObjects || maxObjects > most) {
            throw new GroundiffException("objects per scene must satisfy 1 <= min <= max <= " + most + ", got " + minObjects + ".." + maxObjects);
        }
        if (!(colourWordProbability >= 0 && colourWordProbability <= 1)) throw new GroundiffException("colour word probability must be in [0, 1], got " + colourWordProbability);
        if (!(maxOcclusion >= 0 && maxOcclusion < 1)) throw new GroundiffException("max occlusion must be in [0, 1), got " + maxOcclusion);
    }

    /** 64x64, all 20 categories, one or two objects, colours named in 70% of captions, at most 30% of an object hidden. */
    public static SceneSpec defaults() {
        return new SceneSpec(64, WorldCategories.names(), 1, 2, 0.7, 0.3);
    }

    public SceneSpec withSize(int s) {
        return new SceneSpec(s, categories, minObjects, maxObjects, colourWordProbability, maxOcclusion);
    }

    public SceneSpec withCategories(List<String> c) {
        return new SceneSpec(size, c, Math.min(minObjects, c.size()), Math.min(maxObjects, c.size()), colourWordProbability, maxOcclusion);
    }

    public SceneSpec withObjects(int min, int max) {
        return new SceneSpec(size, categories, min, max, colourWordProbability, maxOcclusion);
    }

    public SceneSpec withColourWordProbability(double p) {
        return new SceneSpec(size, categories, minObjects, maxObjects, p, maxOcclusion);
    }
}
