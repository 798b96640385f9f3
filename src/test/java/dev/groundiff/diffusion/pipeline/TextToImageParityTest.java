package dev.groundiff.diffusion.pipeline;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.testing.Parity;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The whole pipeline against diffusers 0.24's StableDiffusionPipeline on the mini model (fixtures/pipeline, seed_runs). */
class TextToImageParityTest {
    static StableDiffusion sd;
    static SafeTensors pipe;
    static Path dir;

    @BeforeAll
    static void load() {
        Torch.init();
        dir = Fixtures.dir("sd-reference");
        sd = StableDiffusion.load(dir, (Path) null, DType.FLOAT32);
        pipe = SafeTensors.open(dir.resolve("fixtures/pipeline.safetensors"));
    }

    @AfterAll
    static void close() {
        pipe.close();
    }

    @Test
    void tenStepPipelineMatchesStepByStep() {
        List<String> prompts = List.of("a photograph of an astronaut riding a horse", "a watercolor of a fox in the snow");
        Parity.assertClose("in.input_ids", sd.tokenizer.batch(prompts), pipe.get("in.input_ids"));
        List<Tensor> stepLatents = new ArrayList<>();
        GenerationRequest req = GenerationRequest.of(prompts, 0, 10, 7.5, 128, 128).withInitLatents(pipe.get("in.latents").clone());
        GenerationResult r = new TextToImage(sd).generate(req, (i, n, x) -> stepLatents.add(x.clone()));
        Parity.assertClose("prompt_embeds", r.promptEmbeds(), pipe.get("prompt_embeds"));
        assertArrayEquals(dev.groundiff.torch.Tensors.toLongs(pipe.get("timesteps")), r.timesteps());
        assertEquals(10, stepLatents.size());
        for (int i = 0; i < 10; i++) Parity.assertClose("step." + i + ".latents", stepLatents.get(i), pipe.get("step." + i + ".latents"));
        Parity.assertClose("out.image", r.image(), pipe.get("out.image"));
    }

    @Test
    void lastStepFeatureTapsAreTheOfficialOnes() {
        List<String> prompts = List.of("a photograph of an astronaut riding a horse", "a watercolor of a fox in the snow");
        GenerationRequest req = GenerationRequest.of(prompts, 0, 10, 7.5, 128, 128).withInitLatents(pipe.get("in.latents").clone())
                .withTaps(dev.groundiff.diffusion.unet.TapRequest.blocks(), -1);
        GenerationResult r = new TextToImage(sd).generate(req);
        assertNotNull(r.taps());
        for (String name : r.taps().names()) {
            Parity.assertClose("last_step.tap." + name, r.taps().block(name), pipe.get("last_step.tap." + name));
        }
    }

    @Test
    void ddimInversionChainMatches() {
        Tensor embeds = pipe.get("prompt_embeds").narrow(0, 2, 1).clone(); // the first prompt's conditional embedding
        List<Tensor> chain = new DdimInversion(sd).invert(pipe.get("inversion.in.latents").clone(), embeds, 10);
        assertEquals(10, chain.size());
        for (int i = 0; i < 10; i++) Parity.assertClose("inversion.step." + i + ".latents", chain.get(i), pipe.get("inversion.step." + i + ".latents"));
    }

    @Test
    void seedRunsReproduceDiffusersFromTheSeedAlone() throws Exception {
        JsonObject runs = JsonParser.parseString(Files.readString(dir.resolve("fixtures/seed_runs.json"))).getAsJsonObject();
        try (SafeTensors ref = SafeTensors.open(dir.resolve("fixtures/seed_runs.safetensors"))) {
            for (var el : runs.getAsJsonArray("cases")) {
                JsonObject c = el.getAsJsonObject();
                int idx = c.get("index").getAsInt();
                List<String> prompts = new ArrayList<>();
                for (var p : c.getAsJsonArray("prompts")) prompts.add(p.getAsString());
                GenerationRequest req = GenerationRequest.of(prompts, c.get("seed").getAsLong(), c.get("steps").getAsInt(),
                        c.get("guidance").getAsDouble(), c.get("height").getAsInt(), c.get("width").getAsInt());
                if (c.has("negative_prompt")) req = req.withNegativePrompt(c.get("negative_prompt").getAsString());
                GenerationResult r = new TextToImage(sd).generate(req);
                Parity.assertClose("case" + idx + ".noise", r.noise(), ref.get("case" + idx + ".noise"));
                Parity.assertClose("case" + idx + ".latents", r.latents(), ref.get("case" + idx + ".latents"));
                Parity.assertClose("case" + idx + ".image", r.image(), ref.get("case" + idx + ".image"));
            }
        }
    }

    @Test
    void crossAttentionTraceSumsTheConditionalHalfOverSteps() {
        GenerationRequest req = GenerationRequest.of(List.of("a photograph of a dog and a cat"), 3, 4, 7.5, 64, 64).withCrossAttentionTrace(true);
        GenerationResult r = new TextToImage(sd).generate(req);
        Map<String, Tensor> sums = r.crossAttentionSums();
        assertEquals(16, sums.size(), "one entry per cross-attention layer of the SD v1 UNet");
        for (Tensor t : sums.values()) {
            // each pixel's 77 token probabilities sum to 1 per step, so to the step count over the trace
            double rowSum = t.sum(new long[] {3}, false, new org.bytedeco.pytorch.ScalarTypeOptional()).sub(dev.groundiff.torch.Tensors.scalar(4)).abs().max().item_double();
            assertTrue(rowSum < 1e-4, "row sums off by " + rowSum);
            assertEquals(1, t.size(0), "conditional half only");
        }
    }
}
