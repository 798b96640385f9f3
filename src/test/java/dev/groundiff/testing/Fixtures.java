package dev.groundiff.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where a parity test finds its fixture folder: {@code -Dgroundiff.fixtures.<folder>=DIR} if given
 * (so the same test runs against any fixture set of the same format), else the copy in
 * {@code src/test/resources/fixtures/<folder>}.
 */
public final class Fixtures {
    private Fixtures() {}

    public static Path dir(String folder) {
        String override = System.getProperty("groundiff.fixtures." + folder);
        Path p = override != null && !override.isBlank()
                ? Paths.get(override)
                : Paths.get("src", "test", "resources", "fixtures", folder);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixture folder " + p.toAbsolutePath() + " is missing"
                    + (override == null ? "" : " (from -Dgroundiff.fixtures." + folder + ")"));
        }
        return p;
    }

    /** A file inside a fixture folder; the test is skipped (not passed) when a partial fixture set lacks it. */
    public static Path optionalFile(String folder, String relative) {
        Path p = dir(folder).resolve(relative);
        assumeTrue(Files.exists(p), "fixture file " + p + " not present");
        return p;
    }
}
