package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.unet.FeatureTaps;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Masks for generated images: the grounding module applied to the feature taps of a text-to-image
 * call, with category queries from the same model's CLIP text encoder ("a photograph of a {name}").
 */
public final class MaskPredictor {
    private final GroundingModule module;
    private final CategoryQueries queries;
    private final int textWidth;

    public MaskPredictor(StableDiffusion sd, GroundingModule module) {
        this.module = module;
        this.textWidth = sd.textEncoder.config().hiddenSize();
        this.queries = new CategoryQueries(sd.tokenizer::encode,
                ids -> sd.textEncoder.forward(ids, false).lastHiddenState().to(ScalarType.Float));
    }

    public CategoryQueries queries() {
        return queries;
    }

    /**
     * Mask logits per image, at the image size: {@code [N_i, height, width]} for image i's categories.
     *
     * @param taps feature taps of the CFG batch [uncond..., cond...] (the generation must use guidance)
     */
    public List<Tensor> logits(FeatureTaps taps, List<List<String>> categories, int height, int width) {
        if (taps == null || taps.blocks().isEmpty()) throw new GroundiffException("grounding needs the UNet's block feature taps");
        Map<String, List<Tensor>> groups = taps.groups();
        long batch2 = groups.get("highest").get(0).size(0);
        if (batch2 != 2L * categories.size()) {
            throw new GroundiffException("grounding needs classifier-free guidance (the uncond/cond feature pair): use --guidance > 1");
        }
        checkFits(groups);
        try (NoGradGuard ng = new NoGradGuard()) {
            List<Tensor> q = new ArrayList<>();
            for (List<String> names : categories) q.add(queries.embed(names).to(module.dtype().scalarType));
            Map<String, List<Tensor>> feats = castGroups(groups, module.dtype().scalarType);
            List<Tensor> raw = module.forward(feats, q);
            List<Tensor> out = new ArrayList<>();
            for (Tensor l : raw) out.add(resize(l.to(ScalarType.Float), height, width));
            return out;
        }
    }

    /** A module trained for another UNet would fail deep inside a convolution: say which group does not fit. */
    private void checkFits(Map<String, List<Tensor>> groups) {
        GroundingConfig c = module.config();
        int[] want = {c.lowChannels(), c.midChannels(), c.highChannels(), c.highestChannels()};
        for (int g = 0; g < GroundingModule.GROUPS.size(); g++) {
            String name = GroundingModule.GROUPS.get(g);
            long have = 0;
            for (Tensor t : groups.getOrDefault(name, List.of())) have += 2 * t.size(1); // uncond + cond halves
            if (have != want[g]) {
                throw new GroundiffException("the grounding module expects " + want[g] + " input channels in its '" + name
                        + "' group, this UNet's features give " + have + ": the checkpoint was trained for another model");
            }
        }
        if (textWidth != c.textDim()) {
            throw new GroundiffException("the grounding module expects " + c.textDim() + "-wide category embeddings, this model's CLIP gives "
                    + textWidth + ": the checkpoint was trained for another model");
        }
    }

    private static Map<String, List<Tensor>> castGroups(Map<String, List<Tensor>> groups, ScalarType type) {
        Map<String, List<Tensor>> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<Tensor>> e : groups.entrySet()) {
            List<Tensor> l = new ArrayList<>();
            for (Tensor t : e.getValue()) l.add(t.to(type));
            out.put(e.getKey(), l);
        }
        return out;
    }

    /** Bilinear (align_corners=False) resize of [N, h, w] logits to the image size. */
    static Tensor resize(Tensor logits, int height, int width) {
        if (logits.size(1) == height && logits.size(2) == width) return logits;
        return torch.upsample_bilinear2d(logits.unsqueeze(0), new long[] {height, width}, false).squeeze(0);
    }

    /** Pixels whose mask probability exceeds {@code threshold} (sigmoid(logit) > t, i.e. logit > log(t / (1 - t))). */
    public static boolean[] binarize(Tensor logits2d, double threshold) {
        if (threshold <= 0 || threshold >= 1) throw new GroundiffException("--mask-threshold must be in (0, 1), got " + threshold);
        double cut = Math.log(threshold / (1 - threshold));
        float[] v = Tensors.toFloats(logits2d);
        boolean[] m = new boolean[v.length];
        for (int i = 0; i < v.length; i++) m[i] = v[i] > cut;
        return m;
    }
}
