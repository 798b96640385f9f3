package dev.groundiff.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.torch.DType;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a set of cases x dtypes, each in its own JVM ({@link ChildJvm}) or, for tests, in this one,
 * prints each row as it arrives and the table at the end, and writes the JSON report.
 */
public final class Benchmarks {
    /**
     * What to run. {@code configDir} null: the bundled SD v1.5 configs; {@code latentSize}: {@link BenchCase#FULL_LATENT}
     * except in tests; {@code inProcess}: all cases in this JVM (tests; the peaks are then not each case's own).
     */
    public record Plan(List<BenchCase> cases, List<DType> dtypes, int repeat, int latentSize, Path configDir, boolean inProcess) {
        public Plan {
            cases = List.copyOf(cases);
            dtypes = List.copyOf(dtypes);
            if (cases.isEmpty() || dtypes.isEmpty()) throw new GroundiffException("nothing to run: no case or no dtype chosen");
            if (repeat < 1) throw new GroundiffException("--repeat must be at least 1, not " + repeat);
            if (latentSize < 2 || latentSize % 2 != 0) throw new GroundiffException("latent size must be even and at least 2, not " + latentSize);
        }
    }

    /** The results and the conditions they were measured in. */
    public record Report(List<CaseResult> results, boolean standardConfigs, int latentSize, String configSource, String loadBefore, String loadAfter) {
        /** The reference figures apply to SD v1.5 at full size only. */
        public boolean comparable() {
            return standardConfigs && latentSize == BenchCase.FULL_LATENT;
        }

        public String table() {
            return BenchTable.format(results, comparable());
        }

        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("models", configSource);
            o.addProperty("weights", "random (ParamFactory.random(" + CaseRunner.SEED + "))");
            o.addProperty("latent_size", latentSize);
            o.addProperty("cpu_count", Runtime.getRuntime().availableProcessors());
            o.addProperty("load_average_before", loadBefore);
            o.addProperty("load_average_after", loadAfter);
            if (comparable()) o.addProperty("reference", Reference.SOURCE);
            JsonArray rows = new JsonArray();
            for (CaseResult r : results) rows.add(r.toJson(comparable() ? r.benchCase().reference : null));
            o.add("results", rows);
            return o;
        }

        public void writeJson(Path file) {
            String text = new GsonBuilder().setPrettyPrinting().create().toJson(toJson()) + "\n";
            try {
                AtomicFiles.writeString(file, text);
            } catch (IOException e) {
                throw new GroundiffException(file + ": cannot write the bench report: " + e.getMessage(), e);
            }
        }
    }

    private Benchmarks() {}

    /** Runs the plan; {@code progress} gets one line per finished case (and null is allowed). */
    public static Report run(Plan plan, PrintWriter progress) {
        ModelConfigs configs = ModelConfigs.of(plan.configDir()); // parse once here: bad configs fail before any JVM starts
        String before = loadAverage();
        List<CaseResult> results = new ArrayList<>();
        for (BenchCase c : plan.cases()) {
            for (DType t : plan.dtypes()) {
                if (progress != null) {
                    progress.printf("running %s (%s)...%n", c.cliName, t.torchName);
                    progress.flush();
                }
                CaseResult r = plan.inProcess() ? CaseRunner.run(c, t, plan.repeat(), configs, plan.latentSize())
                        : ChildJvm.run(c, t, plan.repeat(), plan.latentSize(), plan.configDir());
                results.add(r);
                if (progress != null) {
                    progress.printf("  %s %s: median %.3f s (CPU %.3f s), min %.3f s, peak RSS %.2f GiB (set-up %.1f s, %d threads; BLAS: %s)%n",
                            c.cliName, t.torchName, r.median(), r.medianCpu(), r.min(), r.peakRssGiB(), r.setupSeconds(), r.threads(), r.blas());
                    progress.flush();
                }
            }
        }
        return new Report(results, configs.standard(), plan.latentSize(), configs.source(), before, loadAverage());
    }

    /** The 1, 5 and 15 minute load averages (the cores may be shared), or "n/a". */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }
}
