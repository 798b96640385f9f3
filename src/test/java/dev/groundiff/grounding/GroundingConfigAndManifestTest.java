package dev.groundiff.grounding;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The full-size architecture against the official key/shape manifest, and the config's JSON form. */
class GroundingConfigAndManifestTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void fullSizeStateDictEqualsTheOfficialManifest() {
        GroundingFixture fx = new GroundingFixture();
        JsonObject manifest = fx.json("grounding_official_keys.json");
        GroundingModule m = new GroundingModule(GroundingConfig.sdV1(), ParamFactory.meta());
        Map<String, Tensor> state = m.stateDict();
        Map<String, Tensor> params = m.namedParameters();
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (JsonElement el : manifest.getAsJsonArray("keys")) {
            JsonObject k = el.getAsJsonObject();
            expected.add(k.get("key").getAsString() + " " + k.get("shape") + " " + k.get("dtype").getAsString() + " " + k.get("kind").getAsString());
        }
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            actual.add(e.getKey() + " " + java.util.Arrays.toString(Tensors.shape(e.getValue())).replace(" ", "") + " "
                    + dev.groundiff.torch.DType.of(e.getValue().scalar_type()).torchName + " " + (params.containsKey(e.getKey()) ? "parameter" : "buffer"));
        }
        assertEquals(expected, actual, "keys, shapes, dtypes and kinds in state_dict order");
        assertEquals(manifest.get("n_parameters").getAsLong(), StateDict.parameterCount(m));
        assertEquals(18_796_560L, StateDict.parameterCount(m));
        long elements = 0;
        for (Tensor t : state.values()) elements += t.numel();
        assertEquals(manifest.get("n_state_dict_elements").getAsLong(), elements);
    }

    @Test
    void reducedStateDictOrderIsTheFixtureOrder() {
        GroundingFixture fx = new GroundingFixture();
        List<String> expected = new ArrayList<>();
        for (JsonElement el : fx.model("reduced").getAsJsonArray("state_dict_order")) expected.add(el.getAsString());
        assertEquals(expected, new ArrayList<>(new GroundingModule(fx.config("reduced"), ParamFactory.meta()).stateDict().keySet()));
        assertEquals(fx.model("reduced").get("n_parameters").getAsLong(), StateDict.parameterCount(new GroundingModule(fx.config("reduced"), ParamFactory.meta())));
    }

    @Test
    void configJsonRoundTripsAndNamesBadFields(@TempDir Path dir) throws Exception {
        GroundingConfig c = GroundingConfig.sdV1();
        assertEquals(15360, c.lowChannels());
        assertEquals(14080, c.midChannels());
        assertEquals(8320, c.highChannels());
        assertEquals(5120, c.highestChannels());
        assertEquals(240, c.featureChannels());
        assertEquals(3840, c.tokenDim());
        Path p = dir.resolve("grounding_config.json");
        c.write(p);
        assertEquals(c, GroundingConfig.read(p));
        assertTrue(c.toJson().contains("\"low_channels\": 15360"), c.toJson());

        GroundiffException e = assertThrows(GroundiffException.class,
                () -> GroundingConfig.fromJson(c.toJson().replace("\"num_heads\": 8", "\"num_heads\": 7"), "x.json"));
        assertTrue(e.getMessage().contains("x.json") && e.getMessage().contains("num_heads 7"), e.getMessage());
        e = assertThrows(GroundiffException.class, () -> GroundingConfig.fromJson(c.toJson().replace("\"text_dim\": 768,", ""), "y.json"));
        assertTrue(e.getMessage().contains("text_dim"), e.getMessage());
        e = assertThrows(GroundiffException.class, () -> GroundingConfig.fromJson("{not json", "z.json"));
        assertTrue(e.getMessage().startsWith("z.json"), e.getMessage());
    }
}
