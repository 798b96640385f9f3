package dev.groundiff.diffusion.scheduler;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.testing.Parity;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class DdimSchedulerTest {
    static Path sd;
    static SafeTensors ref;
    static DdimSchedulerConfig config;
    static final Map<String, Double> diffs = new TreeMap<>();

    @BeforeAll
    static void setUp() {
        Torch.init();
        sd = Fixtures.dir("sd-reference");
        ref = SafeTensors.open(sd.resolve("fixtures/scheduler.safetensors"));
        config = DdimSchedulerConfig.read(sd.resolve("scheduler/scheduler_config.json"));
    }

    @AfterAll
    static void tearDown() {
        System.out.println("DDIM max|a-b| vs fixtures: " + diffs);
        ref.close();
    }

    static void close(String name, Tensor actual) {
        diffs.put(name, Parity.assertClose(name, actual, ref.get(name)));
    }

    @Test
    void configReadsTheSdSchedulerAndAppliesDefaults() {
        assertEquals(DdimSchedulerConfig.stableDiffusion(), config);
        // SD v1.5's PNDM config lacks prediction_type and timestep_spacing: diffusers' defaults apply.
        DdimSchedulerConfig pndm = DdimSchedulerConfig.read(Fixtures.dir("sd15-manifest").resolve("configs/scheduler/scheduler_config.json"));
        assertEquals(DdimSchedulerConfig.stableDiffusion(), pndm);
        JsonObject bad = JsonParser.parseString("{\"beta_schedule\": \"squaredcos_cap_v2\"}").getAsJsonObject();
        GroundiffException e = assertThrows(GroundiffException.class, () -> DdimSchedulerConfig.fromJson(bad));
        assertTrue(e.getMessage().contains("squaredcos_cap_v2"), e.getMessage());
    }

    @Test
    void scheduleTensorsMatch() {
        DdimScheduler s = new DdimScheduler(config);
        close("betas", s.betas());
        close("alphas_cumprod", s.alphasCumprod());
        close("final_alpha_cumprod", s.finalAlphaCumprod().view(1));
        DdimInverseScheduler inv = new DdimInverseScheduler(config);
        close("inverse.initial_alpha_cumprod", inv.initialAlphaCumprod().view(1));
        assertEquals(1.0, s.initNoiseSigma());
    }

    @Test
    void timestepsMatchExactly() {
        int cases = 0;
        for (String name : ref.entries().keySet()) {
            boolean inverse = name.startsWith("inverse.timesteps.");
            if (!inverse && !name.startsWith("timesteps.")) continue;
            int n = Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
            long[] t = inverse ? new DdimInverseScheduler(config).setTimesteps(n) : new DdimScheduler(config).setTimesteps(n);
            assertArrayEquals(Tensors.toLongs(ref.get(name)), t, name);
            cases++;
        }
        assertEquals(16, cases);
    }

    @Test
    void everyStepCaseMatches() {
        int cases = 0;
        for (int k = 0; ref.contains("step." + k + ".prev_sample"); k++, cases++) checkStep("step." + k, 0.0, null);
        checkStep("step_eta1", 1.0, ref.get("step_eta1.variance_noise"));
        assertEquals(6, cases);
    }

    private void checkStep(String p, double eta, Tensor noise) {
        DdimScheduler s = new DdimScheduler(config);
        s.setTimesteps((int) ref.get(p + ".num_inference_steps").item_long());
        StepOutput out = s.step(ref.get(p + ".model_output"), ref.get(p + ".timestep").item_long(), ref.get(p + ".sample"), eta, noise);
        close(p + ".prev_sample", out.prevSample());
        close(p + ".pred_original_sample", out.predOriginalSample());
    }

    @Test
    void everyInverseStepCaseMatches() {
        int k = 0;
        for (; ref.contains("inverse_step." + k + ".prev_sample"); k++) {
            String p = "inverse_step." + k;
            DdimInverseScheduler s = new DdimInverseScheduler(config);
            s.setTimesteps((int) ref.get(p + ".num_inference_steps").item_long());
            StepOutput out = s.step(ref.get(p + ".model_output"), ref.get(p + ".timestep").item_long(), ref.get(p + ".sample"));
            close(p + ".prev_sample", out.prevSample());
            close(p + ".pred_original_sample", out.predOriginalSample());
        }
        assertEquals(5, k);
    }

    @Test
    void addNoiseMatches() {
        DdimScheduler s = new DdimScheduler(config);
        close("add_noise.noisy_samples", s.addNoise(ref.get("add_noise.original_samples"), ref.get("add_noise.noise"), ref.get("add_noise.timesteps")));
    }

    @Test
    void badUseIsReported() {
        DdimScheduler s = new DdimScheduler(config);
        Tensor x = ref.get("step.0.sample");
        assertThrows(IllegalStateException.class, () -> s.step(x, 981, x, 0, null));
        assertThrows(GroundiffException.class, () -> s.setTimesteps(0));
        assertThrows(GroundiffException.class, () -> s.setTimesteps(1001));
        s.setTimesteps(10);
        assertThrows(IllegalArgumentException.class, () -> s.step(x, 981, x, 1.0, null));
        GroundiffException e = assertThrows(GroundiffException.class, () -> s.step(x, 1000, x, 0, null));
        assertTrue(e.getMessage().contains("timestep 1000"), e.getMessage());
    }

    @Test
    void trailingAndLinspaceSpacingsFollowNumpy() {
        // diffusers' numpy formulas evaluated with numpy, for 1000 train steps and 10 inference steps.
        DdimSchedulerConfig trailing = new DdimSchedulerConfig(1000, 0.00085, 0.012, DdimSchedulerConfig.BetaSchedule.SCALED_LINEAR,
                false, 1.0, true, 0, DdimSchedulerConfig.PredictionType.EPSILON, DdimSchedulerConfig.TimestepSpacing.TRAILING);
        assertArrayEquals(new long[] {999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, new DdimScheduler(trailing).setTimesteps(10));
        assertArrayEquals(new long[] {99, 199, 299, 399, 499, 599, 699, 799, 899, 999}, new DdimInverseScheduler(trailing).setTimesteps(10));
        assertArrayEquals(new long[] {999, 666, 332}, new DdimScheduler(trailing).setTimesteps(3)); // round(1000 - i*333.33) - 1 (numpy)
        assertArrayEquals(new long[] {999, 856, 713, 570, 428, 285, 142}, new DdimScheduler(trailing).setTimesteps(7));
        DdimSchedulerConfig linspace = new DdimSchedulerConfig(1000, 0.00085, 0.012, DdimSchedulerConfig.BetaSchedule.SCALED_LINEAR,
                false, 1.0, true, 0, DdimSchedulerConfig.PredictionType.EPSILON, DdimSchedulerConfig.TimestepSpacing.LINSPACE);
        assertArrayEquals(new long[] {999, 888, 777, 666, 555, 444, 333, 222, 111, 0}, new DdimScheduler(linspace).setTimesteps(10));
        assertArrayEquals(new long[] {999, 832, 666, 500, 333, 166, 0}, new DdimScheduler(linspace).setTimesteps(7));
        // set_alpha_to_one: the boundary alpha is exactly 1 (0-dim).
        Tensor one = new DdimScheduler(trailing).finalAlphaCumprod();
        assertEquals(0, Tensors.shape(one).length);
        assertEquals(1.0, one.item_double());
    }

    @Test
    void vAndSamplePredictionsRecoverTheCleanSample() {
        Tensor x0 = ref.get("add_noise.original_samples");
        Tensor eps = ref.get("add_noise.noise");
        long t = 501;
        for (DdimSchedulerConfig.PredictionType type : DdimSchedulerConfig.PredictionType.values()) {
            DdimSchedulerConfig c = new DdimSchedulerConfig(1000, 0.00085, 0.012, DdimSchedulerConfig.BetaSchedule.SCALED_LINEAR,
                    false, 1.0, false, 1, type, DdimSchedulerConfig.TimestepSpacing.LEADING);
            DdimScheduler s = new DdimScheduler(c);
            s.setTimesteps(50);
            Tensor xt = s.addNoise(x0, eps, Tensors.fromLongs(new long[] {t, t, t, t}, 4));
            double a = s.alphasCumprod().select(0, t).item_double();
            Tensor target = switch (type) {
                case EPSILON -> eps;
                case SAMPLE -> x0;
                case V_PREDICTION -> eps.mul(new org.bytedeco.pytorch.Scalar(Math.sqrt(a))).sub(x0.mul(new org.bytedeco.pytorch.Scalar(Math.sqrt(1 - a))));
            };
            StepOutput out = s.step(target, t, xt, 0.0, null);
            Parity.assertClose(type + " pred_original_sample", out.predOriginalSample(), x0);
            // Deterministic DDIM moves x0 + eps to the previous noise level: compare with add_noise there.
            Parity.assertClose(type + " prev_sample", out.prevSample(), s.addNoise(x0, eps, Tensors.fromLongs(new long[] {t - 20, t - 20, t - 20, t - 20}, 4)));
        }
    }
}
