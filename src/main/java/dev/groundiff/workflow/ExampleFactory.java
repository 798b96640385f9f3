package dev.groundiff.workflow;

import dev.groundiff.data.BitMask;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.grounding.CategoryQueries;
import dev.groundiff.grounding.GroundingConfig;
import dev.groundiff.grounding.TrainingExample;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns (features, categories, oracle masks) into a {@link TrainingExample}: queries from the model's
 * own CLIP ("a photograph of a {name}", cached per name), targets resized (nearest) to the module's
 * output size, a category without a mask left null (the trainer decides what that means).
 */
public final class ExampleFactory {
    private final StableDiffusion sd;
    private final GroundingConfig config;
    private final CategoryQueries queries;
    private final Map<String, Tensor> cache = new HashMap<>();

    public ExampleFactory(StableDiffusion sd, GroundingConfig config) {
        this.sd = sd;
        this.config = config;
        this.queries = new CategoryQueries(sd.tokenizer::encode,
                ids -> sd.textEncoder.forward(ids, false).lastHiddenState().to(ScalarType.Float));
    }

    public TrainingExample example(Map<String, List<Tensor>> groups, List<String> categories, Map<String, BitMask> masks) {
        TensorVector q = new TensorVector();
        List<Tensor> targets = new ArrayList<>();
        for (String c : categories) {
            q.push_back(query(c));
            BitMask m = masks.get(c);
            targets.add(m == null ? null : target(m));
        }
        return new TrainingExample(groups, torch.stack(q, 0), targets);
    }

    private Tensor query(String category) {
        Tensor t = cache.get(category);
        if (t == null) {
            try (NoGradGuard ng = new NoGradGuard()) {
                t = queries.embed(category).clone();
            }
            t.retainReference(); // cached across trainer steps, whose scopes free their temporaries
            cache.put(category, t);
        }
        return t;
    }

    private Tensor target(BitMask m) {
        int s = config.outputSize();
        BitMask r = m.width() == s && m.height() == s ? m : m.resizeNearest(s, s);
        boolean[] px = r.toRowMajor();
        float[] v = new float[px.length];
        for (int i = 0; i < v.length; i++) v[i] = px[i] ? 1f : 0f;
        return Tensors.fromFloats(v, s, s);
    }

    /** Features of a regenerated image: the taps of its recorded step, grouped, float32. */
    public static Map<String, List<Tensor>> regenerate(TextToImage t2i, ImageSettings im, String prompt, long seed) {
        GenerationResult res = t2i.generate(im.requestWithFeatures(prompt, seed));
        return StoredFeatures.groups(StoredFeatures.fromTaps(res.taps(), 0, 1), ScalarType.Float, "regenerated features");
    }

    public StableDiffusion model() {
        return sd;
    }
}
