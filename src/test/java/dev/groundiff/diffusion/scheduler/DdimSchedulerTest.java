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
}
