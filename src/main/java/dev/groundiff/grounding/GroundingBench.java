package dev.groundiff.grounding;

import dev.groundiff.torch.optim.Adam;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Timing of the full-size grounding module on random inputs of the official shapes (one image, two
 * categories): forward in float32 and bfloat16, and one training step (forward, BCE at 512x512,
 * backward, Adam). {@code java ... dev.groundiff.grounding.GroundingBench [repeats]}.
 */
public final class GroundingBench {
    private GroundingBench() {}

    /** The official taps per group: channels as multiples of model_channels (320) and spatial size. */
    private static final int[][] LOW = {{4, 8}, {4, 8}, {4, 8}, {4, 8}, {4, 8}, {4, 8}};
    private static final int[][] MID = {{2, 16}, {4, 16}, {4, 16}, {4, 16}, {4, 16}, {4, 16}};
    private static final int[][] HIGH = {{1, 32}, {2, 32}, {2, 32}, {4, 32}, {2, 32}, {2, 32}};
    private static final int[][] HIGHEST = {{1, 64}, {1, 64}, {1, 64}, {2, 64}, {1, 64}, {1, 64}, {1, 64}};

    static Map<String, List<Tensor>> randomFeatures(Generator g, ScalarType type) {
        Map<String, List<Tensor>> f = new LinkedHashMap<>();
        int[][][] groups = {LOW, MID, HIGH, HIGHEST};
        for (int i = 0; i < groups.length; i++) {
            List<Tensor> taps = new ArrayList<>();
            for (int[] t : groups[i]) {
                taps.add(torch.randn(new long[] {2, 320L * t[0], t[1], t[1]}, new GeneratorOptional(g), Tensors.options(ScalarType.Float)).to(type));
            }
            f.put(GroundingModule.GROUPS.get(i), taps);
        }
        return f;
    }

    public static Map<String, double[]> run(int repeats) {
        Torch.init();
        Generator g = torch.createCPUGenerator(0);
        Map<String, double[]> out = new LinkedHashMap<>();
        Map<String, List<Tensor>> features = randomFeatures(g, ScalarType.Float);
        Tensor queries = torch.randn(new long[] {1, 2, 768}, new GeneratorOptional(g), Tensors.options(ScalarType.Float));

        GroundingModule m = new GroundingModule(GroundingConfig.sdV1(), ParamFactory.random(1));
        m.train(false);
        out.put("forward float32", time(repeats, () -> {
            try (var ng = Torch.noGrad()) {
                m.forward(features, queries);
            }
        }));

        GroundingModule b = new GroundingModule(GroundingConfig.sdV1(), ParamFactory.random(1));
        b.to(ScalarType.BFloat16, false);
        b.train(false);
        Map<String, List<Tensor>> bf = randomFeatures(g, ScalarType.BFloat16);
        Tensor qb = queries.to(ScalarType.BFloat16);
        out.put("forward bfloat16", time(repeats, () -> {
            try (var ng = Torch.noGrad()) {
                b.forward(bf, qb);
            }
        }));

        m.train(true);
        Adam adam = new Adam(m.namedParameters(), 0.9, 0.999, 1e-8, 0, Adam.WeightDecay.COUPLED);
        Tensor target = torch.rand(new long[] {2, 512, 512}, new GeneratorOptional(g), Tensors.options(ScalarType.Float)).gt(Tensors.scalar(0.7)).to(ScalarType.Float);
        out.put("training step float32", time(repeats, () -> {
            adam.zeroGrad();
            Tensor logits = m.forward(features, queries).select(0, 0);
            GroundingLoss.perCategory(logits, target).sum().backward();
            adam.step(1e-5);
        }));
        return out;
    }

    /**
     * Median of {@code repeats} timed runs after one warm-up: wall-clock seconds, and the CPU seconds
     * of the whole process (all threads, BLAS pools included; on a shared, loaded machine with one
     * torch thread this is the steadier number).
     */
    private static double[] time(int repeats, Runnable r) {
        OperatingSystemMXBean cpu = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] wall = new double[repeats];
        double[] own = new double[repeats];
        for (int i = -1; i < repeats; i++) {
            try (PointerScope scope = new PointerScope()) {
                long t0 = System.nanoTime();
                long c0 = cpu.getProcessCpuTime();
                r.run();
                if (i >= 0) {
                    own[i] = (cpu.getProcessCpuTime() - c0) / 1e9;
                    wall[i] = (System.nanoTime() - t0) / 1e9;
                }
            }
        }
        java.util.Arrays.sort(wall);
        java.util.Arrays.sort(own);
        return new double[] {wall[repeats / 2], own[repeats / 2]};
    }

    public static void main(String[] args) {
        int repeats = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Torch.init();
        System.out.println("grounding module, full size (SD v1), 1 image, 2 categories, " + torch.get_num_threads() + " threads (BLAS: "
                + Torch.blas() + "), median of " + repeats);
        System.out.printf("  %-28s %8s %12s%n", "seconds", "wall", "process CPU");
        for (Map.Entry<String, double[]> e : run(repeats).entrySet()) {
            System.out.printf("  %-28s %8.3f %12.3f%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
    }
}
