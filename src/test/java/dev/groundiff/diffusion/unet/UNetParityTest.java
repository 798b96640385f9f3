package dev.groundiff.diffusion.unet;

import dev.groundiff.diffusion.SdReference;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** The tiny SD v1.5-structured UNet against diffusers 0.24 (fixtures/unet.safetensors and pipeline.safetensors). */
class UNetParityTest {
    /** README: feature tap name -> the hook it equals. */
    static final Map<String, String> TAP_HOOKS = new LinkedHashMap<>();

    static {
        TAP_HOOKS.put("in0", "conv_in");
        int k = 1;
        for (int b = 0; b < 4; b++) {
            for (int r = 0; r < (b < 3 ? 3 : 2); r++) TAP_HOOKS.put("in" + k++, "down_blocks." + b + ":res_samples." + r);
        }
        TAP_HOOKS.put("middle", "mid_block");
        String[] outs = {"up_blocks.0.resnets.0", "up_blocks.0.resnets.1", "up_blocks.0",
                "up_blocks.1.attentions.0", "up_blocks.1.attentions.1", "up_blocks.1",
                "up_blocks.2.attentions.0", "up_blocks.2.attentions.1", "up_blocks.2",
                "up_blocks.3.attentions.0", "up_blocks.3.attentions.1", "up_blocks.3.attentions.2"};
        for (int i = 0; i < outs.length; i++) TAP_HOOKS.put("out" + i, outs[i]);
    }

    static UNet2DConditionModel unet;
    static Map<String, Tensor> fx;
    static NoGradGuard noGrad;

    @BeforeAll
    static void load() {
        Torch.init();
        noGrad = new NoGradGuard();
        Path dir = SdReference.dir().resolve("unet");
        unet = new UNet2DConditionModel(ParamFactory.uninitialized(), UNetConfig.read(dir.resolve("config.json")));
        Path weights = dir.resolve("diffusion_pytorch_model.safetensors");
        StateDict.load(unet, SafeTensors.load(weights), weights.toString());
        fx = SdReference.fixture("unet");
    }

    @AfterAll
    static void release() {
        noGrad.close();
    }

    @Test
    void everyHookAndTheOutputMatchWithFusedAttention() {
        Map<String, Tensor> hooks = new HashMap<>();
        UNetOutput out = unet.forward(fx.get("in.sample"), fx.get("in.timestep"), fx.get("in.encoder_hidden_states"), TapRequest.NONE, hooks);
        assertNull(out.taps());
        SdReference.DiffLog log = new SdReference.DiffLog("unet.safetensors hooks + out.sample (fused attention)");
        log.check("out.sample", out.sample(), fx.get("out.sample"));
        TreeSet<String> missing = new TreeSet<>();
        int hookCount = 0;
        for (String name : fx.keySet()) {
            if (!name.startsWith("hook.")) continue;
            hookCount++;
            String path = name.substring("hook.".length());
            Tensor mine = hooks.get(path);
            if (mine == null) { missing.add(path); continue; }
            log.check(name, mine, fx.get(name));
        }
        assertTrue(missing.isEmpty(), "module outputs not recorded: " + missing);
        assertEquals(133, hookCount, "hook tensors in the fixture");
        assertEquals(hookCount + 1, log.count());
        System.out.println(log.summary());
    }

    @Test
    void perSampleTimesteps() {
        Tensor ts = fx.get("in.timesteps_per_sample");
        UNetOutput out = unet.forward(fx.get("in.sample"), ts, fx.get("in.encoder_hidden_states"), TapRequest.NONE);
        SdReference.DiffLog log = new SdReference.DiffLog("unet.safetensors out.sample_per_sample_timesteps");
        log.check("out.sample_per_sample_timesteps", out.sample(), fx.get("out.sample_per_sample_timesteps"));
        System.out.println(log.summary());
    }

    @Test
    void featureTapsAndCrossAttentionProbabilities() {
        Map<String, Tensor> hooks = new HashMap<>();
        UNetOutput out = unet.forward(fx.get("in.sample"), fx.get("in.timestep"), fx.get("in.encoder_hidden_states"), TapRequest.all(), hooks);
        SdReference.DiffLog log = new SdReference.DiffLog("unet.safetensors taps + attn_probs + out.sample (explicit attention)");
        log.check("out.sample", out.sample(), fx.get("out.sample"));
        FeatureTaps taps = out.taps();
        assertNotNull(taps);
        assertEquals(List.of(FeatureTaps.NAMES), taps.names());
        assertEquals(25, taps.blocks().size());
        for (int i = 0; i < FeatureTaps.NAMES.length; i++) {
            String name = FeatureTaps.NAMES[i];
            log.check("tap." + name, taps.blocks().get(i), fx.get("hook." + TAP_HOOKS.get(name)));
            assertSame(taps.blocks().get(i), taps.block(name));
        }
        // the explicit-attention path must reproduce the hooks too
        for (String name : fx.keySet()) {
            if (name.startsWith("hook.")) log.check(name, hooks.get(name.substring(5)), fx.get(name));
        }

        TreeSet<String> expectedProbs = new TreeSet<>();
        for (String name : fx.keySet()) if (name.startsWith("attn_probs.")) expectedProbs.add(name.substring("attn_probs.".length()));
        assertEquals(16, expectedProbs.size());
        assertEquals(expectedProbs, new TreeSet<>(taps.crossAttention().keySet()));
        for (String path : expectedProbs) log.check("attn_probs." + path, taps.crossAttention().get(path), fx.get("attn_probs." + path));

        assertGroups(taps);
        System.out.println(log.summary());
    }

