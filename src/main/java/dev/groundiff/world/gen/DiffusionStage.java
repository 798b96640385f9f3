package dev.groundiff.world.gen;

import dev.groundiff.torch.optim.Adam;

import dev.groundiff.GroundiffException;
import dev.groundiff.clip.ClipTextModel;
import dev.groundiff.clip.ClipTokenizer;
import dev.groundiff.diffusion.scheduler.DdimScheduler;
import dev.groundiff.diffusion.unet.UNet2DConditionModel;
import dev.groundiff.diffusion.vae.AutoencoderKL;
import dev.groundiff.diffusion.vae.VaeConfig;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Autocast;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import dev.groundiff.world.SceneSpec;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains the CLIP text encoder and the UNet together on the epsilon-prediction loss over latents of the
 * frozen world VAE, with caption dropout for classifier-free guidance. The EMA of both is what the export writes.
 */
public final class DiffusionStage implements TrainingStage {
    public static final String UNET_WEIGHTS = "diffusion_pytorch_model.safetensors";
    public static final String TEXT_WEIGHTS = "model.safetensors";

    private final GenTraining t;
    private final SceneSpec spec;
    private final ClipTokenizer tokenizer = ClipTokenizer.standard();
    private final AutoencoderKL vae;
    private final double scalingFactor;
    final ClipTextModel text;
    final UNet2DConditionModel unet;
    private final DdimScheduler scheduler;
    private final Adam opt;
    private final Ema ema;
    private final DType autocast;
    /** alpha_bar(t) of the schedule in float32, for the Min-SNR weights. */
    private final Tensor alphaBar;

    /** {@code vaeDir}: the {@code vae/} folder written by the vae stage (config with its scaling factor, weights). */
    public DiffusionStage(GenTraining t, SceneSpec spec, Path vaeDir) {
        this.t = t;
        this.spec = spec;
        Path cfg = vaeDir.resolve("config.json"), w = vaeDir.resolve(VaeStage.WEIGHTS);
        if (!Files.isRegularFile(cfg) || !Files.isRegularFile(w)) {
            throw new GroundiffException(vaeDir + ": no trained VAE there (config.json + " + VaeStage.WEIGHTS + "); run `groundiff world train --stage vae` first");
        }
        VaeConfig vc = VaeConfig.read(cfg);
        vae = new AutoencoderKL(ParamFactory.uninitialized(), vc);
        StateDict.load(vae, SafeTensors.load(w), w.toString());
        for (Tensor p : StateDict.of(vae).values()) p.requires_grad_(false);
        scalingFactor = vc.scalingFactor();
        text = new ClipTextModel(ParamFactory.random(t.seed()), t.architecture().textConfig());
        unet = new UNet2DConditionModel(ParamFactory.random(t.seed() + 1), t.architecture().unetConfig());
        scheduler = new DdimScheduler(t.architecture().schedulerConfig());
        Map<String, Tensor> params = new LinkedHashMap<>(Params.of("text_encoder.", text));
        params.putAll(Params.of("unet.", unet));
        opt = new Adam(params, 0.9, 0.999, 1e-8, 0, Adam.WeightDecay.DECOUPLED);
        ema = new Ema(params);
        autocast = DType.parse(t.autocast());
        alphaBar = scheduler.alphasCumprod().to(ScalarType.Float);
    }

    @Override
    public Map<String, Tensor> checkpointState() {
        Map<String, Tensor> all = new LinkedHashMap<>();
        all.putAll(Params.prefixed("model.text_encoder.", StateDict.of(text)));
        all.putAll(Params.prefixed("model.unet.", StateDict.of(unet)));
        all.putAll(Params.prefixed("ema.", ema.state()));
        all.putAll(Params.prefixed("optim.", opt.state()));
        return all;
    }

    @Override
    public void restore(Map<String, Tensor> state, int step, String source) {
        StateDict.load(text, Params.withPrefix(state, "model.text_encoder."), source);
        StateDict.load(unet, Params.withPrefix(state, "model.unet."), source);
        ema.load(Params.withPrefix(state, "ema."), source);
        opt.load(Params.withPrefix(state, "optim."), step, source);
    }

    @Override
    public double step(int s, double lr) {
        WorldScenes b = WorldScenes.render(t.firstSceneSeed(s), t.batch(), spec);
        Generator gen = torch.createCPUGenerator(t.stepSeed(s));
        int n = t.batch();
        Tensor drop = torch.rand(new long[] {n}, new GeneratorOptional(gen), Tensors.options(ScalarType.Float));
        float[] u = Tensors.toFloats(drop);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < n; i++) captions.add(u[i] < t.captionDropout() ? "" : b.captions().get(i));
        Tensor latents;
        try (NoGradGuard g = new NoGradGuard()) {
            latents = vae.encode(b.images()).mean().mul(Tensors.scalar(scalingFactor));
        }
        Tensor noise = torch.randn(Tensors.shape(latents), new GeneratorOptional(gen), Tensors.options(ScalarType.Float));
        long trainSteps = t.architecture().schedulerConfig().numTrainTimesteps();
        Tensor timesteps = torch.randint(trainSteps, new long[] {n}, new GeneratorOptional(gen), Tensors.options(ScalarType.Long));
        Tensor noisy = scheduler.addNoise(latents, noise, timesteps);
        Tensor eps;
        try (Autocast ac = Autocast.to(autocast)) {
            Tensor cond = text.encode(tokenizer.batch(captions), 0);
            eps = unet.forward(noisy, timesteps, cond, null).sample();
        }
        Tensor squared = eps.to(ScalarType.Float).sub(noise).pow(Tensors.scalar(2));
        Tensor loss = t.minSnrGamma() > 0
                ? squared.mean(new long[] {1, 2, 3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).mul(minSnrWeights(timesteps)).mean()
                : squared.mean();
        loss.backward();
        double v = loss.item_double();
        opt.step(lr);
        opt.zeroGrad();
        ema.update(t.emaDecay(s));
        return v;
    }

    /** Min-SNR weights of eps-prediction: min(SNR(t), gamma) / SNR(t), SNR(t) = alpha_bar(t) / (1 - alpha_bar(t)). */
    Tensor minSnrWeights(Tensor timesteps) {
        Tensor ab = alphaBar.index_select(0, timesteps);
        Tensor snr = ab.div(torch.rsub(ab, Tensors.scalar(1)));
        return torch.clamp_max(snr, Tensors.scalar(t.minSnrGamma())).div(snr);
    }

    @Override
    public void export(Path modelDir, DType dtype, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> avg = ema.state();
        Path te = modelDir.resolve("text_encoder"), un = modelDir.resolve("unet");
        SafeTensors.write(te.resolve(TEXT_WEIGHTS), Params.exportState(text, Params.withPrefix(avg, "text_encoder."), dtype.scalarType), metadata);
        AtomicFiles.writeString(te.resolve("config.json"), GenFolder.pretty(t.architecture().text()));
        SafeTensors.write(un.resolve(UNET_WEIGHTS), Params.exportState(unet, Params.withPrefix(avg, "unet."), dtype.scalarType), metadata);
        AtomicFiles.writeString(un.resolve("config.json"), GenFolder.pretty(t.architecture().unet()));
        AtomicFiles.writeString(modelDir.resolve("scheduler").resolve("scheduler_config.json"), GenFolder.pretty(t.architecture().scheduler()));
        GenFolder.writeTokenizer(modelDir.resolve("tokenizer"), tokenizer);
        GenFolder.writeModelIndex(modelDir);
    }
}
