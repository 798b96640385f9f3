package dev.groundiff.bench;

import dev.groundiff.GroundiffException;
import dev.groundiff.clip.ClipTextModel;
import dev.groundiff.diffusion.unet.TapRequest;
import dev.groundiff.diffusion.unet.UNet2DConditionModel;
import dev.groundiff.diffusion.vae.AutoencoderKL;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The measured cases, each a stage of Stable Diffusion at full SD v1.5 size (with the bundled configs)
 * and random weights. To add a case (e.g. the grounding module), add a constant with its CLI name, a
 * label, the reference figure if one exists (else null) and a {@link Workload.Factory}: the runner,
 * the child JVMs, the table and the JSON pick it up from here.
 */
public enum BenchCase {
    UNET_64("unet-64", "UNet, batch 2, 64x64 latents", new Reference(15.0, 5.9), (c, t, seed, size) -> unet(c, t, seed, size)),
    UNET_32("unet-32", "UNet, batch 2, 32x32 latents", new Reference(3.0, null), (c, t, seed, size) -> unet(c, t, seed, size / 2)),
    TEXT_ENCODER("text-encoder", "CLIP text encoder, batch 2", new Reference(0.18, null), BenchCase::textEncoder),
    /** The floor under TEXT_ENCODER: its Linear layers' matrix products alone, most of its time in float32. */
    TEXT_ENCODER_MATMULS("text-encoder-matmuls", "CLIP text encoder's Linear products alone", null, BenchCase::textEncoderMatmuls),
    VAE_DECODE("vae-decode", "VAE decode, 1 latent 64x64", new Reference(16.0, null), BenchCase::vaeDecode);

    /** The latent side of SD v1.5's 512x512 images. */
    public static final int FULL_LATENT = 64;

    public final String cliName;
    public final String label;
    /** Null where no reference figure exists. */
    public final Reference reference;
    private final Workload.Factory factory;

    BenchCase(String cliName, String label, Reference reference, Workload.Factory factory) {
        this.cliName = cliName;
        this.label = label;
        this.reference = reference;
        this.factory = factory;
    }

    /** The sizes in the labels are for {@code latentSize} {@link #FULL_LATENT}; the 32x32 case uses half of it. */
    public Workload prepare(ModelConfigs configs, ScalarType dtype, long seed, int latentSize) {
        if (latentSize < 2 || latentSize % 2 != 0) throw new GroundiffException("latent size must be even and at least 2, not " + latentSize);
        return factory.prepare(configs, dtype, seed, latentSize);
    }

    public static BenchCase parse(String name) {
        for (BenchCase c : values()) if (c.cliName.equals(name.toLowerCase(Locale.ROOT)) || c.name().equals(name)) return c;
        throw new GroundiffException("unknown bench case '" + name + "' (known: " + names() + ")");
    }

    public static String names() {
        return Arrays.stream(values()).map(c -> c.cliName).collect(Collectors.joining(", "));
    }

    // ---- the workloads -------------------------------------------------------------------------

    /** Inference settings for a freshly built module: frozen weights, eval mode, cast to the compute type. */
    static <M extends Module> M ready(M model, ScalarType dtype) {
        for (Tensor p : dev.groundiff.torch.nn.StateDict.of(model).values()) p.requires_grad_(false);
        model.train(false);
        if (dtype.value != ScalarType.Float.value) model.to(dtype, false);
        return model;
    }

    private static Tensor randn(Generator g, ScalarType dtype, long... shape) {
        return torch.randn(shape, new GeneratorOptional(g), dev.groundiff.torch.Tensors.options(ScalarType.Float)).to(dtype);
    }

    private static Workload unet(ModelConfigs c, ScalarType dtype, long seed, long latentSize) {
        UNet2DConditionModel unet = ready(new UNet2DConditionModel(ParamFactory.random(seed), c.unet()), dtype);
        Generator g = torch.createCPUGenerator(seed + 1);
        Tensor sample = randn(g, dtype, 2, c.unet().inChannels(), latentSize, latentSize);
        Tensor context = randn(g, dtype, 2, c.textEncoder().maxPositionEmbeddings(), c.unet().crossAttentionDim());
        Tensor timestep = torch.scalar_tensor(new org.bytedeco.pytorch.Scalar(500L),
                dev.groundiff.torch.Tensors.options(ScalarType.Long));
        return () -> unet.forward(sample, timestep, context, TapRequest.NONE).sample();
    }

    private static Workload textEncoder(ModelConfigs c, ScalarType dtype, long seed, int latentSize) {
        ClipTextModel model = ready(new ClipTextModel(ParamFactory.random(seed), c.textEncoder()), dtype);
        Generator g = torch.createCPUGenerator(seed + 1);
        Tensor ids = torch.randint(c.textEncoder().vocabSize(), new long[] {2, c.textEncoder().maxPositionEmbeddings()},
                new GeneratorOptional(g), dev.groundiff.torch.Tensors.options(ScalarType.Long));
        return () -> model.encode(ids, 0);
    }

    /**
     * Every layer's q/k/v/out projections, fc1 and fc2 (the same shapes, one weight set per layer as in the
     * model), without the attention, norms and activations between them: how fast the BLAS alone makes them.
     */
    private static Workload textEncoderMatmuls(ModelConfigs c, ScalarType dtype, long seed, int latentSize) {
        var cfg = c.textEncoder();
        long width = cfg.hiddenSize(), inner = cfg.intermediateSize(), tokens = cfg.maxPositionEmbeddings();
        Generator g = torch.createCPUGenerator(seed);
        List<Tensor[]> layers = new ArrayList<>();
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            layers.add(new Tensor[] {randn(g, dtype, width, width), randn(g, dtype, width, width), randn(g, dtype, width, width),
                    randn(g, dtype, width, width), randn(g, dtype, inner, width), randn(g, dtype, width, inner)});
        }
        Tensor x = randn(g, dtype, 2, tokens, width), h = randn(g, dtype, 2, tokens, inner);
        return () -> {
            Tensor last = null;
            for (Tensor[] w : layers) {
                for (int k = 0; k < 4; k++) torch.linear(x, w[k]);
                torch.linear(x, w[4]);
                last = torch.linear(h, w[5]);
            }
            return last;
        };
    }

    private static Workload vaeDecode(ModelConfigs c, ScalarType dtype, long seed, int latentSize) {
        AutoencoderKL vae = ready(new AutoencoderKL(ParamFactory.random(seed), c.vae()), dtype);
        Generator g = torch.createCPUGenerator(seed + 1);
        Tensor latents = randn(g, dtype, 1, c.vae().latentChannels(), latentSize, latentSize);
        return () -> vae.decode(latents);
    }
}
