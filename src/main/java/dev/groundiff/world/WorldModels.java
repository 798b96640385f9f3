package dev.groundiff.world;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the embedded world's trained models live: {@code models/world/<name>} in the Groundiff
 * checkout. The checkout is found from the system property {@code groundiff.home}, else from the
 * location of the Groundiff classes (target/classes or target/groundiff.jar), else the working folder.
 */
public final class WorldModels {
    private WorldModels() {}

    public static Path dir(String name) {
        return home().resolve("models").resolve("world").resolve(name);
    }

    public static Path home() {
        String prop = System.getProperty("groundiff.home");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        try {
            Path code = Path.of(WorldModels.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = code; p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("models").resolve("world"))) return p;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException ignored) {
            // fall through to the working folder
        }
        return Path.of("").toAbsolutePath();
    }
}
