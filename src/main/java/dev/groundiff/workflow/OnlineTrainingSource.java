package dev.groundiff.workflow;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.PromptSampler;
import dev.groundiff.data.RgbImage;
import dev.groundiff.detect.OracleDetector;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.grounding.TrainingExample;
import dev.groundiff.grounding.TrainingSource;
import dev.groundiff.io.Images;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.Map;

/**
 * The official training loop's data: every example is a new prompt ({@link PromptSampler}), a new
 * image with the UNet taps of the feature step, and the detector's masks of that image; nothing is
 * stored. Example {@code i} depends only on (sampler seed, i), so resume is exact.
 */
public final class OnlineTrainingSource implements TrainingSource {
    private final PromptSampler sampler;
    private final OracleDetector detector;
    private final TargetPolicy policy;
    private final ImageSettings images;
    private final ExampleFactory factory;
    private final TextToImage t2i;

    public OnlineTrainingSource(PromptSampler sampler, OracleDetector detector, TargetPolicy policy, ImageSettings images, ExampleFactory factory) {
        images.requireGuidance("training the grounding module");
        this.sampler = sampler;
        this.detector = detector;
        this.policy = policy;
        this.images = images;
        this.factory = factory;
        this.t2i = new TextToImage(factory.model());
    }

    @Override
    public TrainingExample next(long index, Generator rng) {
        PromptSampler.Sample s = sampler.sample(index);
        GenerationResult res = t2i.generate(images.requestWithFeatures(s.prompt(), s.seed()));
        RgbImage image = RgbImage.of(Images.toImage(res.image().select(0, 0)));
        Map<String, BitMask> masks = policy.select(detector.detect(DetectionNames.fileName(index), image), s.categories());
        return factory.example(StoredFeatures.groups(StoredFeatures.fromTaps(res.taps(), 0, 1), ScalarType.Float, "generated features"),
                s.categories(), masks);
    }
}