    /** paper_code.md §1.3: the four groups and their concat order. */
    static void assertGroups(FeatureTaps taps) {
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("low", List.of("in9", "in10", "in11", "middle", "out0", "out1"));
        expected.put("mid", List.of("in6", "in7", "in8", "out2", "out3", "out4"));
        expected.put("high", List.of("in3", "in4", "in5", "out5", "out6", "out7"));
        expected.put("highest", List.of("in0", "in1", "in2", "out8", "out9", "out10", "out11"));
        Map<String, List<Tensor>> groups = taps.groups();
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(groups.keySet()));
        long latentH = Tensors.shape(taps.block("in0"))[2];
        int div = 8;
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            List<Tensor> g = groups.get(e.getKey());
            assertEquals(e.getValue().size(), g.size(), e.getKey());
            for (int i = 0; i < g.size(); i++) {
                assertSame(taps.block(e.getValue().get(i)), g.get(i), e.getKey() + "[" + i + "]");
                assertEquals(latentH / div, Tensors.shape(g.get(i))[2], e.getKey() + " spatial size");
            }
            div /= 2;
        }
    }

    @Test
    void requestsReturnOnlyWhatWasAsked() {
        Tensor s = fx.get("in.sample"), t = fx.get("in.timestep"), c = fx.get("in.encoder_hidden_states");
        FeatureTaps blocks = unet.forward(s, t, c, TapRequest.blocks()).taps();
        assertEquals(25, blocks.blocks().size());
        assertTrue(blocks.crossAttention().isEmpty());
        FeatureTaps probs = unet.forward(s, t, c, TapRequest.crossAttention()).taps();
        assertTrue(probs.blocks().isEmpty());
        assertTrue(probs.groups().isEmpty());
        assertEquals(16, probs.crossAttention().size());
    }

    /** The pipeline's last UNet call: cat([step.8.latents] * 2) at timesteps[9] with the CFG prompt embeddings. */
    @Test
    void lastPipelineStepTaps() {
        Map<String, Tensor> p = SdReference.fixture("pipeline");
        Tensor latents = p.get("step.8.latents");
        Tensor batch = torch.cat(new TensorVector(latents, latents), 0);
        Tensor t = p.get("timesteps").select(0, 9);
        UNetOutput out = unet.forward(batch, t, p.get("prompt_embeds"), TapRequest.blocks());
        SdReference.DiffLog log = new SdReference.DiffLog("pipeline.safetensors last step (step.9.unet_out + last_step.tap.*)");
        log.check("step.9.unet_out", out.sample(), p.get("step.9.unet_out"));
        for (String name : FeatureTaps.NAMES) log.check("last_step.tap." + name, out.taps().block(name), p.get("last_step.tap." + name));
        assertGroups(out.taps());
        System.out.println(log.summary());
    }

    @Test
    void badInputsAreClearErrors() {
        Tensor s = fx.get("in.sample"), c = fx.get("in.encoder_hidden_states");
        Tensor three = Tensors.fromLongs(new long[] {1, 2, 3}, 3);
        var e = assertThrows(dev.groundiff.GroundiffException.class, () -> unet.forward(s, three, c, TapRequest.NONE));
        assertTrue(e.getMessage().contains("timesteps"), e.getMessage());
        Tensor wrongCtx = c.narrow(2, 0, 16);
        e = assertThrows(dev.groundiff.GroundiffException.class, () -> unet.forward(s, fx.get("in.timestep"), wrongCtx, TapRequest.NONE));
        assertTrue(e.getMessage().contains("encoder_hidden_states"), e.getMessage());
        Tensor wrongSample = s.narrow(1, 0, 3);
        e = assertThrows(dev.groundiff.GroundiffException.class, () -> unet.forward(wrongSample, fx.get("in.timestep"), c, TapRequest.NONE));
        assertTrue(e.getMessage().contains("sample"), e.getMessage());
    }
}
