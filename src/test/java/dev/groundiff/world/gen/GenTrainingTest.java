package dev.groundiff.world.gen;

import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.world.DetectorTrainer;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The generative stages at a tiny size on 32x32 scenes: learning, exact resume, and a folder the SD pipeline loads. */
class GenTrainingTest {
    static final int SIZE = 32;
    static final GenArchitecture TINY = GenArchitecture.tiny();
    static final GenTraining VAE = new GenTraining("vae", TINY, 4, 1e-2, 2, 3, 0, 1e-4, 0, "float32", 0);
    static final GenTraining DIFFUSION = new GenTraining("diffusion", TINY, 4, 5e-3, 2, 3, 0.25, 0, 0.9, "float32", 0);
    static final DetectorTrainer.Limits NONE = DetectorTrainer.Limits.none();

    @BeforeAll
    static void init() {
        Torch.init();
    }

    private static double[] losses(Path runDir) throws Exception {
        List<String> lines = Files.readAllLines(runDir.resolve(GenTrainer.LOSS_CSV));
        return lines.stream().skip(1).filter(l -> !l.isBlank()).mapToDouble(l -> Double.parseDouble(l.split(",")[1])).toArray();
    }

    private static double mean(double[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += x[i];
        return s / (to - from);
    }

    private static void trainVae(Path tmp, Path model) throws Exception {
        GenRun.train(VAE, LrDecay.NONE, SIZE, 4, tmp.resolve("run-vae"), model, false, NONE, DType.FLOAT32);
    }

    @Test
    void vaeStageReducesReconstructionLoss(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        GenTrainer.Result r = GenRun.train(VAE, LrDecay.NONE, SIZE, 24, tmp.resolve("run"), model, false, NONE, DType.FLOAT32);
        assertTrue(r.finished());
        double[] l = losses(tmp.resolve("run"));
        assertEquals(24, l.length);
        assertTrue(mean(l, 20, 24) < 0.8 * mean(l, 0, 4), "loss " + mean(l, 0, 4) + " -> " + mean(l, 20, 24));
        // the export measured a latent scale and wrote it into the config
        double scale = dev.groundiff.diffusion.vae.VaeConfig.read(model.resolve("vae/config.json")).scalingFactor();
        assertTrue(scale > 0 && scale != 1.0 && Double.isFinite(scale), "scaling factor " + scale);
    }

    @Test
    void diffusionStageReducesNoisePredictionLoss(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 30, tmp.resolve("run"), model, false, NONE, DType.FLOAT32);
        double[] l = losses(tmp.resolve("run"));
        assertEquals(30, l.length);
        assertTrue(mean(l, 22, 30) < 0.8 * mean(l, 0, 8), "loss " + mean(l, 0, 8) + " -> " + mean(l, 22, 30));
    }

