package dev.groundiff.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * This process's peak resident memory (Linux {@code VmHWM}), and resetting it so that a measurement
 * covers only what follows (writing 5 to {@code /proc/self/clear_refs}, Linux 4.0+).
 */
final class PeakMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private PeakMemory() {}

    /** Peak RSS in bytes, or -1 where /proc is not available. */
    static long peakBytes() {
        return statusKilobytes("VmHWM:");
    }

    /** Current RSS in bytes, or -1. */
    static long currentBytes() {
        return statusKilobytes("VmRSS:");
    }

    /** Sets the peak to the current RSS; false where the kernel does not allow it (the peak then includes set-up). */
    static boolean reset() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    private static long statusKilobytes(String field) {
        try {
            List<String> lines = Files.readAllLines(STATUS);
            for (String line : lines) {
                if (line.startsWith(field)) {
                    String[] parts = line.substring(field.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
