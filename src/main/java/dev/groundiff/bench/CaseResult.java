package dev.groundiff.bench;

import com.google.gson.Gson;
import com.google.gson.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The measurement of one case in one dtype.
 *
 * @param seconds          the timed repetitions, in order (the warm-up excluded)
 * @param cpuSeconds       the process CPU time of each repetition (all threads): on shared cores, wall time
 *                         also counts waiting for a core, CPU time does not
 * @param setupSeconds     building the model with random weights and casting it
 * @param peakRssBytes     peak resident memory while the case ran (warm-up and repetitions, weights included);
 *                         the set-up's transient peak is excluded where the kernel allows resetting it
 * @param setupPeakRssBytes peak resident memory of the set-up (model built in float32, then cast)
 * @param threads          libtorch's intra-op thread count
 * @param blas             the BLAS behind float32 matrix products ({@link dev.groundiff.torch.Torch#blas()})
 * @param output           the output shape, e.g. {@code [2, 4, 64, 64]}
 */
public record CaseResult(String caseName, String dtype, List<Double> seconds, List<Double> cpuSeconds, double setupSeconds, long peakRssBytes,
                         long setupPeakRssBytes, boolean peakIsRunOnly, int threads, String blas, String output) {
    private static final Gson GSON = new Gson();
    private static final double GIB = 1024.0 * 1024 * 1024;

    public CaseResult {
        seconds = List.copyOf(seconds);
        cpuSeconds = List.copyOf(cpuSeconds);
        if (seconds.isEmpty()) throw new IllegalArgumentException("no timed repetitions");
    }

    public BenchCase benchCase() {
        return BenchCase.parse(caseName);
    }

    public double median() {
        return median(seconds);
    }

    public double medianCpu() {
        return median(cpuSeconds);
    }

    private static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    public double min() {
        return Collections.min(seconds);
    }

    public double peakRssGiB() {
        return peakRssBytes < 0 ? Double.NaN : peakRssBytes / GIB;
    }

    /** reference seconds / median seconds, or NaN without a reference. */
    public double speedUp(Reference reference) {
        return reference == null ? Double.NaN : reference.seconds() / median();
    }

    /** One JSON line: the protocol between a case's child JVM and the parent. */
    public String toJsonLine() {
        return GSON.toJson(this);
    }

    public static CaseResult fromJsonLine(String line) {
        return GSON.fromJson(line, CaseResult.class);
    }

    /** The record plus the derived figures, for the --json report. */
    public JsonObject toJson(Reference reference) {
        JsonObject o = GSON.toJsonTree(this).getAsJsonObject();
        o.addProperty("label", benchCase().label);
        o.addProperty("median_s", median());
        o.addProperty("min_s", min());
        o.addProperty("median_cpu_s", medianCpu());
        if (peakRssBytes >= 0) o.addProperty("peak_rss_gib", peakRssGiB());
        if (reference != null) {
            o.addProperty("reference_s", reference.seconds());
            if (reference.peakRssGiB() != null) o.addProperty("reference_peak_rss_gib", reference.peakRssGiB());
            o.addProperty("speed_up", speedUp(reference));
        }
        return o;
    }
}
