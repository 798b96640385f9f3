package dev.groundiff.data;

import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptSamplerTest {
    @Test
    void reproducibleAndIndependentOfOrder() {
        Split s = Split.pascal(1);
        PromptSampler a = PromptSampler.official(s, Subset.SEEN, 42);
        PromptSampler b = PromptSampler.official(s, Subset.SEEN, 42);
        List<PromptSampler.Sample> forward = a.samples(0, 200);
        for (int i = 199; i >= 0; i--) assertEquals(forward.get(i), b.sample(i)); // any order, same answers
        assertNotEquals(forward, PromptSampler.official(s, Subset.SEEN, 43).samples(0, 200));
        assertEquals(42 + 17, forward.get(17).seed());
    }

    @Test
    void officialDistribution() {
        Split s = Split.pascal(1);
        PromptSampler p = PromptSampler.official(s, Subset.SEEN, 7);
        int two = 0, n = 4000;
        Map<String, Integer> counts = new HashMap<>();
        for (PromptSampler.Sample x : p.samples(0, n)) {
            for (String c : x.categories()) {
                assertTrue(s.seen().contains(c), c + " is not seen");
                counts.merge(c, 1, Integer::sum);
            }
            if (x.categories().size() == 2) {
                two++;
                assertEquals("a photograph of a " + x.categories().get(0) + " and a " + x.categories().get(1), x.prompt());
            } else {
                assertEquals("a photograph of a " + x.categories().get(0), x.prompt());
            }
        }
        assertTrue(Math.abs(two - n / 2) < 200, "two-object share " + two + "/" + n);
        assertEquals(15, counts.size());
        for (int c : counts.values()) assertTrue(c > 300 && c < 500, "uniform classes: " + counts);
        for (PromptSampler.Sample x : PromptSampler.official(s, Subset.UNSEEN, 7).samples(0, 100)) {
            for (String c : x.categories()) assertTrue(s.unseen().contains(c));
        }
    }

    @Test
    void userTemplates() {
        var t = new PromptSampler.Templates(List.of("a drawing of a {0}"), List.of("{0} beside {1}"));
        PromptSampler p = new PromptSampler(List.of("star", "ring"), 1, PromptSampler.Objects.TWO, t);
        PromptSampler.Sample x = p.sample(5);
        assertEquals(x.categories().get(0) + " beside " + x.categories().get(1), x.prompt());
        assertThrows(GroundiffException.class, () -> new PromptSampler.Templates(List.of("no slot"), List.of()));
        assertThrows(GroundiffException.class, () -> new PromptSampler(List.of(), 1, PromptSampler.Objects.RANDOM, PromptSampler.Templates.OFFICIAL));
    }
}
