package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingConfig;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.io.Images;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.groundiff.cli.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code generate --grounding}: masks per category from the feature taps, on the mini fixture model. */
class GenerateGroundingTest {
    static Path ref;

    @BeforeAll
    static void init() {
        Torch.init();
        ref = Fixtures.dir("sd-reference");
    }

    /** A randomly initialised module shaped for the mini UNet (base width 16, CLIP width 32). */
    static Path tinyModule(Path dir) throws Exception {
        GroundingConfig c = GroundingConfig.forUnet(16, 4, 4, 8, 8, 32, 4, 3, 64, 32);
        Path ckpt = dir.resolve("grounding.safetensors");
        GroundingCheckpoint.save(new GroundingModule(c, ParamFactory.random(5)), ckpt);
        return ckpt;
    }

    @Test
    void writesOneBinaryMaskPerCategoryMatchingTheLogits(@TempDir Path tmp) throws Exception {
        Path ckpt = tinyModule(tmp);
        Path out = tmp.resolve("out");
        GenerateCommandTest.Run r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a photograph of a dog and a cat",
                "--steps", "3", "--height", "64", "--width", "96", "--grounding", ckpt.toString(), "--save-tensors", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        float[] logits;
        try (SafeTensors t = SafeTensors.open(out.resolve("tensors.safetensors"))) {
            assertArrayEquals(new long[] {2, 64, 96}, Tensors.shape(t.get("logits.0")), "categories found in the prompt: dog, cat");
            logits = Tensors.toFloats(t.get("logits.0"));
        }
        String[] names = {"dog", "cat"};
        for (int k = 0; k < 2; k++) {
            BufferedImage m = Images.read(out.resolve("mask-0-" + names[k] + ".png"));
            assertEquals(96, m.getWidth());
            assertEquals(64, m.getHeight());
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 96; x++) {
                    boolean in = (m.getRGB(x, y) & 0xFF) == 255;
                    assertEquals(logits[k * 64 * 96 + y * 96 + x] > 0, in, "mask pixel " + x + "," + y + " of " + names[k]);
                }
            }
        }
        assertTrue(Files.size(out.resolve("overlay-0.png")) > 0);
        JsonObject meta = JsonParser.parseString(Files.readString(out.resolve("metadata.json"))).getAsJsonObject();
        JsonObject g = meta.getAsJsonObject("grounding");
        assertEquals(2, g.get("feature_step").getAsInt(), "last of 3 steps by default");
        assertEquals("[\"dog\",\"cat\"]", g.getAsJsonObject("categories").get("0").toString());
    }

    @Test
    void explicitCategoriesAndAnEarlierFeatureStep(@TempDir Path tmp) throws Exception {
        Path ckpt = tinyModule(tmp);
        Path out = tmp.resolve("out");
        GenerateCommandTest.Run r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a photograph of a dog",
                "--prompt", "a watercolor of a fox", "--steps", "3", "--height", "64", "--width", "64", "--feature-step", "0",
                "--grounding", ckpt.toString(), "--category", "dining table", "--category", "sheep", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        for (int i = 0; i < 2; i++) {
            assertTrue(Files.exists(out.resolve("mask-" + i + "-dining_table.png")));
            assertTrue(Files.exists(out.resolve("mask-" + i + "-sheep.png")));
            assertTrue(Files.exists(out.resolve("overlay-" + i + ".png")));
        }
    }

    @Test
    void badGroundingInputIsAClearError(@TempDir Path tmp) throws Exception {
        GenerateCommandTest.Run r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--category", "dog", "--out", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--category needs --grounding"), r.err());

        Path ckpt = tinyModule(tmp);
        r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a photograph of a lighthouse", "--steps", "1",
                "--height", "64", "--width", "64", "--grounding", ckpt.toString(), "--out", tmp.resolve("o").toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("names no class of the pascal vocabulary"), r.err());

        r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--steps", "1", "--height", "64", "--width", "64",
                "--grounding", ckpt.toString(), "--category", " ", "--out", tmp.resolve("o").toString()));
        assertEquals(2, r.code());

        // a module for full-size SD v1.x does not fit the mini UNet's features
        Path big = tmp.resolve("sd.safetensors");
        GroundingCheckpoint.save(new GroundingModule(GroundingConfig.sdV1(), ParamFactory.uninitialized()), big);
        r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--steps", "1", "--height", "64", "--width", "64",
                "--grounding", big.toString(), "--out", tmp.resolve("o2").toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("trained for another model"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        // guidance 1 means no unconditional half
        r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--steps", "1", "--height", "64", "--width", "64",
                "--guidance", "1", "--grounding", ckpt.toString(), "--out", tmp.resolve("o3").toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("classifier-free guidance"), r.err());
    }
}
