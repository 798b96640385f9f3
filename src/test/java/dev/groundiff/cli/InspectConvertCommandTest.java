package dev.groundiff.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.io.TorchCheckpoint;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class InspectConvertCommandTest {
    record Run(int code, String out, String err) {}

    @BeforeAll
    static void init() {
        Torch.init();
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    @Test
    void inspectJsonMatchesTheExpectedTensors() throws Exception {
        Path dir = Fixtures.dir("torch-checkpoints");
        Path file = dir.resolve("state_dict_mixed.pt");
        Run r = run("inspect", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonObject entries = json(dir.resolve("state_dict_mixed.pt.expected.json")).getAsJsonObject("root").getAsJsonObject("entries");
        assertEquals(entries.size(), got.size());
        for (Map.Entry<String, JsonElement> e : entries.entrySet()) {
            JsonObject want = e.getValue().getAsJsonObject(), t = got.getAsJsonObject("/" + e.getKey());
            assertNotNull(t, e.getKey());
            assertEquals(want.get("dtype"), t.get("dtype"), e.getKey());
            assertEquals(want.get("shape"), t.get("shape"), e.getKey());
            if (want.get("numel").getAsLong() > 0) {
                assertEquals(want.get("stride"), t.get("stride"), e.getKey());
                assertEquals(want.get("storage_offset").getAsLong(), t.get("offset").getAsLong(), e.getKey());
            }
            double s = want.get("sum").getAsDouble();
            assertEquals(s, t.get("sum").getAsDouble(), 1e-9 * Math.max(1, Math.abs(s)), e.getKey());
        }
    }

    @Test
    void inspectListsOtherValuesAndPlaceholders() {
        Path file = Fixtures.dir("torch-checkpoints").resolve("compvis_style.ckpt");
        Run r = run("inspect", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(got.has("/state_dict/model.diffusion_model.input_blocks.0.0.weight"));
        assertTrue(got.has("/optimizer_states/0/state/0/exp_avg"));
        JsonObject other = got.getAsJsonObject("__other__");
        assertEquals(470000, other.get("/global_step").getAsInt());
        assertEquals("1.4.2", other.get("/pytorch-lightning_version").getAsString());
        assertTrue(other.get("/training_logger").getAsString().contains("__main__.TrainingLogger"));
        assertEquals("logs/checkpoints", other.get("/callbacks/pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint/dirpath").getAsString());
        // text mode: one line per tensor
        Run text = run("inspect", file.toString());
        assertEquals(0, text.code());
        assertTrue(text.out().contains("/state_dict/model.diffusion_model.time_embed.0.weight  float16  [6, 8]"), text.out());
    }

    @Test
    void inspectReadsSafetensorsAndDiffusersFolders() {
        Path folder = Fixtures.dir("sd-reference");
        Run r = run("inspect", folder.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonObject got = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(686 + 248 + 52, got.size());
        JsonObject conv = got.getAsJsonObject("/unet/conv_in.weight");
        assertEquals("float32", conv.get("dtype").getAsString());
        assertEquals("[16,4,3,3]", conv.get("shape").toString());
        assertEquals("[36,9,3,1]", conv.get("stride").toString());
        Run one = run("inspect", folder.resolve("vae/diffusion_pytorch_model.safetensors").toString(), "--json");
        assertTrue(JsonParser.parseString(one.out()).getAsJsonObject().has("/decoder.conv_in.weight"));
    }

    @Test
    void rejectedFilesExitTwoWithOneLine() {
        Path dir = Fixtures.dir("torch-checkpoints");
        Run r = run("inspect", dir.resolve("malicious_zip_checkpoint.pt").toString(), "--json");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("posix.system"), r.err());
        Run c = run("inspect", dir.resolve("corrupted_crc.pt").toString());
        assertEquals(2, c.code());
        assertTrue(c.err().contains("CRC-32"), c.err());
    }

    @Test
    void convertWritesTheStateDict(@TempDir Path tmp) {
        Path in = Fixtures.dir("torch-checkpoints").resolve("compvis_style.ckpt");
        Path out = tmp.resolve("out.safetensors");
        Run r = run("convert", in.toString(), out.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> want = TorchCheckpoint.loadStateDict(in);
        Map<String, Tensor> got = SafeTensors.load(out);
        assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()));
        for (String k : want.keySet()) {
            assertEquals(want.get(k).scalar_type().value, got.get(k).scalar_type().value, k);
            assertArrayEquals(Tensors.shape(want.get(k)), Tensors.shape(got.get(k)), k);
            if (want.get(k).numel() > 0) assertArrayEquals(Tensors.toBytes(want.get(k)), Tensors.toBytes(got.get(k)), k);
        }
        // strided views are written as their values
        Path mixed = tmp.resolve("mixed.safetensors");
        assertEquals(0, run("convert", Fixtures.dir("torch-checkpoints").resolve("state_dict_mixed.pt").toString(), mixed.toString()).code());
        Map<String, Tensor> m = SafeTensors.load(mixed);
        assertArrayEquals(new long[] {4, 3}, Tensors.shape(m.get("broadcast.rows")));

        Path bad = tmp.resolve("bad.safetensors");
        Run rej = run("convert", Fixtures.dir("torch-checkpoints").resolve("malicious_legacy_exec.pt").toString(), bad.toString());
        assertEquals(2, rej.code());
        assertFalse(Files.exists(bad));
        List<String> left = new ArrayList<>();
        try (var s = Files.list(tmp)) {
            s.forEach(p -> left.add(p.getFileName().toString()));
        } catch (Exception e) {
            fail(e);
        }
        assertEquals(List.of("mixed.safetensors", "out.safetensors"), left.stream().sorted().toList(), "no temporary files left");
    }
}
