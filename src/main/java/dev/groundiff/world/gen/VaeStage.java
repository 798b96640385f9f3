package dev.groundiff.world.gen;

import dev.groundiff.torch.optim.Adam;

import dev.groundiff.diffusion.vae.AutoencoderKL;
import dev.groundiff.diffusion.vae.LatentDistribution;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.world.SceneSpec;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains the world's {@link AutoencoderKL}: L1 reconstruction of a sampled latent plus a small KL term
 * (no perceptual or adversarial loss: the scenes are flat colours). The export measures the latent
 * scaling factor (1 / std of the latent means over fixed scenes) and writes {@code vae/}.
 */
public final class VaeStage implements TrainingStage {
    public static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    /** Scenes the scaling factor is measured on: outside the training seeds. */
    static final long SCALE_SEED = 5_000_000L;
    static final int SCALE_SCENES = 64;

    private final GenTraining t;
    private final SceneSpec spec;
    final AutoencoderKL vae;
    private final Adam opt;

    public VaeStage(GenTraining t, SceneSpec spec) {
        this.t = t;
        this.spec = spec;
        this.vae = new AutoencoderKL(ParamFactory.random(t.seed()), t.architecture().vaeConfig());
        this.opt = new Adam(Params.of("", vae), 0.9, 0.999, 1e-8, 0, Adam.WeightDecay.DECOUPLED);
    }

    @Override
    public Map<String, Tensor> checkpointState() {
        Map<String, Tensor> all = new LinkedHashMap<>(Params.prefixed("model.", dev.groundiff.torch.nn.StateDict.of(vae)));
        all.putAll(Params.prefixed("optim.", opt.state()));
        return all;
    }

    @Override
    public void restore(Map<String, Tensor> state, int step, String source) {
        dev.groundiff.torch.nn.StateDict.load(vae, Params.withPrefix(state, "model."), source);
        opt.load(Params.withPrefix(state, "optim."), step, source);
    }

    @Override
    public double step(int s, double lr) {
        WorldScenes b = WorldScenes.render(t.firstSceneSeed(s), t.batch(), spec);
        Generator gen = torch.createCPUGenerator(t.stepSeed(s));
        LatentDistribution d = vae.encode(b.images());
        Tensor z = d.sample(torch.randn(Tensors.shape(d.mean()), new GeneratorOptional(gen), Tensors.options(torch.ScalarType.Float)));
        Tensor rec = vae.decode(z);
        Tensor l1 = rec.sub(b.images()).abs().mean();
        // KL(N(mean, var) || N(0, 1)) per latent element
        Tensor kl = d.mean().pow(Tensors.scalar(2)).add(d.logvar().exp()).sub(Tensors.scalar(1)).sub(d.logvar()).mul(Tensors.scalar(0.5)).mean();
        Tensor loss = l1.add(kl.mul(Tensors.scalar(t.klWeight())));
        loss.backward();
        double v = loss.item_double();
        opt.step(lr);
        opt.zeroGrad();
        return v;
    }

    /** 1 / std of the latent means of {@link #SCALE_SCENES} fixed scenes, so that scaled latents have unit variance. */
    public double measureScalingFactor() {
        try (NoGradGuard g = new NoGradGuard()) {
            WorldScenes b = WorldScenes.render(SCALE_SEED, SCALE_SCENES, spec);
            return 1.0 / vae.encode(b.images()).mean().std().item_double();
        }
    }

    @Override
    public void export(Path modelDir, DType dtype, Map<String, String> metadata) throws IOException {
        double scale = measureScalingFactor();
        Path dir = modelDir.resolve("vae");
        SafeTensors.write(dir.resolve(WEIGHTS), Params.exportState(vae, null, dtype.scalarType), metadata);
        AtomicFiles.writeString(dir.resolve("config.json"), GenFolder.pretty(t.architecture().withScalingFactor(scale).vae()));
    }
}
