package dev.groundiff.eval;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DAAM baseline ({@code castorini/daam} v0.2.0; README of the daam-reference fixture): per-word
 * heat maps from the UNet's cross-attention probabilities.
 * <ol>
 * <li>{@link #addStep}: for every UNet call (denoising step) and every cross-attention layer of the
 * down and up blocks (the mid block is not used), the conditional half of the softmax probabilities
 * is added, per head, to a running sum (float32, no time weighting);</li>
 * <li>{@link #globalHeatMap}: each (layer, head) sum is bicubic-resized (PyTorch
 * {@code upsample_bicubic2d}, A = -0.75, align_corners=False) to the latent size, clamped at 0, and
 * all are averaged with equal weight; the first T token rows are kept;</li>
 * <li>{@link #wordHeatMap}: the mean of the rows of the word's sub-tokens ({@link #mergeIndices});</li>
 * <li>{@link #expand}: bicubic to the image size, min-max normalised; {@link #mask}: {@code > t}.</li>
 * </ol>
 * Layers are averaged in the order they were first fed (DAAM: execution order), which matters only
 * at the float rounding level.
 */
public final class DaamHeatMaps {
    /** DAAM keeps maps whose key length is the text context (77 tokens). */
    public static final int CONTEXT = 77;
    /** DAAM's own mask threshold ({@code plot_mask_heat_map}). */
    public static final double DEFAULT_THRESHOLD = 0.4;

    private final int latentHeight;
    private final int latentWidth;
    private final Map<String, Tensor> sums = new LinkedHashMap<>();
    private int steps;

    /** {@code latentHeight x latentWidth}: the UNet input size (64x64 for SD v1 at 512 px). */
    public DaamHeatMaps(int latentHeight, int latentWidth) {
        if (latentHeight <= 0 || latentWidth <= 0) throw new IllegalArgumentException("bad latent size " + latentHeight + "x" + latentWidth);
        this.latentHeight = latentHeight;
        this.latentWidth = latentWidth;
        Torch.init();
    }

    /** Whether DAAM uses the cross-attention of this module path: down and up blocks only. */
    public static boolean usesLayer(String layerPath) {
        return !layerPath.contains("mid_block");
    }

    /**
     * Adds one UNet call's cross-attention probabilities of one layer: {@code [2, heads, H*W, 77]}
     * (unconditional, conditional) or diffusers' {@code [2*heads, H*W, 77]}. Only the conditional
     * half is used (DAAM assumes classifier-free guidance). Mid-block layers and maps whose key
     * length is not 77 (self-attention) are ignored, as DAAM does; returns whether it was used.
     */
    public boolean addStep(String layerPath, Tensor probs) {
        if (!usesLayer(layerPath)) return false;
        long[] s = Tensors.shape(probs);
        Tensor cond;
        if (s.length == 4) {
            if (s[0] != 2) throw new GroundiffException("DAAM needs the CFG batch [uncond, cond]; " + layerPath + " has batch " + s[0]);
            cond = probs.select(0, 1);
        } else if (s.length == 3) {
            if (s[0] % 2 != 0) throw new GroundiffException("DAAM needs the CFG batch: " + layerPath + " has " + s[0] + " batch*head rows");
            cond = probs.narrow(0, s[0] / 2, s[0] / 2);
        } else {
            throw new GroundiffException("attention probabilities of " + layerPath + " have shape " + Arrays.toString(s) + ", expected [2, heads, HW, 77]");
        }
        long[] cs = Tensors.shape(cond);
        if (cs[2] != CONTEXT) return false;
        int[] hw = mapSize(layerPath, cs[1]);
        // [heads, HW, 77] -> [heads, 77, h, w]
        Tensor maps = cond.to(ScalarType.Float).permute(0, 2, 1).reshape(cs[0], cs[2], hw[0], hw[1]);
        accumulate(layerPath, maps);
        return true;
    }

    /** Adds per-head maps already summed over steps, {@code [heads, tokens, h, w]} (e.g. imported). */
    public void addSummed(String layerPath, Tensor perHead) {
        if (!usesLayer(layerPath)) throw new GroundiffException("DAAM does not use " + layerPath + " (mid block)");
        long[] s = Tensors.shape(perHead);
        if (s.length != 4) throw new GroundiffException("summed maps of " + layerPath + " have shape " + Arrays.toString(s) + ", expected [heads, tokens, h, w]");
        mapSize(layerPath, s[2] * s[3]);
        accumulate(layerPath, perHead.to(ScalarType.Float));
    }

    private void accumulate(String layerPath, Tensor maps) {
        Tensor prev = sums.get(layerPath);
        if (prev == null) {
            sums.put(layerPath, maps.contiguous().clone());
        } else {
            if (!Arrays.equals(Tensors.shape(prev), Tensors.shape(maps))) {
                throw new GroundiffException(layerPath + ": maps of shape " + Tensors.shapeString(maps) + " do not match the earlier " + Tensors.shapeString(prev));
            }
            prev.add_(maps);
        }
        if (layerPath.equals(sums.keySet().iterator().next())) steps++;
    }

    private int[] mapSize(String layerPath, long n) {
        long area = (long) latentHeight * latentWidth;
        if (n <= 0 || area % n != 0) throw new GroundiffException(layerPath + ": " + n + " query positions do not divide the latent " + latentHeight + "x" + latentWidth);
        long f2 = area / n;
        long f = Math.round(Math.sqrt(f2));
        if (f * f != f2 || latentHeight % f != 0 || latentWidth % f != 0) {
            throw new GroundiffException(layerPath + ": " + n + " query positions are not the latent " + latentHeight + "x" + latentWidth + " downsampled by a whole factor");
        }
        return new int[] {(int) (latentHeight / f), (int) (latentWidth / f)};
    }

    /** Layers fed so far, in first-fed order. */
    public List<String> layers() {
        return new ArrayList<>(sums.keySet());
    }

    /** UNet calls seen (counted on the first layer). */
    public int steps() {
        return steps;
    }

    /** The running sum of one layer, {@code [heads, tokens, h, w]} (a view: do not modify). */
    public Tensor rawSum(String layerPath) {
        Tensor t = sums.get(layerPath);
        if (t == null) throw new GroundiffException("no DAAM maps for layer " + layerPath);
        return t;
    }

    /** DAAM's per-map step: bicubic resize of {@code [heads, tokens, h, w]} to {@code [heads, tokens, H, W]}, clamp at 0. */
    public static Tensor upsampleClamped(Tensor perHead, int height, int width) {
        long[] s = Tensors.shape(perHead);
        Tensor x = perHead.reshape(s[0] * s[1], 1, s[2], s[3]);
        Tensor up = torch.upsample_bicubic2d(x, new long[] {height, width}, false);
        return up.clamp_min(Tensors.scalar(0)).reshape(s[0], s[1], height, width);
    }

    /**
     * The global heat map {@code [T, latentH, latentW]}: the mean over every (layer, head) of the
     * resized, clamped sums, first {@code tokenCount} rows (T = prompt tokens + 2: SOS, the tokens, the
     * first EOT). {@code normalize}: divide by the sum of rows 1..T-2 (+1e-6), as DAAM's option.
     */
    public Tensor globalHeatMap(int tokenCount, boolean normalize) {
        if (sums.isEmpty()) throw new GroundiffException("no cross-attention maps were collected for DAAM");
        TensorVector all = new TensorVector();
        for (Tensor t : sums.values()) {
            long tokens = Tensors.shape(t)[1];
            if (tokenCount > tokens) throw new GroundiffException("DAAM: " + tokenCount + " tokens asked, maps have " + tokens);
            Tensor up = upsampleClamped(t.narrow(1, 0, tokenCount), latentHeight, latentWidth);
            long heads = Tensors.shape(up)[0];
            for (long h = 0; h < heads; h++) all.push_back(up.select(0, h));
        }
        Tensor mean = torch.stack(all, 0).mean(0);
        return normalize ? normalized(mean) : mean;
    }

    /** DAAM's {@code normalize=True}: maps / (sum of rows 1..T-2 + 1e-6). */
    public static Tensor normalized(Tensor global) {
        long t = Tensors.shape(global)[0];
        if (t < 3) throw new GroundiffException("a global heat map needs at least 3 rows (SOS, a token, EOT), has " + t);
        Tensor denom = global.narrow(0, 1, t - 2).sum(new long[] {0}, true, new org.bytedeco.pytorch.ScalarTypeOptional()).add(Tensors.scalar(1e-6));
        return global.div(denom);
    }

    /** The mean of the global rows at {@code mergeIndices}: {@code [H, W]}. */
    public static Tensor wordHeatMap(Tensor global, int[] mergeIndices) {
        if (mergeIndices.length == 0) throw new GroundiffException("no token indices for the word");
        long[] idx = new long[mergeIndices.length];
        long rows = Tensors.shape(global)[0];
        for (int i = 0; i < idx.length; i++) {
            if (mergeIndices[i] < 0 || mergeIndices[i] >= rows) throw new GroundiffException("token index " + mergeIndices[i] + " outside the " + rows + " heat map rows");
            idx[i] = mergeIndices[i];
        }
        return torch.index_select(global, 0, Tensors.fromLongs(idx, idx.length)).mean(0);
    }

    /**
     * DAAM's {@code compute_token_merge_indices}: every position where the word's BPE tokens occur in
     * the prompt's tokens (both without the {@code </w>} end-of-word mark), all sub-tokens of every
     * occurrence, +1 for the SOS row. Tokens come from the CLIP tokenizer of the lower-cased texts.
     */
    public static int[] mergeIndices(List<String> promptTokens, List<String> wordTokens) {
        List<String> p = strip(promptTokens), w = strip(wordTokens);
        if (w.isEmpty()) throw new GroundiffException("empty word");
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + w.size() <= p.size(); i++) {
            if (p.subList(i, i + w.size()).equals(w)) for (int k = 0; k < w.size(); k++) out.add(i + k + 1);
        }
        if (out.isEmpty()) throw new GroundiffException("word tokens " + wordTokens + " not found in the prompt tokens " + promptTokens);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<String> strip(List<String> tokens) {
        List<String> out = new ArrayList<>();
        for (String t : tokens) out.add(t.replace("</w>", ""));
        return out;
    }

    /**
     * {@code WordHeatMap.expand_as}: bicubic from the latent size to {@code height x width}, then,
     * unless {@code absolute}, {@code (m - min) / (max - min + 1e-8)} over the whole image. Returns
     * {@code [height, width]} float32.
     */
    public static Tensor expand(Tensor wordMap, int height, int width, boolean absolute) {
        long[] s = Tensors.shape(wordMap);
        Tensor up = torch.upsample_bicubic2d(wordMap.to(ScalarType.Float).reshape(1, 1, s[0], s[1]), new long[] {height, width}, false)
                .reshape(height, width);
        if (absolute) return up;
        float[] v = Tensors.toFloats(up);
        float mn = Float.POSITIVE_INFINITY, mx = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            mn = Math.min(mn, x);
            mx = Math.max(mx, x);
        }
        float range = (mx - mn) + 1e-8f;
        for (int i = 0; i < v.length; i++) v[i] = (v[i] - mn) / range;
        return Tensors.fromFloats(v, height, width);
    }

    /** {@code expanded > threshold} (strict, as DAAM). */
    public static BitMask mask(Tensor expanded, double threshold) {
        long[] s = Tensors.shape(expanded);
        return BitMask.threshold((int) s[1], (int) s[0], Tensors.toFloats(expanded), threshold);
    }

    /** Masks at several thresholds (a sweep), in the given order. */
    public static Map<Double, BitMask> maskSweep(Tensor expanded, double... thresholds) {
        Map<Double, BitMask> out = new LinkedHashMap<>();
        for (double t : thresholds) out.put(t, mask(expanded, t));
        return out;
    }

    /** Convenience: the word's binary mask at image size from a global heat map. */
    public static BitMask wordMask(Tensor global, int[] mergeIndices, int height, int width, double threshold) {
        return mask(expand(wordHeatMap(global, mergeIndices), height, width, false), threshold);
    }
}
