package dev.groundiff.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training run's loss CSV ({@code step,...} rows). On start or resume it is cut back to the rows
 * the checkpoint covers, so a resumed run's log equals an uninterrupted one's; a row cut short by a
 * kill is dropped.
 */
public final class LossLog {
    private LossLog() {}

    /** Rewrites {@code csv} (atomically) with {@code header} and the complete rows of steps up to {@code step}. */
    public static void cutBackTo(Path csv, String header, long step) throws IOException {
        List<String> keep = new ArrayList<>();
        keep.add(header);
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("step")) continue;
                int comma = line.indexOf(',');
                int fields = line.split(",", -1).length;
                try {
                    if (comma > 0 && fields == header.split(",", -1).length && Long.parseLong(line.substring(0, comma)) <= step) keep.add(line);
                } catch (NumberFormatException ignored) {
                    // a row cut by a kill: drop it
                }
            }
        }
        AtomicFiles.writeString(csv, String.join("\n", keep) + "\n");
    }

    /** Appends one row (without its newline). */
    public static void append(Path csv, String row) throws IOException {
        Files.writeString(csv, row + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }
}
