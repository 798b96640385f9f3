package dev.groundiff.bench;

import java.util.List;
import java.util.Locale;

/** The results as a fixed-width text table, with the reference figures beside them. */
final class BenchTable {
    private static final String ROW = "%-32s %-9s %9s %9s %9s %10s %9s %9s%n";

    private BenchTable() {}

    /** {@code withReference}: false when the configs are not SD v1.5's (the reference does not apply). */
    static String format(List<CaseResult> results, boolean withReference) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, ROW, "case", "dtype", "median s", "min s", "CPU s", "peak GiB", "ref s", "speed-up"));
        for (CaseResult r : results) {
            BenchCase c = r.benchCase();
            Reference ref = withReference ? c.reference : null;
            sb.append(String.format(Locale.ROOT, ROW, c.label, r.dtype(), num(r.median()), num(r.min()), num(r.medianCpu()),
                    r.peakRssBytes() < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", r.peakRssGiB()),
                    ref == null ? "-" : num(ref.seconds()),
                    ref == null ? "-" : String.format(Locale.ROOT, "%.2fx", r.speedUp(ref))));
        }
        if (withReference) {
            sb.append("reference: ").append(Reference.SOURCE);
            for (BenchCase c : BenchCase.values()) {
                if (c.reference != null && c.reference.peakRssGiB() != null) {
                    sb.append("; peak RSS ").append(c.reference.peakRssGiB()).append(" GiB for ").append(c.label);
                }
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static String num(double seconds) {
        return String.format(Locale.ROOT, seconds < 1 ? "%.3f" : "%.2f", seconds);
    }
}
