package dev.groundiff.cli;

import dev.groundiff.GroundiffException;
import dev.groundiff.bench.BenchCase;
import dev.groundiff.bench.Benchmarks;
import dev.groundiff.torch.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code groundiff bench}: timings and peak memory of each Stable Diffusion stage at full SD v1.5 size
 * (random weights), float32 and bfloat16, as a table beside the reference figures. Each case runs in
 * its own JVM so that its peak memory (VmHWM) is its own.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure full-size SD v1.5 stages (random weights) in float32 and bfloat16 against the PyTorch reference.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--case", paramLabel = "NAME", split = ",",
            description = "Run only these cases (default: all): unet-64, unet-32, text-encoder, text-encoder-matmuls, vae-decode.")
    List<String> cases;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "both", description = "float32, bfloat16 or both (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Timed repetitions after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--config-dir", paramLabel = "DIR", hidden = true,
            description = "A diffusers folder whose unet/vae/text_encoder configs replace SD v1.5's (tests; no reference then).")
    Path configDir;

    @Option(names = "--latent-size", paramLabel = "N", defaultValue = "64", hidden = true,
            description = "Latent side instead of 64 (tests; the 32x32 case uses half; no reference then).")
    int latentSize;

    @Option(names = "--in-process", hidden = true, description = "Run every case in this JVM (peak memory is then cumulative).")
    boolean inProcess;

    @Option(names = "--grounding", description = "Measure the full-size grounding module instead (forward on one image with two "
            + "categories in float32 and bfloat16, one training step: forward, BCE at 512x512, backward, Adam), in this JVM.")
    boolean grounding;

    @Override
    public Integer call() {
        if (grounding) return groundingBench();
        List<BenchCase> which = new ArrayList<>();
        if (cases == null || cases.isEmpty()) which.addAll(List.of(BenchCase.values()));
        else for (String c : cases) which.add(BenchCase.parse(c.trim()));
        List<DType> types = switch (dtype) {
            case "both" -> List.of(DType.FLOAT32, DType.BFLOAT16);
            case "float32", "fp32" -> List.of(DType.FLOAT32);
            case "bfloat16", "bf16" -> List.of(DType.BFLOAT16);
            default -> throw new GroundiffException("--dtype must be float32, bfloat16 or both, not '" + dtype + "'");
        };
        PrintWriter out = spec.commandLine().getOut();
        Benchmarks.Report report = Benchmarks.run(new Benchmarks.Plan(which, types, repeat, latentSize, configDir, inProcess), out);
        out.println();
        out.printf("models: %s, random weights; load average before %s, after %s%n", report.configSource(), report.loadBefore(), report.loadAfter());
        out.print(report.table());
        if (json != null) {
            report.writeJson(json);
            out.println("wrote " + json);
        }
        out.flush();
        return 0;
    }

    /** Reference: the official PyTorch module on this kind of machine (PyTorch 1.13 CPU, 2 threads, float32). */
    private Integer groundingBench() {
        PrintWriter out = spec.commandLine().getOut();
        String before = dev.groundiff.bench.Benchmarks.loadAverage();
        java.util.Map<String, double[]> r = dev.groundiff.grounding.GroundingBench.run(repeat);
        java.util.Map<String, Double> ref = java.util.Map.of("forward float32", 0.58, "training step float32", 1.10);
        out.printf("grounding module, SD v1.x size (18,796,560 parameters), random weights; load average before %s, after %s%n",
                before, dev.groundiff.bench.Benchmarks.loadAverage());
        out.printf("%-24s %10s %10s %10s %9s%n", "case", "median s", "CPU s", "ref s", "speed-up");
        for (var e : r.entrySet()) {
            Double rs = ref.get(e.getKey());
            out.printf("%-24s %10.3f %10.3f %10s %9s%n", e.getKey(), e.getValue()[0], e.getValue()[1],
                    rs == null ? "-" : String.format("%.2f", rs), rs == null ? "-" : String.format("%.2fx", rs / e.getValue()[0]));
        }
        out.flush();
        return 0;
    }
}
