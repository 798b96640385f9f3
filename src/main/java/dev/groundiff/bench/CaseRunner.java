package dev.groundiff.bench;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one case in this JVM: builds the workload, resets the peak-memory mark, one warm-up call, then
 * {@code repeat} timed calls, all in inference mode, each in its own {@link PointerScope}.
 * {@link #main} is the entry point of the child JVM {@link ChildJvm} starts for each case.
 */
public final class CaseRunner {
    /** Prefix of the one stdout line that carries the result from a child JVM. */
    static final String RESULT_PREFIX = "groundiff-bench-result ";
    static final long SEED = 0;

    private CaseRunner() {}

    public static CaseResult run(BenchCase benchCase, DType dtype, int repeat, ModelConfigs configs, int latentSize) {
        if (repeat < 1) throw new GroundiffException("--repeat must be at least 1, not " + repeat);
        if (dtype != DType.FLOAT32 && dtype != DType.BFLOAT16) throw new GroundiffException("bench dtype must be float32 or bfloat16, not " + dtype.torchName);
        Torch.init();
        long t0 = System.nanoTime();
        Workload work;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            // built outside inference mode: Module.to(dtype) replaces parameter data, which inference tensors forbid
            work = benchCase.prepare(configs, dtype.scalarType, SEED, latentSize);
        }
        double setup = seconds(t0);
        long setupPeak = PeakMemory.peakBytes();
        boolean runOnly = PeakMemory.reset();
        try (InferenceMode inference = new InferenceMode()) {
            String output = once(work); // warm-up: first-call allocations, oneDNN primitive creation
            List<Double> times = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            for (int i = 0; i < repeat; i++) {
                long c = cpuNanos();
                long t = System.nanoTime();
                once(work);
                times.add(seconds(t));
                cpu.add((cpuNanos() - c) / 1e9);
            }
            return new CaseResult(benchCase.cliName, dtype.torchName, times, cpu, setup, PeakMemory.peakBytes(), setupPeak, runOnly,
                    torch.get_num_threads(), Torch.blas(), output);
        }
    }

    /** One call; its output and temporaries are freed on return. */
    private static String once(Workload work) {
        try (PointerScope scope = new PointerScope()) {
            Tensor out = work.run();
            return Arrays.toString(Tensors.shape(out));
        }
    }

    /** CPU time of the whole process (every thread, libtorch's included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Child JVM: {@code CASE DTYPE REPEAT LATENT_SIZE [CONFIG_DIR]}; prints the result line, exit 2 with a message on a user error. */
    public static void main(String[] args) {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: CaseRunner CASE DTYPE REPEAT LATENT_SIZE [CONFIG_DIR]");
            System.exit(64);
        }
        try {
            ModelConfigs configs = ModelConfigs.of(args.length == 5 ? Path.of(args[4]) : null);
            CaseResult r = run(BenchCase.parse(args[0]), DType.parse(args[1]), Integer.parseInt(args[2]), configs, Integer.parseInt(args[3]));
            System.out.println(RESULT_PREFIX + r.toJsonLine());
            System.out.flush();
            System.exit(0);
        } catch (GroundiffException e) {
            System.err.println("groundiff bench: " + e.getMessage());
            System.exit(2);
        }
    }
}
