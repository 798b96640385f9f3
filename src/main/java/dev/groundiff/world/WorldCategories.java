package dev.groundiff.world;

import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.List;

/**
 * The 20 categories of the embedded world in four groups of five, and the three 15/5 seen/unseen
 * splits built like PASCAL VOC's (each split's unseen set is one group; group 0 is never unseen).
 *
 * <p>The shapes were chosen so that no two are alike at 64x64 under the rotations the renderer uses:
 * no polygons that differ only by corner count (hexagon vs octagon vs circle) and no pair that is one
 * shape rotated (square vs diamond). Every name is one token of the CLIP BPE vocabulary.
 */
public final class WorldCategories {
    private WorldCategories() {}

    public static final List<ShapeCategory> ALL = List.of(
            // group 0: never unseen
            new ShapeCategory("circle", 0, true),
            new ShapeCategory("square", 0, true),
            new ShapeCategory("triangle", 0, true),
            new ShapeCategory("star", 0, true),
            new ShapeCategory("heart", 0, false),
            // group 1: unseen in split 3
            new ShapeCategory("cross", 1, true),
            new ShapeCategory("ring", 1, true),
            new ShapeCategory("crescent", 1, true),
            new ShapeCategory("arrow", 1, true),
            new ShapeCategory("oval", 1, true),
            // group 2: unseen in split 2
            new ShapeCategory("bolt", 2, true),
            new ShapeCategory("flower", 2, true),
            new ShapeCategory("fish", 2, false),
            new ShapeCategory("bone", 2, true),
            new ShapeCategory("drop", 2, false),
            // group 3: unseen in split 1
            new ShapeCategory("cloud", 3, false),
            new ShapeCategory("mushroom", 3, false),
            new ShapeCategory("crown", 3, false),
            new ShapeCategory("tree", 3, false),
            new ShapeCategory("house", 3, false));

    public static final int GROUPS = 4;
    public static final int SPLITS = 3;

    /** A seen/unseen partition of the 20 categories. */
    public record Split(int number, List<String> seen, List<String> unseen) {}

    public static List<String> names() {
        return ALL.stream().map(ShapeCategory::name).toList();
    }

    public static ShapeCategory byName(String name) {
        for (ShapeCategory c : ALL) if (c.name().equals(name)) return c;
        throw new GroundiffException("unknown world category '" + name + "' (known: " + String.join(", ", names()) + ")");
    }

    public static List<String> group(int g) {
        if (g < 0 || g >= GROUPS) throw new GroundiffException("world group must be 0.." + (GROUPS - 1) + ", got " + g);
        return ALL.stream().filter(c -> c.group() == g).map(ShapeCategory::name).toList();
    }

    /** Split {@code k} (1..3): group {@code 4 - k} is unseen, as PASCAL's split 1 leaves out its last group. */
    public static Split split(int k) {
        if (k < 1 || k > SPLITS) throw new GroundiffException("world split must be 1.." + SPLITS + ", got " + k);
        int unseenGroup = GROUPS - k;
        List<String> seen = new ArrayList<>();
        for (ShapeCategory c : ALL) if (c.group() != unseenGroup) seen.add(c.name());
        return new Split(k, List.copyOf(seen), group(unseenGroup));
    }
}
