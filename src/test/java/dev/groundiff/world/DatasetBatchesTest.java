package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.DatasetInfo;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.DatasetWriter;
import dev.groundiff.data.FileSink;
import dev.groundiff.data.RgbImage;
import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The segmenter's training data from a dataset (Protocol II): label maps, overlap, epochs, determinism. */
class DatasetBatchesTest {
    static final int S = 32, N = 5;
    static final List<String> CLASSES = List.of("circle", "star", "ring");

    @BeforeAll
    static void init() {
        Torch.init();
    }

    /** Record i: pixel value i in every channel; "circle" over the left half, "star" over the top half. */
    static DatasetRecord record(long i) {
        byte[] rgb = new byte[3 * S * S];
        java.util.Arrays.fill(rgb, (byte) i);
        Map<String, BitMask> masks = new LinkedHashMap<>();
        BitMask.Builder left = new BitMask.Builder(S, S), top = new BitMask.Builder(S, S);
        for (int y = 0; y < S; y++) for (int x = 0; x < S; x++) {
            if (x < S / 2) left.set(x, y);
            if (y < S / 2) top.set(x, y);
        }
        masks.put("circle", left.build());
        masks.put("star", top.build());
        return new DatasetRecord(i, "a photograph of a circle and a star", List.of("circle", "star"), i, new RgbImage(S, S, rgb), masks, Map.of());
    }

    static DatasetReader dataset(Path dir) throws Exception {
        DatasetInfo info = new DatasetInfo("test", "hash", "world:1", "all", 0, 1, 4.0, N, 2, Map.of("detector", "fixed"), "test");
        DatasetWriter w = DatasetWriter.open(dir, info, FileSink.DISK);
        for (int s : w.pendingShards()) w.writeShard(s, DatasetBatchesTest::record);
        return DatasetReader.open(dir);
    }

    @Test
    void overlapIsIgnoredAndEachClassKeepsItsIndex() {
        long[] map = DatasetBatches.labelMap(record(0), CLASSES, S);
        assertEquals(SegmentationBatches.IGNORE, map[0], "top-left: both masks");
        assertEquals(1, map[(S - 1) * S], "bottom-left: circle only");
        assertEquals(2, map[S - 1], "top-right: star only");
        assertEquals(0, map[S * S - 1], "bottom-right: background");
        GroundiffException e = assertThrows(GroundiffException.class, () -> DatasetBatches.labelMap(record(0), List.of("ring"), S));
        assertTrue(e.getMessage().contains("which the segmenter does not know [ring]"), e.getMessage());
    }

    @Test
    void everyRecordOncePerEpochAndTheSameBatchesEveryTime(@TempDir Path dir) throws Exception {
        DatasetReader reader = dataset(dir);
        DatasetBatches a = new DatasetBatches(reader, CLASSES, S, 1, 7, "x"), b = new DatasetBatches(reader, CLASSES, S, 1, 7, "x");
        Set<Integer> epoch1 = new HashSet<>(), epoch2 = new HashSet<>();
        int[] order1 = new int[N], order2 = new int[N];
        for (int s = 1; s <= 2 * N; s++) {
            SceneBatch x = a.batch(s);
            int value = Math.round(Tensors.toFloats(x.images())[0] * 255);
            assertEquals(value, Math.round(Tensors.toFloats(b.batch(s).images())[0] * 255), "step " + s);
            if (s <= N) {
                epoch1.add(value);
                order1[s - 1] = value;
            } else {
                epoch2.add(value);
                order2[s - 1 - N] = value;
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4), epoch1);
        assertEquals(Set.of(0, 1, 2, 3, 4), epoch2);
        assertFalse(java.util.Arrays.equals(order1, order2), "a new permutation per epoch");
        assertTrue(a.recipe().contains("records=5"), a.recipe());
    }

    @Test
    void wrongImageSizeIsAClearError(@TempDir Path dir) throws Exception {
        DatasetReader reader = dataset(dir);
        GroundiffException e = assertThrows(GroundiffException.class, () -> new DatasetBatches(reader, CLASSES, 64, 4, 0, "x"));
        assertTrue(e.getMessage().contains("32x32"), e.getMessage());
    }
}
