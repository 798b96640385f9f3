package dev.groundiff.diffusion.pipeline;

import dev.groundiff.clip.ClipTokenizer;
import dev.groundiff.diffusion.scheduler.DdimScheduler;
import dev.groundiff.diffusion.unet.FeatureTaps;
import dev.groundiff.diffusion.unet.TapRequest;
import dev.groundiff.diffusion.unet.UNetOutput;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stable Diffusion text-to-image with DDIM and classifier-free guidance, step for step as diffusers'
 * {@code StableDiffusionPipeline}: same noise from the same seed, same conditioning batch layout
 * ([uncond..., cond...]), same guidance formula, same VAE post-processing.
 */
public final class TextToImage {
    private static final Logger LOG = LoggerFactory.getLogger(TextToImage.class);

    /** Called after every denoising step with the new latents (progress bars, step-by-step checks). */
    public interface StepListener {
        void afterStep(int index, int total, Tensor latents);
    }

    private final StableDiffusion sd;

    public TextToImage(StableDiffusion sd) {
        this.sd = sd;
    }

    public GenerationResult generate(GenerationRequest req) {
        return generate(req, (i, n, x) -> { });
    }

    public GenerationResult generate(GenerationRequest req, StepListener listener) {
        Torch.init();
        int n = req.prompts().size();
        boolean cfg = req.classifierFreeGuidance();
        ScalarType compute = sd.dtype.scalarType;
        try (NoGradGuard ng = new NoGradGuard()) {
            boolean[] truncated = new boolean[n];
            for (int i = 0; i < n; i++) {
                ClipTokenizer.Tokenized t = sd.tokenizer.tokenize(req.prompts().get(i));
                truncated[i] = t.truncated();
                if (t.truncated()) {
                    LOG.warn("prompt {} has {} tokens; CLIP reads only the first {}, the rest is ignored",
                            i, t.numTokensUntruncated(), ClipTokenizer.MAX_LENGTH);
                }
            }
            Tensor cond = encode(req.prompts());
            Tensor embeds = cond;
            if (cfg) {
                List<String> neg = new ArrayList<>();
                for (int i = 0; i < n; i++) neg.add(req.negativePrompt());
                embeds = torch.cat(new TensorVector(encode(neg), cond), 0);
            }
            Generator gen = torch.createCPUGenerator(req.seed());
            int f = sd.vaeConfig.downsampleFactor(); // 8 for SD, 4 for the world model
            long[] shape = {n, sd.unetConfig.inChannels(), req.height() / f, req.width() / f};
            Tensor noise = req.initLatents() != null
                    ? checkedInitLatents(req.initLatents(), shape)
                    : torch.randn(shape, new GeneratorOptional(gen), Tensors.options(ScalarType.Float));
            DdimScheduler scheduler = new DdimScheduler(sd.schedulerConfig);
            long[] timesteps = scheduler.setTimesteps(req.steps());
            Tensor latents = noise.mul(Tensors.scalar(scheduler.initNoiseSigma()));
            FeatureTaps taps = null;
            Map<String, Tensor> attnSums = req.traceCrossAttention() ? new LinkedHashMap<>() : null;
            Tensor embedsC = embeds.to(compute);
            for (int i = 0; i < timesteps.length; i++) {
                try (PointerScope scope = new PointerScope()) {
                    boolean tapHere = i == req.tapStepIndex() && !req.taps().isNone();
                    TapRequest ask = TapRequest.of(tapHere && req.taps().wantsBlocks(),
                            (tapHere && req.taps().wantsCrossAttention()) || attnSums != null);
                    Tensor input = cfg ? torch.cat(new TensorVector(latents, latents), 0) : latents;
                    Tensor t = Tensors.fromLongs(new long[] {timesteps[i]}); // 0-d, broadcast over the batch
                    UNetOutput out = sd.unet.forward(input.to(compute), t, embedsC, ask);
                    Tensor eps = out.sample().to(ScalarType.Float);
                    if (cfg) {
                        Tensor u = eps.narrow(0, 0, n), c = eps.narrow(0, n, n);
                        eps = u.add(c.sub(u).mul(Tensors.scalar(req.guidance())));
                    }
                    Tensor variance = req.eta() > 0
                            ? torch.randn(Tensors.shape(eps), new GeneratorOptional(gen), Tensors.options(ScalarType.Float))
                            : null;
                    latents = Scopes.keep(scope, scheduler.step(eps, timesteps[i], latents, req.eta(), variance).prevSample());
                    if (tapHere) {
                        taps = out.taps();
                        Scopes.keepAll(scope, taps.blocks());
                        Scopes.keepAll(scope, taps.crossAttention().values());
                    }
                    if (attnSums != null) accumulateConditional(scope, attnSums, out.taps().crossAttention(), cfg, n);
                }
                listener.afterStep(i, timesteps.length, latents);
            }
            Tensor decoded = sd.vae.decode(latents.div(Tensors.scalar(sd.vaeConfig.scalingFactor())).to(compute)).to(ScalarType.Float);
            Tensor image = decoded.div(Tensors.scalar(2)).add(Tensors.scalar(0.5)).clamp(new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(0)), new org.bytedeco.pytorch.ScalarOptional(Tensors.scalar(1)));
            return new GenerationResult(noise, latents, image, embeds, taps, attnSums, timesteps, truncated);
        }
    }

    /** The SD conditioning of a batch of prompts: CLIP last_hidden_state [n, 77, D], float32. */
    public Tensor encode(List<String> prompts) {
        Tensor ids = sd.tokenizer.batch(prompts);
        return sd.textEncoder.encode(ids, 0).to(ScalarType.Float);
    }

    private static Tensor checkedInitLatents(Tensor given, long[] shape) {
        if (!java.util.Arrays.equals(Tensors.shape(given), shape)) {
            throw new dev.groundiff.GroundiffException("initial latents have shape " + Tensors.shapeString(given)
                    + ", this request needs " + java.util.Arrays.toString(shape));
        }
        return given.to(ScalarType.Float);
    }

    /** DAAM keeps only the conditional half of each map and sums it over the steps. */
    private static void accumulateConditional(PointerScope scope, Map<String, Tensor> sums, Map<String, Tensor> maps, boolean cfg, int n) {
        for (Map.Entry<String, Tensor> e : maps.entrySet()) {
            Tensor p = e.getValue().to(ScalarType.Float);
            Tensor condHalf = cfg ? p.narrow(0, n, n) : p;
            Tensor prev = sums.get(e.getKey());
            Tensor next = prev == null ? condHalf.clone() : prev.add(condHalf);
            sums.put(e.getKey(), Scopes.keep(scope, next));
        }
    }
}
