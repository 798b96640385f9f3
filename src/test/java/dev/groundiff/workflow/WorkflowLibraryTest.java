package dev.groundiff.workflow;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.PromptSampler;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.detect.FixedDetector;
import dev.groundiff.detect.Instance;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.grounding.GroundingConfig;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.grounding.GroundingTrainer;
import dev.groundiff.grounding.TrainingExample;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The workflow pieces the CLI tests reach only indirectly: feature grouping, the model's module config, online training. */
class WorkflowLibraryTest {
    static final GroundingConfig TINY = new GroundingConfig(768, 704, 416, 256, 4, 4, 4, 4, 16, 4, 16, 2, 1, 32, 32, 64);
    static StableDiffusion sd;

    @BeforeAll
    static void init() {
        Torch.init();
        sd = StableDiffusion.load(Fixtures.dir("sd-reference"), (Path) null, DType.FLOAT32);
    }

    @Test
    void storedFeaturesRegroupExactlyAsTheTaps() {
        ImageSettings im = ImageSettings.of(2, 5, 64, 64, -1, "float32");
        GenerationResult res = new TextToImage(sd).generate(im.requestWithFeatures("a photograph of a cat", 1));
        Map<String, List<Tensor>> want = res.taps().groups();
        // stored in name order (safetensors may return them sorted otherwise): reversed here on purpose
        Map<String, Tensor> stored = new java.util.LinkedHashMap<>();
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(StoredFeatures.fromTaps(res.taps(), 0, 1).entrySet());
        java.util.Collections.reverse(entries);
        for (var e : entries) stored.put(e.getKey(), e.getValue());
        Map<String, List<Tensor>> got = StoredFeatures.groups(stored, torch.ScalarType.Float, "test");
        assertEquals(List.copyOf(want.keySet()), List.copyOf(got.keySet()));
        assertEquals(GroundingModule.GROUPS, List.copyOf(got.keySet()));
        for (String g : want.keySet()) {
            assertEquals(want.get(g).size(), got.get(g).size(), g);
            for (int i = 0; i < want.get(g).size(); i++) assertEquals(0, Tensors.maxAbs(want.get(g).get(i).sub(got.get(g).get(i))), g + "[" + i + "]");
        }
    }

    @Test
    void moduleConfigFollowsTheUnet() {
        // F at the native latent side (16), 16x16 patches of side 1, logits at the native image side (128)
        assertEquals(GroundingConfig.forUnet(16, 16, 32, 64, 128, 512, 8, 3, 2048, 32).atResolution(16, 1, 128), GroundingSetup.forModel(sd));
        dev.groundiff.bench.ModelConfigs sd15 = dev.groundiff.bench.ModelConfigs.sd15();
        assertEquals(GroundingConfig.sdV1(), GroundingSetup.forModel(sd15.unet(), sd15.vae()), "SD v1.5 gets the official module");
        GroundingSetup.requireFits(TINY, sd, "tiny");
        assertThrows(dev.groundiff.GroundiffException.class, () -> GroundingSetup.requireFits(GroundingConfig.sdV1(), sd, "sdv1"));
    }

    /** The official loop: generate, detect, train; a missed category gives no loss term, a found one does. */
    @Test
    void onlineTrainingWithATestDetector(@TempDir Path out) throws Exception {
        PromptSampler sampler = PromptSampler.official(Split.parse("pascal:1"), Subset.SEEN, 5);
        BitMask left = BitMask.threshold(64, 64, leftHalf(), 0.5);
        List<Instance> found = new ArrayList<>();
        for (String c : Split.parse("pascal:1").seen()) found.add(new Instance(c, 0.9, left));
        ImageSettings im = ImageSettings.of(2, 5, 64, 64, -1, "float32");
        OnlineTrainingSource source = new OnlineTrainingSource(sampler, FixedDetector.always(found), TargetPolicy.OFFICIAL, im, new ExampleFactory(sd, TINY));
        TrainingExample ex = source.next(0, null);
        assertEquals(sampler.sample(0).categories().size(), ex.targets().size());
        assertEquals(64, ex.targets().get(0).size(0));
        assertEquals(32 * 64, (long) ex.targets().get(0).sum().item_double(), "left half of the 64x64 target");
        GroundingTrainer t = new GroundingTrainer(new GroundingModule(TINY, ParamFactory.random(0)),
                GroundingTrainer.Options.defaults(2).withLearningRate(1e-3).withProgress(false), out);
        var steps = t.train(source);
        assertEquals(2, steps.size());
        for (var s : steps) assertTrue(s.updated() && s.loss() > 0 && Double.isFinite(s.loss()), s.toString());

        OnlineTrainingSource blind = new OnlineTrainingSource(sampler, FixedDetector.always(List.of()), TargetPolicy.OFFICIAL, im, new ExampleFactory(sd, TINY));
        assertFalse(blind.next(1, null).hasAnyTarget(), "a detector that finds nothing gives no target");
    }

    private static float[] leftHalf() {
        float[] v = new float[64 * 64];
        for (int y = 0; y < 64; y++) for (int x = 0; x < 32; x++) v[y * 64 + x] = 1;
        return v;
    }
}
