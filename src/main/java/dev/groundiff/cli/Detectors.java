package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.Split;
import dev.groundiff.world.WorldModels;
import dev.groundiff.world.WorldOracleDetector;

import java.nio.file.Path;

/** The detectors the commands can run themselves ({@code --detector NAME}); today only the world's. */
final class Detectors {
    private Detectors() {}

    /** {@code dir} null: the shipped detector. The split's classes must all be known to it. */
    static WorldOracleDetector load(String name, Path dir, Split split) {
        if (!name.equals("world")) throw new GroundiffException("unknown --detector '" + name + "' (the only name is 'world')");
        WorldOracleDetector d = WorldOracleDetector.load(dir != null ? dir : WorldModels.dir("detector"));
        d.requireCovers(split);
        return d;
    }
}
