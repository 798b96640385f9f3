package dev.groundiff.world;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.groundiff.GroundiffException;

import java.util.List;

/**
 * The shape of a {@link WorldDetector}, as stored in its {@code config.json}.
 *
 * @param imageSize    input side in pixels (must be divisible by 2^(levels-1))
 * @param channels     channels per resolution level, finest first (each level halves the resolution)
 * @param normGroups   GroupNorm groups (divides every channel count)
 * @param categories   class names for classes 1..n (class 0 is background)
 */
public record DetectorConfig(int imageSize, List<Integer> channels, int normGroups, List<String> categories) {
    public DetectorConfig {
        channels = List.copyOf(channels);
        categories = List.copyOf(categories);
        if (channels.isEmpty()) throw new GroundiffException("detector config: channels is empty");
        for (int c : channels) {
            if (c <= 0 || c % normGroups != 0) throw new GroundiffException("detector config: " + c + " channels are not a positive multiple of norm_groups " + normGroups);
        }
        int stride = 1 << (channels.size() - 1);
        if (imageSize <= 0 || imageSize % stride != 0) throw new GroundiffException("detector config: image_size " + imageSize + " is not divisible by " + stride);
        if (categories.isEmpty()) throw new GroundiffException("detector config: no categories");
    }

    /** The shipped size: about 1.2 M parameters, 21 classes. */
    public static DetectorConfig defaults() {
        return new DetectorConfig(64, List.of(16, 32, 64, 128), 8, WorldCategories.names());
    }

    public int numClasses() {
        return categories.size() + 1;
    }

    /** Class name of index {@code k} ("background" for 0). */
    public String className(int k) {
        return k == 0 ? "background" : categories.get(k - 1);
    }

    private record Json(String model, int image_size, List<Integer> channels, int norm_groups, List<String> categories) {}

    public String toJson() {
        return new GsonBuilder().setPrettyPrinting().create().toJson(new Json("world-detector", imageSize, channels, normGroups, categories));
    }

    public static DetectorConfig fromJson(String json, String source) {
        Json j;
        try {
            j = new Gson().fromJson(json, Json.class);
        } catch (JsonParseException e) {
            throw new GroundiffException(source + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (j == null || j.channels == null || j.categories == null) throw new GroundiffException(source + ": needs image_size, channels, norm_groups and categories");
        if (!"world-detector".equals(j.model)) throw new GroundiffException(source + ": model is '" + j.model + "', expected 'world-detector'");
        try {
            return new DetectorConfig(j.image_size, j.channels, j.norm_groups, j.categories);
        } catch (GroundiffException e) {
            throw new GroundiffException(source + ": " + e.getMessage());
        }
    }
}
