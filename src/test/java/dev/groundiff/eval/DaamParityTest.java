package dev.groundiff.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DAAM against the daam-reference fixture, with the README's acceptance rule: heat maps and
 * expanded_absolute max|a-b| <= 1e-4 * max|ref|; expanded max|a-b| <= 2e-3; masks equal at every
 * pixel whose reference expanded value is farther than 1e-3 from the threshold; token indices exact.
 */
class DaamParityTest {
    static final double HEAT_REL = 1e-4, EXPANDED_ABS = 2e-3, MASK_MARGIN = 1e-3;
    static final double[] THRESHOLDS = {0.3, 0.4, 0.5};
    static SafeTensors ref;
    static JsonObject index;

    @BeforeAll
    static void open() throws Exception {
        Torch.init();
        Path dir = Fixtures.dir("daam-reference");
        ref = SafeTensors.open(dir.resolve("daam.safetensors"));
        index = JsonParser.parseString(Files.readString(dir.resolve("index.json"))).getAsJsonObject();
    }

    @AfterAll
    static void close() {
        ref.close();
    }

    static JsonObject caseInfo(int c) {
        return index.getAsJsonArray("cases").get(c).getAsJsonObject();
    }

    static String modulePath(int layerIdx) {
        for (JsonElement e : index.getAsJsonArray("hooked_layers")) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("layer_idx").getAsInt() == layerIdx) return o.get("module").getAsString();
        }
        throw new AssertionError("no layer " + layerIdx);
    }

    /** Layer indices in DAAM's stack (execution) order. */
    static List<Integer> layerOrder() {
        List<Integer> out = new ArrayList<>();
        for (JsonElement e : caseInfo(0).getAsJsonArray("stack_order")) {
            int layer = e.getAsJsonArray().get(1).getAsInt();
            if (!out.contains(layer)) out.add(layer);
        }
        return out;
    }

    static double assertHeat(String name, Tensor actual, Tensor expected) {
        assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), name + " shape");
        double diff = Tensors.maxAbs(actual.to(torch.ScalarType.Double).sub(expected.to(torch.ScalarType.Double)));
        double peak = Tensors.maxAbs(expected);
        assertTrue(diff <= HEAT_REL * peak, String.format("%s: max|a-b| %.3g > %.0e * %.3g", name, diff, HEAT_REL, peak));
        return diff / peak;
    }

    static double assertExpanded(String name, Tensor actual, Tensor expected) {
        assertArrayEquals(Tensors.shape(expected), Tensors.shape(actual), name + " shape");
        double diff = Tensors.maxAbs(actual.to(torch.ScalarType.Double).sub(expected.to(torch.ScalarType.Double)));
        assertTrue(diff <= EXPANDED_ABS, String.format("%s: max|a-b| %.3g > %.0e", name, diff, EXPANDED_ABS));
        return diff;
    }

    /** Returns the number of pixels that differ (all of them within the margin of the threshold). */
    static int assertMask(String name, BitMask actual, Tensor expectedMask, Tensor refExpanded, double t) {
        float[] want = Tensors.toFloats(expectedMask), e = Tensors.toFloats(refExpanded);
        assertEquals(want.length, actual.width() * actual.height(), name + " size");
        int differing = 0;
        for (int i = 0; i < want.length; i++) {
            boolean a = actual.getIndex(i), w = want[i] > 0.5f;
            if (a != w) {
                differing++;
                assertTrue(Math.abs(e[i] - t) <= MASK_MARGIN, name + ": pixel " + i + " differs, reference expanded " + e[i] + " is not near " + t);
            }
        }
        return differing;
    }

    /** Feeding DAAM's per-step conditional maps reproduces its running sum (layer 9, all 10 steps). */
    @Test
    void stepAccumulationMatchesRawSum() {
        Tensor steps = ref.get("case0.steps.layer09"); // [step, head, T, h, w]
        long[] s = Tensors.shape(steps);
        int T = (int) s[2], h = (int) s[3], w = (int) s[4];
        String path = modulePath(9);
        DaamHeatMaps daam = new DaamHeatMaps(16, 16);
        for (int step = 0; step < s[0]; step++) {
            // build the UNet's [2, heads, HW, 77] probabilities: row 0 = unconditional (noise), tokens >= T zero
            Tensor cond = torch.zeros(new long[] {s[1], 77, h, w}, Tensors.options(torch.ScalarType.Float));
            cond.narrow(1, 0, T).copy_(steps.select(0, step));
            Tensor condQ = cond.reshape(s[1], 77, (long) h * w).permute(0, 2, 1);
            Tensor uncond = torch.rand(new long[] {s[1], (long) h * w, 77}, Tensors.options(torch.ScalarType.Float));
            Tensor probs = torch.stack(new org.bytedeco.pytorch.TensorVector(uncond, condQ), 0);
            assertTrue(daam.addStep(path, probs));
        }
        assertEquals(10, daam.steps());
        double rel = assertHeat("raw.layer09", daam.rawSum(path).narrow(1, 0, T), ref.get("case0.raw.layer09"));
        System.out.printf("DAAM raw.layer09 from 10 steps: max rel %.2e%n", rel);
    }

    @Test
    void diffusersLayoutIsTheSameAsTheSplitLayout() {
        Tensor probs = torch.rand(new long[] {2, 8, 16, 77}, Tensors.options(torch.ScalarType.Float));
        DaamHeatMaps a = new DaamHeatMaps(8, 8), b = new DaamHeatMaps(8, 8);
        a.addStep("down_blocks.1.attentions.0.transformer_blocks.0.attn2", probs);
        b.addStep("down_blocks.1.attentions.0.transformer_blocks.0.attn2", probs.reshape(16, 16, 77));
        assertEquals(0, Tensors.maxAbs(a.rawSum(a.layers().get(0)).sub(b.rawSum(b.layers().get(0)))));
        // conditional half only: changing the unconditional row changes nothing
        Tensor other = probs.clone();
        other.select(0, 0).fill_(new org.bytedeco.pytorch.Scalar(5.0));
        DaamHeatMaps c = new DaamHeatMaps(8, 8);
        c.addStep("down_blocks.1.attentions.0.transformer_blocks.0.attn2", other);
        assertEquals(0, Tensors.maxAbs(a.rawSum(a.layers().get(0)).sub(c.rawSum(c.layers().get(0)))));
    }

    @Test
    void midBlockAndSelfAttentionAreSkipped() {
        DaamHeatMaps daam = new DaamHeatMaps(16, 16);
        assertFalse(daam.addStep("mid_block.attentions.0.transformer_blocks.0.attn2", torch.rand(new long[] {2, 8, 4, 77}, Tensors.options(torch.ScalarType.Float))));
        assertFalse(daam.addStep("down_blocks.0.attentions.0.transformer_blocks.0.attn1", torch.rand(new long[] {2, 8, 256, 256}, Tensors.options(torch.ScalarType.Float))));
        assertTrue(daam.layers().isEmpty());
        assertThrows(GroundiffException.class, () -> daam.addStep("down_blocks.0.attentions.0.transformer_blocks.0.attn2",
                torch.rand(new long[] {2, 8, 200, 77}, Tensors.options(torch.ScalarType.Float))));
        assertThrows(GroundiffException.class, () -> daam.globalHeatMap(5, false));
    }

    @Test
    void upsampledLayersMatch() {
        for (int layer : new int[] {0, 3}) {
            String n = String.format("%02d", layer);
            Tensor up = DaamHeatMaps.upsampleClamped(ref.get("case0.raw.layer" + n), 16, 16);
            double rel = assertHeat("upsampled.layer" + n, up, ref.get("case0.upsampled.layer" + n));
            System.out.printf("DAAM upsampled.layer%s: max rel %.2e%n", n, rel);
        }
    }

    /** Case 0 end to end from DAAM's per-layer, per-head sums: every stored stage. */
    @Test
    void case0EndToEndFromRawSums() {
        JsonObject c = caseInfo(0);
        int T = c.get("T").getAsInt();
        DaamHeatMaps daam = new DaamHeatMaps(16, 16);
        for (int layer : layerOrder()) daam.addSummed(modulePath(layer), ref.get(String.format("case0.raw.layer%02d", layer)));
        assertEquals(15, daam.layers().size());
        Tensor global = daam.globalHeatMap(T, false);
        double g = assertHeat("case0.global_heat_map", global, ref.get("case0.global_heat_map"));
        double gn = assertHeat("case0.normalized.global_heat_map", daam.globalHeatMap(T, true), ref.get("case0.normalized.global_heat_map"));
        System.out.printf("DAAM case0 global max rel %.2e, normalized %.2e%n", g, gn);
        checkWords(0, global);
    }

    /** Cases 1..3 store no raw sums: word maps, expansion and masks from the stored global maps. */
    @Test
    void cases1to3FromGlobalHeatMaps() {
        for (int k = 1; k <= 3; k++) {
            Tensor global = ref.get("case" + k + ".global_heat_map");
            assertHeat("case" + k + ".normalized.global_heat_map", DaamHeatMaps.normalized(global), ref.get("case" + k + ".normalized.global_heat_map"));
            checkWords(k, global);
        }
    }

    @Test
    void mergeIndicesMatchDaam() {
        for (int k = 0; k < 4; k++) {
            JsonObject c = caseInfo(k);
            List<String> tokens = strings(c.getAsJsonArray("tokens"));
            for (JsonElement we : c.getAsJsonArray("words")) {
                JsonObject w = we.getAsJsonObject();
                int[] want = ints(w.getAsJsonArray("merge_indices"));
                // the word's own tokenisation = the prompt tokens of its first occurrence
                int len = 1;
                while (len < want.length && want[len] == want[0] + len) len++;
                List<String> wordTokens = tokens.subList(want[0] - 1, want[0] - 1 + len);
                assertArrayEquals(want, DaamHeatMaps.mergeIndices(tokens, wordTokens), "case" + k + " " + w.get("word"));
            }
        }
        assertThrows(GroundiffException.class, () -> DaamHeatMaps.mergeIndices(List.of("a</w>", "dog</w>"), List.of("cat</w>")));
        // without </w> marks a word matches a sub-token sequence, as DAAM's stripped comparison does
        assertArrayEquals(new int[] {2, 3}, DaamHeatMaps.mergeIndices(List.of("a</w>", "tv", "monitor</w>"), List.of("tv", "monitor")));
    }

    private void checkWords(int k, Tensor global) {
        JsonObject c = caseInfo(k);
        int size = c.get("height").getAsInt();
        List<String> tokens = strings(c.getAsJsonArray("tokens"));
        double worstHeat = 0, worstExp = 0;
        int flipped = 0;
        for (JsonElement we : c.getAsJsonArray("words")) {
            JsonObject w = we.getAsJsonObject();
            String word = w.get("word").getAsString();
            boolean object = w.get("object").getAsBoolean();
            int[] idx = ints(w.getAsJsonArray("merge_indices"));
            for (boolean norm : new boolean[] {false, true}) {
                String pre = "case" + k + "." + (norm ? "normalized." : "") + "word." + word + ".";
                Tensor g = norm ? DaamHeatMaps.normalized(global) : global;
                Tensor wm = DaamHeatMaps.wordHeatMap(g, idx);
                worstHeat = Math.max(worstHeat, assertHeat(pre + "heat_map", wm, ref.get(pre + "heat_map")));
                Tensor expanded = DaamHeatMaps.expand(wm, size, size, false);
                Tensor refExpanded = ref.get(pre + "expanded");
                worstExp = Math.max(worstExp, assertExpanded(pre + "expanded", expanded, refExpanded));
                if (!norm && object) {
                    worstHeat = Math.max(worstHeat, assertHeat(pre + "expanded_absolute", DaamHeatMaps.expand(wm, size, size, true), ref.get(pre + "expanded_absolute")));
                }
                if (!object) continue;
                var sweep = DaamHeatMaps.maskSweep(expanded, THRESHOLDS);
                for (double t : THRESHOLDS) {
                    String key = pre + "mask_t" + t;
                    flipped += assertMask(key, sweep.get(t), ref.get(key), refExpanded, t);
                }
            }
        }
        System.out.printf("DAAM case%d words: heat max rel %.2e, expanded max abs %.2e, mask pixels differing (all near t) %d%n", k, worstHeat, worstExp, flipped);
    }

    static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) out.add(e.getAsString());
        return out;
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    @Test
    void thresholdIsStrict() {
        Tensor e = Tensors.fromFloats(new float[] {0.4f, 0.40001f, 0.1f, 1f}, 2, 2);
        BitMask m = DaamHeatMaps.mask(e, 0.4);
        assertEquals("[false, true, false, true]", Arrays.toString(m.toRowMajor()));
    }
}
