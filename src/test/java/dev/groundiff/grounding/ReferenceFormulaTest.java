package dev.groundiff.grounding;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Java formula generator against formula_tensors.json: every weight and input, CRC-32 of the float32 bytes equal. */
class ReferenceFormulaTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void fmix32TestVectorsFromTheReadme() {
        assertEquals(0, ReferenceFormula.fmix32(0));
        assertEquals(1364076727L, ReferenceFormula.fmix32(1) & 0xFFFFFFFFL);
        assertEquals(301794027L, ReferenceFormula.fmix32((int) 2654435761L) & 0xFFFFFFFFL);
        assertEquals(2180083513L, ReferenceFormula.fmix32(0xFFFFFFFF) & 0xFFFFFFFFL);
    }

    @Test
    void reducedTensorsMatchBitExactly() {
        check("reduced");
    }

    @Test
    void fullTensorsMatchBitExactly() {
        check("full");
    }

    private static void check(String model) {
        GroundingFixture fx = new GroundingFixture();
        JsonObject expected = fx.json("formula_tensors.json").getAsJsonObject(model);
        ReferenceFormula formula = fx.formula();
        Map<String, long[]> shapes = GroundingFixture.shapes(fx.config(model));

        Map<String, Tensor> weights = formula.weights(shapes);
        List<String> keys = new ArrayList<>(weights.keySet());
        assertEquals(expected.getAsJsonArray("weights").size(), keys.size(), model + ": number of formula weights");
        for (JsonElement el : expected.getAsJsonArray("weights")) {
            JsonObject w = el.getAsJsonObject();
            String key = w.get("key").getAsString();
            assertEquals(w.get("k").getAsInt(), keys.indexOf(key), model + ": k of " + key);
            double[] rule = ReferenceFormula.rule(key, shapes);
            assertEquals(w.get("offset").getAsDouble(), rule[0], 0.0, model + ": offset of " + key);
            assertEquals(Double.parseDouble(w.get("scale_hex").getAsString()), rule[1], 0.0, model + ": scale of " + key);
            assertArrayEquals(longs(w), dev.groundiff.torch.Tensors.shape(weights.get(key)), model + ": shape of " + key);
            assertEquals(w.get("crc32_f32le").getAsLong(), GroundingFixture.crc32(weights.get(key)), model + ": CRC-32 of " + key);
        }

        int mc = fx.modelChannels(model);
        for (JsonElement el : expected.getAsJsonArray("inputs")) {
            JsonObject in = el.getAsJsonObject();
            String name = in.get("name").getAsString();
            int k = in.get("k").getAsInt();
            Tensor t;
            if (name.startsWith("features.")) t = formula.feature(k - ReferenceFormula.FEATURE_K0, mc);
            else if (name.equals("text_embedding")) t = formula.text();
            else if (name.equals("target_mask")) t = formula.target();
            else throw new AssertionError("unknown input " + name);
            assertArrayEquals(longs(in), dev.groundiff.torch.Tensors.shape(t), model + ": shape of " + name);
            assertEquals(in.get("crc32_f32le").getAsLong(), GroundingFixture.crc32(t), model + ": CRC-32 of " + name);
        }
    }

    private static long[] longs(JsonObject o) {
        var a = o.getAsJsonArray("shape");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }
}
