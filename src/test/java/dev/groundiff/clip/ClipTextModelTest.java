package dev.groundiff.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.testing.Parity;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class ClipTextModelTest {
    static Path sd;
    static ClipTextModel model;
    static SafeTensors ref;
    static NoGradGuard noGrad;

    @BeforeAll
    static void setUp() {
        Torch.init();
        noGrad = new NoGradGuard();
        sd = Fixtures.dir("sd-reference");
        model = ClipTextModel.load(sd.resolve("text_encoder"));
        ref = SafeTensors.open(sd.resolve("fixtures/text_encoder.safetensors"));
    }

    @AfterAll
    static void tearDown() {
        ref.close();
        noGrad.close();
    }

    static JsonObject json(Path p) throws IOException {
        return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @Test
    void configIsReadFromConfigJson() {
        ClipTextConfig c = model.config();
        assertEquals(new ClipTextConfig(49408, 32, 37, 3, 4, 77, "quick_gelu", 1e-5, 0, 2, 1, 32), c);
        JsonObject bad = new JsonObject();
        bad.addProperty("hidden_act", "relu");
        GroundiffException e = assertThrows(GroundiffException.class, () -> ClipTextConfig.fromJson(bad));
        assertTrue(e.getMessage().contains("relu"), e.getMessage());
    }

    @Test
    void fixtureInputIdsAreOurTokenizersIds() throws IOException {
        List<String> prompts = new ArrayList<>();
        for (JsonElement p : json(sd.resolve("fixtures/index.json")).getAsJsonObject("spec").getAsJsonArray("te_prompts")) prompts.add(p.getAsString());
        assertEquals(4, prompts.size());
        Parity.assertClose("in.input_ids", ClipTokenizer.standard().batch(prompts), ref.get("in.input_ids"));
        Parity.assertClose("in.input_ids (tokenizer folder)", ClipTokenizer.load(sd.resolve("tokenizer")).batch(prompts), ref.get("in.input_ids"));
    }

    @Test
    void everyReferenceTensorMatches() {
        Tensor ids = ref.get("in.input_ids");
        ClipTextModel.Output out = model.forward(ids, true);
        Map<String, Double> diffs = new TreeMap<>();
        diffs.put("out.last_hidden_state", Parity.assertClose("out.last_hidden_state", out.lastHiddenState(), ref.get("out.last_hidden_state")));
        diffs.put("out.pooler_output", Parity.assertClose("out.pooler_output", out.poolerOutput(), ref.get("out.pooler_output")));
        assertEquals(4, out.hiddenStates().size());
        assertEquals(3, out.attentions().size());
        for (int i = 0; i < 4; i++) {
            String n = "out.hidden_states." + i;
            diffs.put(n, Parity.assertClose(n, out.hiddenStates().get(i), ref.get(n)));
        }
        for (int i = 0; i < 3; i++) {
            String n = "out.attentions." + i;
            diffs.put(n, Parity.assertClose(n, out.attentions().get(i), ref.get(n)));
        }
        diffs.put("out.clip_skip_1", Parity.assertClose("out.clip_skip_1", model.encode(ids, 1), ref.get("out.clip_skip_1")));
        // The fused attention path (no probabilities) gives the same outputs.
        ClipTextModel.Output fused = model.forward(ids, false);
        assertTrue(fused.attentions().isEmpty());
        diffs.put("fused last_hidden_state", Parity.assertClose("fused last_hidden_state", fused.lastHiddenState(), ref.get("out.last_hidden_state")));
        diffs.put("encode(0)", Parity.assertClose("encode(ids, 0)", model.encode(ids, 0), ref.get("out.last_hidden_state")));
        System.out.println("ClipTextModel max|a-b| vs fixtures: " + diffs);
        // Every fixture tensor was compared.
        assertEquals(11, ref.entries().size());
        GroundiffException e = assertThrows(GroundiffException.class, () -> model.encode(ids, 4));
        assertTrue(e.getMessage().contains("clip skip 4"), e.getMessage());
    }

    @Test
    void runsInBfloat16() {
        ClipTextModel bf = ClipTextModel.load(sd.resolve("text_encoder"));
        bf.to(ScalarType.BFloat16, false);
        Tensor ids = ref.get("in.input_ids");
        Tensor expected = ref.get("out.last_hidden_state");
        for (boolean probs : new boolean[] {false, true}) {
            Tensor h = bf.forward(ids, probs).lastHiddenState();
            assertEquals(DType.BFLOAT16, DType.of(h.scalar_type()));
            double diff = Tensors.maxAbs(h.to(ScalarType.Float).sub(expected));
            System.out.println("bfloat16 last_hidden_state max|a-b| = " + diff + " (probs path: " + probs + ")");
            // bfloat16 keeps 8 significant bits (relative step 2^-8): a few steps of drift over 3 layers, not a wrong model.
            assertTrue(diff < 0.1 * Math.max(1, Tensors.maxAbs(expected)), "bfloat16 drifts by " + diff);
        }
        assertEquals(DType.BFLOAT16, DType.of(bf.encode(ids, 1).scalar_type()));
    }

    @Test
    void fullSizeArchitectureMatchesTheSd15Manifest() throws IOException {
        Path manifest = Fixtures.dir("sd15-manifest");
        ClipTextModel meta = new ClipTextModel(ParamFactory.meta(), ClipTextConfig.read(manifest.resolve("configs/text_encoder/config.json")));
        JsonObject te = json(manifest.resolve("sd15_diffusers_keys.json")).getAsJsonObject("text_encoder");
        Map<String, List<Long>> expected = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : te.getAsJsonObject("keys").entrySet()) {
            if (te.has("optional_keys") && te.getAsJsonObject("optional_keys").has(e.getKey())) continue;
            List<Long> shape = new ArrayList<>();
            for (JsonElement d : e.getValue().getAsJsonObject().getAsJsonArray("shape")) shape.add(d.getAsLong());
            expected.put(e.getKey(), shape);
        }
        Map<String, List<Long>> actual = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : StateDict.of(meta).entrySet()) {
            assertTrue(e.getValue().is_meta());
            List<Long> shape = new ArrayList<>();
            for (long d : Tensors.shape(e.getValue())) shape.add(d);
            actual.put(e.getKey(), shape);
        }
        assertEquals(196, expected.size());
        assertEquals(expected, actual);
        assertEquals(te.get("num_parameters").getAsLong(), StateDict.parameterCount(meta));
    }

    @Test
    void weightFileWithAWrongKeyIsRejected(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Map<String, Tensor> weights = new LinkedHashMap<>(StateDict.of(model));
        weights.remove("text_model.final_layer_norm.bias");
        weights.put(ClipTextModel.POSITION_IDS_KEY, Tensors.fromLongs(new long[77], 1, 77));
        Path f = tmp.resolve("model.safetensors");
        SafeTensors.write(f, weights, Map.of("format", "pt"));
        ClipTextModel m = new ClipTextModel(ParamFactory.uninitialized(), model.config());
        GroundiffException e = assertThrows(GroundiffException.class, () -> m.loadWeights(f));
        assertTrue(e.getMessage().contains("missing key 'text_model.final_layer_norm.bias'"), e.getMessage());
        assertFalse(e.getMessage().contains("position_ids"), e.getMessage());
    }
}
