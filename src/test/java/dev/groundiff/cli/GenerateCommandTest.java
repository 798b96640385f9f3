package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.io.DiffusersFolder;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.io.SingleFileCheckpoint;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.testing.Parity;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code groundiff generate} end to end: the seed runs of diffusers reproduced from the command line, from every model format. */
class GenerateCommandTest {
    record Run(int code, String out, String err) {}

    static Path ref;

    @BeforeAll
    static void init() {
        Torch.init();
        ref = Fixtures.dir("sd-reference");
    }

    static Run run(List<String> args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8)); // logger warnings and progress bars
        try {
            var cl = Main.commandLine();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            int code = cl.execute(args.toArray(String[]::new));
            return new Run(code, out.toString(), err + logs.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    /** The CLI arguments of seed_runs.json case {@code index}. */
    static List<String> seedRunArgs(int index, Path model, Path out) throws Exception {
        JsonObject c = JsonParser.parseString(Files.readString(ref.resolve("fixtures/seed_runs.json"))).getAsJsonObject()
                .getAsJsonArray("cases").get(index).getAsJsonObject();
        List<String> a = new ArrayList<>(List.of("generate", "--model", model.toString(), "--out", out.toString(), "--save-tensors",
                "--seed", c.get("seed").getAsString(), "--steps", c.get("steps").getAsString(),
                "--guidance", c.get("guidance").getAsString(), "--height", c.get("height").getAsString(), "--width", c.get("width").getAsString()));
        for (var p : c.getAsJsonArray("prompts")) { a.add("--prompt"); a.add(p.getAsString()); }
        if (c.has("negative_prompt")) { a.add("--negative-prompt"); a.add(c.get("negative_prompt").getAsString()); }
        return a;
    }

    static void assertSeedRun(int index, Path out, double imageAbs, double latentRel) {
        try (SafeTensors got = SafeTensors.open(out.resolve("tensors.safetensors"));
             SafeTensors want = SafeTensors.open(ref.resolve("fixtures/seed_runs.safetensors"))) {
            Parity.assertClose("case" + index + ".noise", got.get("noise"), want.get("case" + index + ".noise"));
            Parity.assertClose("case" + index + ".latents", got.get("latents"), want.get("case" + index + ".latents"), latentRel);
            double d = got.get("image").sub(want.get("case" + index + ".image")).abs().max().item_double();
            assertTrue(d <= imageAbs, "case" + index + ".image max|a-b| = " + d + " > " + imageAbs);
        }
    }

    @Test
    void seedRunsFromTheDiffusersFolder(@TempDir Path tmp) throws Exception {
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve("case" + i);
            Run r = run(seedRunArgs(i, ref, out));
            assertEquals(0, r.code(), r.err());
            assertSeedRun(i, out, 1e-4, Parity.SD_REL);
            JsonObject meta = JsonParser.parseString(Files.readString(out.resolve("metadata.json"))).getAsJsonObject();
            assertEquals(3, meta.getAsJsonObject("model").getAsJsonObject("files").size(), "sha256 of the three weight files");
            assertTrue(meta.has("code_version") && meta.has("seed") && meta.has("guidance") && meta.has("timings"));
            assertTrue(Files.size(out.resolve("image-0.png")) > 0);
        }
    }

    @Test
    void seedRunFromSingleFileCheckpoints(@TempDir Path tmp) throws Exception {
        // CompVis-layout safetensors written from the folder in Java (byte-identical to the reference file, see SingleFileCheckpointTest)
        Path single = tmp.resolve("model.safetensors");
        try (DiffusersFolder folder = DiffusersFolder.open(ref)) {
            SingleFileCheckpoint.write(folder, single);
        }
        List<String> args = new ArrayList<>(seedRunArgs(0, single, tmp.resolve("st")));
        args.addAll(List.of("--model-config", ref.toString()));
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        assertSeedRun(0, tmp.resolve("st"), 1e-4, Parity.SD_REL);

        // the reference model.ckpt (torch.save zip, read by the restricted unpickler)
        Path ckpt = ref.resolve("single_file/model.ckpt");
        args = new ArrayList<>(seedRunArgs(0, ckpt, tmp.resolve("ckpt")));
        args.addAll(List.of("--model-config", ref.toString()));
        r = run(args);
        assertEquals(0, r.code(), r.err());
        assertSeedRun(0, tmp.resolve("ckpt"), 1e-4, Parity.SD_REL);

        // fp16 weights: not exact by construction; the fixture README measured image 7.8e-4, latents 0.018 of a 30.9 peak
        Path half = tmp.resolve("model-fp16.safetensors");
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : SafeTensors.load(single).entrySet()) w.put(e.getKey(), e.getValue().to(ScalarType.Half));
        SafeTensors.write(half, w, Map.of());
        args = new ArrayList<>(seedRunArgs(0, half, tmp.resolve("fp16")));
        args.addAll(List.of("--model-config", ref.toString()));
        r = run(args);
        assertEquals(0, r.code(), r.err());
        assertSeedRun(0, tmp.resolve("fp16"), 2e-3, 1e-3);
    }

    @Test
    void userErrorsAreOneLineWithoutStackTrace(@TempDir Path tmp) {
        Run r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--height", "100", "--out", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("multiples of 8"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());

        r = run(List.of("generate", "--model", tmp.resolve("nope").toString(), "--prompt", "a dog", "--out", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        r = run(List.of("generate", "--model", ref.toString(), "--prompt", "a dog", "--dtype", "int8", "--out", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("float32 or bfloat16"), r.err());
    }

    @Test
    void overLongPromptIsTruncatedWithAWarning(@TempDir Path tmp) throws Exception {
        String longPrompt = "a red star ".repeat(40).trim();
        Run r = run(List.of("generate", "--model", ref.toString(), "--prompt", longPrompt, "--steps", "1", "--height", "64", "--width", "64", "--out", tmp.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("the rest is ignored"), r.err());
        JsonObject meta = JsonParser.parseString(Files.readString(tmp.resolve("metadata.json"))).getAsJsonObject();
        assertTrue(meta.getAsJsonArray("prompt_truncated").get(0).getAsBoolean());
    }
}
