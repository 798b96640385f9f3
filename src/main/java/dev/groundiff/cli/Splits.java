package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.Split;
import dev.groundiff.world.WorldCategories;

import java.util.Locale;

/**
 * Split names as the commands take them: the embedded world's ({@code world:1|2|3}, {@code world})
 * on top of {@link Split#parse} (PASCAL, COCO, files); the data package knows nothing of the world.
 */
final class Splits {
    private Splits() {}

    static Split parse(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("world")) return WorldCategories.allSeen();
        if (s.startsWith("world:")) {
            String k = s.substring("world:".length());
            if (!k.matches("[1-9]")) throw new GroundiffException("unknown split '" + spec + "' (the world's are world:1, world:2, world:3 and world)");
            return WorldCategories.split(Integer.parseInt(k));
        }
        return Split.parse(spec);
    }
}
