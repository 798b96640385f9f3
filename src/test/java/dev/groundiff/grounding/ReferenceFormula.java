package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The grounding-reference fixture's integer-hash formula (its README, "The formula"): every weight,
 * input and target value is a function of (tensor number k, flat index i, SEED), evaluated here
 * bit-exactly so that nothing but outputs needs to be stored.
 */
final class ReferenceFormula {
    static final long MUL_I = 2654435761L;
    static final long MUL_K = 40503L;
    static final int FEATURE_K0 = 1000;
    static final int TEXT_K = 1100;
    static final int TARGET_K = 1200;
    static final double TARGET_THRESHOLD = 0.7;

    /** One UNet tap: group, channels as a multiple of model_channels, spatial size (official concat order). */
    record Tap(String group, int mult, int size) {}

    static final List<Tap> TAPS = List.of(
            new Tap("low", 4, 8), new Tap("low", 4, 8), new Tap("low", 4, 8), new Tap("low", 4, 8), new Tap("low", 4, 8), new Tap("low", 4, 8),
            new Tap("mid", 2, 16), new Tap("mid", 4, 16), new Tap("mid", 4, 16), new Tap("mid", 4, 16), new Tap("mid", 4, 16), new Tap("mid", 4, 16),
            new Tap("high", 1, 32), new Tap("high", 2, 32), new Tap("high", 2, 32), new Tap("high", 4, 32), new Tap("high", 2, 32), new Tap("high", 2, 32),
            new Tap("highest", 1, 64), new Tap("highest", 1, 64), new Tap("highest", 1, 64), new Tap("highest", 2, 64),
            new Tap("highest", 1, 64), new Tap("highest", 1, 64), new Tap("highest", 1, 64));

    private final long seed;

    ReferenceFormula(long seed) {
        this.seed = seed;
    }

    static int fmix32(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    double u(long k, long i) {
        long x = (i * MUL_I + k * MUL_K + seed) & 0xFFFFFFFFL;
        return (fmix32((int) x) & 0xFFFFFFFFL) / 4294967296.0;
    }

    float[] values(long k, long n, double offset, double scale) {
        float[] out = new float[Math.toIntExact(n)];
        for (int i = 0; i < out.length; i++) out[i] = (float) (offset + scale * (2.0 * u(k, i) - 1.0));
        return out;
    }

    Tensor tensor(long k, long[] shape, double offset, double scale) {
        return Tensors.fromFloats(values(k, numel(shape), offset, scale), shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }

    /** (offset, scale) of a state_dict entry, by the README's per-tensor rules. */
    static double[] rule(String key, Map<String, long[]> shapes) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        boolean layerNorm = key.matches(".*\\.norm\\d\\.(weight|bias)");
        if (layerNorm) return leaf.equals("weight") ? new double[] {1, 0.1} : new double[] {0, 0.1};
        if (leaf.startsWith("stored_mean")) return new double[] {0, 0.1};
        if (leaf.startsWith("stored_var") || leaf.equals("sv0")) return new double[] {1.5, 0.5};
        if (leaf.equals("u0")) return new double[] {0, 1};
        if (leaf.equals("weight") || leaf.equals("in_proj_weight")) return new double[] {0, 1.0 / Math.sqrt(fanIn(shapes.get(key)))};
        if (leaf.equals("bias")) {
            String w = key.substring(0, key.length() - "bias".length()) + "weight";
            return new double[] {0, 1.0 / Math.sqrt(fanIn(shapes.get(w)))};
        }
        throw new IllegalArgumentException("no formula rule for " + key);
    }

    private static long fanIn(long[] shape) {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return n;
    }

    /** Every state_dict entry of the given shapes; k = position in the sorted key list. */
    Map<String, Tensor> weights(Map<String, long[]> shapes) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int k = 0;
        for (String key : new TreeMap<>(shapes).keySet()) {
            double[] r = rule(key, shapes);
            out.put(key, tensor(k++, shapes.get(key), r[0], r[1]));
        }
        return out;
    }

    /** Feature j in the official layout [1, 2C, H, W] (C = mult * modelChannels). */
    Tensor feature(int j, int modelChannels) {
        Tap t = TAPS.get(j);
        return tensor(FEATURE_K0 + j, new long[] {1, 2L * t.mult * modelChannels, t.size, t.size}, 0, 1);
    }

    /** The 25 features as the module takes them: per group, each [2, C, H, W] (CFG batch: uncond, cond). */
    Map<String, List<Tensor>> features(int modelChannels) {
        Map<String, List<Tensor>> out = new LinkedHashMap<>();
        for (String g : GroundingModule.GROUPS) out.put(g, new ArrayList<>());
        for (int j = 0; j < TAPS.size(); j++) {
            Tap t = TAPS.get(j);
            out.get(t.group).add(feature(j, modelChannels).view(2, (long) t.mult * modelChannels, t.size, t.size));
        }
        return out;
    }

    /** Text embeddings [1, 2, 768]. */
    Tensor text() {
        return tensor(TEXT_K, new long[] {1, 2, 768}, 0, 1);
    }

    /** Target mask [1, 2, 512, 512]: 1 where u > 0.7. */
    Tensor target() {
        float[] v = new float[2 * 512 * 512];
        for (int i = 0; i < v.length; i++) v[i] = u(TARGET_K, i) > TARGET_THRESHOLD ? 1f : 0f;
        return Tensors.fromFloats(v, 1, 2, 512, 512);
    }
}
