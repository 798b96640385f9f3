package dev.groundiff.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class DatasetStatsTest {
    private static BitMask area(int n) {
        boolean[] px = new boolean[16];
        for (int i = 0; i < n; i++) px[i] = true;
        return BitMask.of(4, 4, px);
    }

    private static DatasetRecord record(long i, List<String> categories, Map<String, BitMask> masks) {
        return new DatasetRecord(i, "p", categories, i, null, masks, null);
    }

    @Test
    void countsPromptsFoundMasksAndMedianAreasPerCategory() {
        DatasetStats.Summary s = DatasetStats.of(List.of(
                record(0, List.of("star"), Map.of("star", area(4))),
                record(1, List.of("star"), Map.of()),                                    // missed
                record(2, List.of("star", "ring"), Map.of("star", area(10), "ring", area(0))),
                record(3, List.of("ring", "ring"), Map.of("ring", area(6)))));          // a repeated class counts once
        assertEquals(4, s.records());
        assertEquals(3, s.checked());
        assertEquals(1, s.emptyMasks());
        DatasetStats.Category ring = s.categories().get(0), star = s.categories().get(1);
        assertEquals(new DatasetStats.Category("ring", 2, 2, 6, 0, 0, 0), ring);
        assertEquals(new DatasetStats.Category("star", 3, 2, 10, 2, 1, 4), star);
        assertEquals(new DatasetStats.Category("all", 5, 4, 6, 2, 1, 4), s.all());
        String md = DatasetStats.markdown(s);
        assertTrue(md.startsWith("4 records; every prompted category found in 3 (75.0%); 1 masks are empty"), md);
        assertTrue(md.contains("| star | 3 | 2 | 10 | 2 | 1 | 4 |"), md);
    }
}
