package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Category queries with a fake tokenizer (one id per word, "diningtable" split in two) and a fake encoder. */
class CategoryQueriesTest {
    /** Words to ids; "diningtable" -> two sub-tokens, like CLIP's BPE. */
    static int[] fakeBpe(String text) {
        List<Integer> ids = new ArrayList<>();
        for (String w : text.strip().split("\\s+")) {
            if (w.isEmpty()) continue;
            if (w.equals("diningtable")) {
                ids.add(900);
                ids.add(901);
            } else {
                ids.add(100 + Math.floorMod(w.hashCode(), 500));
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Hidden state at [row, position, d] = 1000 * position + d + id / 1e4: reveals which positions were averaged. */
    static final List<long[]> seenIds = new ArrayList<>();

    static Tensor fakeEncoder(Tensor ids) {
        long n = ids.size(0);
        long[] v = Tensors.toLongs(ids);
        seenIds.add(v);
        float[] out = new float[(int) (n * 77 * 4)];
        for (int r = 0; r < n; r++) {
            for (int p = 0; p < 77; p++) {
                for (int d = 0; d < 4; d++) out[(r * 77 + p) * 4 + d] = 1000f * p + d + v[r * 77 + p] / 1e4f;
            }
        }
        return Tensors.fromFloats(out, n, 77, 4);
    }

    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void averagesTheNameTokensAfterTheTemplate() {
        CategoryQueries q = new CategoryQueries(CategoryQueriesTest::fakeBpe, CategoryQueriesTest::fakeEncoder);
        assertArrayEquals(new int[] {5}, q.namePositions("sofa"));
        assertArrayEquals(new int[] {5, 6}, q.namePositions("diningtable"));
        assertArrayEquals(new int[] {5, 6, 7}, q.namePositions("potted plant pot"));
        assertEquals("a photograph of a sofa", q.sentence(" sofa "));

        seenIds.clear();
        Tensor e = q.embed(List.of("sofa", "diningtable"));
        assertArrayEquals(new long[] {2, 4}, Tensors.shape(e));
        long[] ids = seenIds.get(0);
        assertEquals(2 * 77, ids.length, "one encoder call with [2, 77] ids");
        assertEquals(CategoryQueries.CLIP_BOS, ids[0]);
        int[] sentence = fakeBpe("a photograph of a sofa");
        for (int i = 0; i < sentence.length; i++) assertEquals(sentence[i], ids[1 + i]);
        assertEquals(CategoryQueries.CLIP_EOS, ids[1 + sentence.length]);
        assertEquals(CategoryQueries.CLIP_EOS, ids[76], "padded with EOS");

        float[] v = Tensors.toFloats(e);
        // sofa: position 5 only
        assertEquals(5000f + 0 + ids[5] / 1e4f, v[0], 1e-3);
        // diningtable: mean of positions 5 and 6
        assertEquals(5500f + 1 + (900 + 901) / 2e4f, v[4 + 1], 1e-3);
        assertArrayEquals(Tensors.toFloats(q.embed("diningtable")), new float[] {v[4], v[5], v[6], v[7]}, 1e-6f);
    }

    @Test
    void rejectsEmptyAndOverlongNames() {
        CategoryQueries q = new CategoryQueries(CategoryQueriesTest::fakeBpe, CategoryQueriesTest::fakeEncoder);
        GroundiffException e = assertThrows(GroundiffException.class, () -> q.embed(List.of("  ")));
        assertTrue(e.getMessage().contains("empty category name"), e.getMessage());
        String fits = "w ".repeat(71).strip();
        assertEquals(71, q.namePositions(fits).length);
        String tooLong = "w ".repeat(72).strip();
        e = assertThrows(GroundiffException.class, () -> q.embed(List.of("sofa", tooLong)));
        assertTrue(e.getMessage().contains("72 tokens") && e.getMessage().contains("at most 71"), e.getMessage());
        assertThrows(GroundiffException.class, () -> q.embed(List.of()));
    }
}