    @Test
    void resumedRunEndsBitIdenticalToUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        // the diffusion stage reads the VAE from the model folder: give both runs the same one
        copyTree(model.resolve("vae"), tmp.resolve("m1/vae"));
        copyTree(model.resolve("vae"), tmp.resolve("m2/vae"));
        GenTrainer.Result a = GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 5, straight, tmp.resolve("m1"), false, NONE, DType.FLOAT32);
        assertEquals(5, a.step());

        // checkpoints every 2 steps here, every 100 in the resumed part and the straight run: the interval is not part of the recipe
        GenTrainer.Result first = GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 5, split, tmp.resolve("m2"), false,
                new DetectorTrainer.Limits(3, Double.POSITIVE_INFINITY, 2, false), DType.FLOAT32);
        assertFalse(first.finished());
        assertEquals("3", SafeTensors.open(split.resolve(GenTrainer.CHECKPOINT)).metadata().get("step"));
        // a kill after the checkpoint leaves loss rows it does not hold: resume drops them
        Files.writeString(split.resolve(GenTrainer.LOSS_CSV), "4,9.9,0.1,1.0\n5,9.", java.nio.file.StandardOpenOption.APPEND);
        assertThrows(GroundiffException.class, () -> GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 5, split, tmp.resolve("m2"), false, NONE, DType.FLOAT32));
        GenTrainer.Result b = GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 5, split, tmp.resolve("m2"), true, NONE, DType.FLOAT32);
        assertTrue(b.finished());

        Map<String, Tensor> x = SafeTensors.load(straight.resolve(GenTrainer.CHECKPOINT));
        Map<String, Tensor> y = SafeTensors.load(split.resolve(GenTrainer.CHECKPOINT));
        assertEquals(x.keySet(), y.keySet());
        assertTrue(x.keySet().stream().anyMatch(k -> k.startsWith("ema.")) && x.keySet().stream().anyMatch(k -> k.startsWith("optim.")));
        for (String k : x.keySet()) assertArrayEquals(Tensors.toBytes(x.get(k)), Tensors.toBytes(y.get(k)), k);
        assertArrayEquals(losses(straight), losses(split));

        // another recipe cannot resume this run
        GenTraining other = DIFFUSION.with(null, 1e-3, null);
        assertThrows(GroundiffException.class, () -> GenRun.train(other, LrDecay.NONE, SIZE, 6, split, tmp.resolve("m2"), true, NONE, DType.FLOAT32));
    }

    /** Mixed precision and Min-SNR weighting: they change the numbers, learn, and resume exactly. */
    @Test
    void mixedPrecisionMinSnrRunLearnsAndResumesExactly(@TempDir Path tmp) throws Exception {
        GenTraining recipe = DIFFUSION.withDiffusionOptions("bf16", 5.0);
        assertEquals("bfloat16", recipe.autocast());
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        copyTree(model.resolve("vae"), tmp.resolve("m1/vae"));
        copyTree(model.resolve("vae"), tmp.resolve("m2/vae"));
        copyTree(model.resolve("vae"), tmp.resolve("m3/vae"));
        GenRun.train(recipe, LrDecay.NONE, SIZE, 30, tmp.resolve("straight"), tmp.resolve("m1"), false, NONE, DType.FLOAT32);
        double[] l = losses(tmp.resolve("straight"));
        assertTrue(mean(l, 22, 30) < 0.8 * mean(l, 0, 8), "loss " + mean(l, 0, 8) + " -> " + mean(l, 22, 30));

        GenRun.train(recipe, LrDecay.NONE, SIZE, 30, tmp.resolve("split"), tmp.resolve("m2"), false,
                new DetectorTrainer.Limits(12, Double.POSITIVE_INFINITY, 5, false), DType.FLOAT32);
        GenRun.train(recipe, LrDecay.NONE, SIZE, 30, tmp.resolve("split"), tmp.resolve("m2"), true, NONE, DType.FLOAT32);
        Map<String, Tensor> x = SafeTensors.load(tmp.resolve("straight").resolve(GenTrainer.CHECKPOINT));
        Map<String, Tensor> y = SafeTensors.load(tmp.resolve("split").resolve(GenTrainer.CHECKPOINT));
        for (String k : x.keySet()) assertArrayEquals(Tensors.toBytes(x.get(k)), Tensors.toBytes(y.get(k)), k);

        // the same run in float32 without weighting is another recipe, with other losses
        GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 2, tmp.resolve("plain"), tmp.resolve("m3"), false, NONE, DType.FLOAT32);
        assertNotEquals(losses(tmp.resolve("plain"))[1], l[1]);
        assertThrows(GroundiffException.class, () -> GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 30, tmp.resolve("split"), tmp.resolve("m2"), true, NONE, DType.FLOAT32));
    }

    /** A constant-rate run annealed later with --resume ends where a run with the decay from the start ends. */
    @Test
    void constantRunAnnealedLaterEqualsRunWithTheDecayFromTheStart(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        copyTree(model.resolve("vae"), tmp.resolve("m1/vae"));
        copyTree(model.resolve("vae"), tmp.resolve("m2/vae"));
        LrDecay decay = LrDecay.lastSteps(6, 3);
        GenRun.train(DIFFUSION, decay, SIZE, 6, tmp.resolve("straight"), tmp.resolve("m1"), false, NONE, DType.FLOAT32);
        GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 3, tmp.resolve("later"), tmp.resolve("m2"), false, NONE, DType.FLOAT32);
        GenRun.train(DIFFUSION, decay, SIZE, 6, tmp.resolve("later"), tmp.resolve("m2"), true, NONE, DType.FLOAT32);

        Map<String, Tensor> x = SafeTensors.load(tmp.resolve("straight").resolve(GenTrainer.CHECKPOINT));
        Map<String, Tensor> y = SafeTensors.load(tmp.resolve("later").resolve(GenTrainer.CHECKPOINT));
        for (String k : x.keySet()) assertArrayEquals(Tensors.toBytes(x.get(k)), Tensors.toBytes(y.get(k)), k);
        assertArrayEquals(losses(tmp.resolve("straight")), losses(tmp.resolve("later")));
        // the CSV logs the rates the steps ran with: 5e-3 after the 2 warm-up steps, then 3/3, 2/3, 1/3 of it
        List<String> rows = Files.readAllLines(tmp.resolve("later").resolve(GenTrainer.LOSS_CSV));
        double[] lr = rows.stream().skip(1).mapToDouble(r -> Double.parseDouble(r.split(",")[2])).toArray();
        assertArrayEquals(new double[] {2.5e-3, 5e-3, 5e-3, 5e-3, 5e-3 * 2 / 3, 5e-3 / 3}, lr, 1e-8); // written with 6 digits
        assertEquals("3-6", SafeTensors.open(tmp.resolve("m2/unet/diffusion_pytorch_model.safetensors")).metadata().get(GenTrainer.LR_DECAY_KEY));

        // the decay reached the optimizer: the same 6 steps at the constant rate end elsewhere
        copyTree(model.resolve("vae"), tmp.resolve("m3/vae"));
        GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 6, tmp.resolve("constant"), tmp.resolve("m3"), false, NONE, DType.FLOAT32);
        Map<String, Tensor> z = SafeTensors.load(tmp.resolve("constant").resolve(GenTrainer.CHECKPOINT));
        String w = "model.unet.conv_in.weight";
        assertFalse(java.util.Arrays.equals(Tensors.toBytes(x.get(w)), Tensors.toBytes(z.get(w))), "decayed and constant runs ended alike");

        // past the decay's start, another decay would rewrite steps already taken: refused, with the reason
        GroundiffException e = assertThrows(GroundiffException.class, () -> GenRun.train(DIFFUSION, LrDecay.lastSteps(8, 2), SIZE, 8,
                tmp.resolve("later"), tmp.resolve("m2"), true, NONE, DType.FLOAT32));
        assertTrue(e.getMessage().contains("learning-rate decay 3-6") && !e.getMessage().contains("starts after"), e.getMessage());
        // so would a decay that starts before a constant run's checkpoint
        e = assertThrows(GroundiffException.class, () -> GenRun.train(DIFFUSION, LrDecay.lastSteps(8, 7), SIZE, 8,
                tmp.resolve("constant"), tmp.resolve("m3"), true, NONE, DType.FLOAT32));
        assertTrue(e.getMessage().contains("learning-rate decay none") && e.getMessage().contains("starts after step 6"), e.getMessage());
        // and steps past a decay's end would run at rate zero
        assertThrows(GroundiffException.class, () -> GenRun.train(DIFFUSION, new LrDecay(2, 4), SIZE, 6,
                tmp.resolve("past-end"), tmp.resolve("m3"), false, NONE, DType.FLOAT32));
    }

    @Test
    void minSnrWeightsFollowTheSchedule(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        DiffusionStage stage = new DiffusionStage(DIFFUSION.withDiffusionOptions(null, 5.0), dev.groundiff.world.SceneSpec.defaults().withSize(SIZE), model.resolve("vae"));
        float[] w = Tensors.toFloats(stage.minSnrWeights(Tensors.fromLongs(new long[] {0, 100, 500, 999}, 4)));
        float[] ab = Tensors.toFloats(new dev.groundiff.diffusion.scheduler.DdimScheduler(TINY.schedulerConfig()).alphasCumprod());
        for (int i = 0; i < 4; i++) {
            int t = new int[] {0, 100, 500, 999}[i];
            double snr = ab[t] / (1.0 - ab[t]);
            assertEquals(Math.min(snr, 5.0) / snr, w[i], 1e-5, "t=" + t);
        }
        assertTrue(w[0] < 0.01 && w[3] == 1f, "nearly clean steps weigh little, noisy ones fully: " + java.util.Arrays.toString(w));
    }

    @Test
    void diffusionOptionsAreChecked() {
        assertThrows(GroundiffException.class, () -> DIFFUSION.withDiffusionOptions("float16", null));
        assertThrows(GroundiffException.class, () -> DIFFUSION.withDiffusionOptions(null, -1.0));
        assertThrows(GroundiffException.class, () -> VAE.withDiffusionOptions("bfloat16", null));
    }

    @Test
    void exportedFolderLoadsAndGenerates(@TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        trainVae(tmp, model);
        GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 2, tmp.resolve("run"), model, false, NONE, DType.FLOAT16);
        for (String f : List.of("model_index.json", "unet/config.json", "unet/diffusion_pytorch_model.safetensors", "vae/config.json",
                "text_encoder/config.json", "text_encoder/model.safetensors", "tokenizer/vocab.json", "tokenizer/merges.txt",
                "scheduler/scheduler_config.json")) {
            assertTrue(Files.isRegularFile(model.resolve(f)), f);
        }
        assertEquals(DType.FLOAT16, SafeTensors.open(model.resolve("unet/diffusion_pytorch_model.safetensors")).entries().values().iterator().next().dtype());
        StableDiffusion sd = StableDiffusion.load(model, (Path) null, DType.FLOAT32);
        // the folder's tokenizer is the standard CLIP vocabulary
        assertArrayEquals(dev.groundiff.clip.ClipTokenizer.standard().tokenize("a photograph of a red star").ids(),
                sd.tokenizer.tokenize("a photograph of a red star").ids());
        GenerationResult r = new TextToImage(sd).generate(GenerationRequest.of(List.of("a photograph of a red star", "a blue ring"), 5, 3, 3.0, SIZE, SIZE));
        assertArrayEquals(new long[] {2, 3, SIZE, SIZE}, Tensors.shape(r.image()));
        assertArrayEquals(new long[] {2, 4, SIZE / 2, SIZE / 2}, Tensors.shape(r.latents()));
        for (float v : Tensors.toFloats(r.image())) assertTrue(v >= 0 && v <= 1);
    }

    @Test
    void diffusionWithoutVaeIsAClearError(@TempDir Path tmp) {
        GroundiffException e = assertThrows(GroundiffException.class,
                () -> GenRun.train(DIFFUSION, LrDecay.NONE, SIZE, 2, tmp.resolve("run"), tmp.resolve("empty"), false, NONE, DType.FLOAT32));
        assertTrue(e.getMessage().contains("--stage vae"), e.getMessage());
    }

    private static void copyTree(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, to.resolve(p.getFileName()));
        }
    }
}
