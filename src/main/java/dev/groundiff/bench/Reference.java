package dev.groundiff.bench;

/**
 * A published figure to compare with: PyTorch 1.13 on the project's 2-core CPU, 2 threads, float32.
 *
 * @param seconds     one forward pass
 * @param peakRssGiB  the process's peak resident memory, or null where it was not measured
 */
public record Reference(double seconds, Double peakRssGiB) {
    public static final String SOURCE = "PyTorch 1.13 CPU, 2 threads, float32, same machine";
}
