package dev.groundiff.data;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetWriterTest {
    static final int N = 10, SHARD = 3;

    @BeforeAll
    static void init() {
        Torch.init();
    }

    static DatasetInfo info(String hash) {
        return new DatasetInfo("tiny-sd", hash, "pascal:1", "seen", 42, 4, 5.0, N, SHARD, Map.of("detector", "fixed"), "test");
    }

    /** A deterministic record per index: a small image, a mask per category except every third, features on even indices. */
    static DatasetRecord record(long i) {
        PromptSampler.Sample s = PromptSampler.official(Split.pascal(1), Subset.SEEN, 42).sample(i);
        int w = 12, h = 8;
        byte[] rgb = new byte[3 * w * h];
        for (int k = 0; k < rgb.length; k++) rgb[k] = (byte) (k * 7 + i * 13);
        Map<String, BitMask> masks = new LinkedHashMap<>();
        for (int c = 0; c < s.categories().size(); c++) {
            if ((i + c) % 3 == 2) continue; // "the detector missed it"
            BitMask.Builder b = new BitMask.Builder(w, h);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if ((x + y + i + c) % 4 == 0) b.set(x, y);
            masks.put(s.categories().get(c), b.build());
        }
        Map<String, Tensor> features = new LinkedHashMap<>();
        if (i % 2 == 0) {
            float[] v = new float[6];
            for (int k = 0; k < v.length; k++) v[k] = i + k * 0.5f;
            features.put("low", Tensors.fromFloats(v, 2, 3));
        }
        return new DatasetRecord(i, s.prompt(), s.categories(), s.seed(), new RgbImage(w, h, rgb), masks, features);
    }

    static void writeAll(DatasetWriter w) throws IOException {
        for (int s : w.pendingShards()) w.writeShard(s, DatasetWriterTest::record);
    }

    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
        }
        return out;
    }

    static void assertSameFiles(Map<String, byte[]> a, Map<String, byte[]> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k + " differs");
    }

    @Test
    void writesAndReadsBack(@TempDir Path dir) throws Exception {
        DatasetWriter w = DatasetWriter.open(dir, info("h1"));
        assertEquals(List.of(0, 1, 2, 3), w.pendingShards());
        writeAll(w);
        assertTrue(w.isComplete());
        DatasetReader r = DatasetReader.open(dir);
        assertTrue(r.isComplete());
        assertEquals(N, r.size());
        assertEquals("h1", r.info().modelHash());
        List<DatasetRecord> all = new ArrayList<>();
        r.records().forEach(all::add);
        assertEquals(N, all.size());
        for (DatasetRecord got : all) {
            DatasetRecord want = record(got.index());
            assertEquals(want.prompt(), got.prompt());
            assertEquals(want.categories(), got.categories());
            assertEquals(want.seed(), got.seed());
            assertEquals(want.image(), got.image());
            assertEquals(want.masks(), got.masks());
            for (String c : got.categories()) if (!want.masks().containsKey(c)) assertNull(got.mask(c));
            assertTrue(got.features().isEmpty()); // not asked for
        }
        List<DatasetRecord> withF = r.readShard(0, true);
        Tensor f = withF.get(0).features().get("low");
        assertEquals(dev.groundiff.torch.DType.BFLOAT16, dev.groundiff.torch.DType.of(f.scalar_type()));
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, Tensors.toFloats(f));
        assertTrue(withF.get(1).features().isEmpty());
    }

    @Test
    void resumeAfterCrashIsByteIdentical(@TempDir Path root) throws Exception {
        Path full = root.resolve("full"), crashed = root.resolve("crashed");
        writeAll(DatasetWriter.open(full, info("h1")));

        DatasetWriter w = DatasetWriter.open(crashed, info("h1"));
        w.writeShard(0, DatasetWriterTest::record);
        w.writeShard(2, DatasetWriterTest::record); // shards may finish out of order
        // a crash while writing shard 1: a half-written temporary folder stays behind
        Path tmp = crashed.resolve(".shard-00001.tmp/images");
        Files.createDirectories(tmp);
        Files.write(tmp.resolve("00000003.png"), new byte[] {1, 2, 3});
        DatasetReader partial = DatasetReader.open(crashed);
        assertEquals(2, partial.shards().size());
        assertFalse(partial.isComplete());

        DatasetWriter resumed = DatasetWriter.open(crashed, info("h1"));
        assertEquals(List.of(1, 3), resumed.pendingShards());
        assertFalse(resumed.writeShard(0, i -> { throw new AssertionError("finished shard regenerated"); }));
        writeAll(resumed);
        assertSameFiles(snapshot(full), snapshot(crashed));
    }

    @Test
    void fullDiskLeavesNothingHalfWritten(@TempDir Path root) throws Exception {
        Path full = root.resolve("full"), d = root.resolve("disk");
        writeAll(DatasetWriter.open(full, info("h1")));
        int[] writes = {0};
        FileSink failing = (p, bytes) -> {
            if (p.toString().contains("shard-00001") && ++writes[0] == 2) throw new IOException("No space left on device");
            Files.write(p, bytes);
        };
        DatasetWriter w = DatasetWriter.open(d, info("h1"), failing);
        w.writeShard(0, DatasetWriterTest::record);
        IOException e = assertThrows(IOException.class, () -> w.writeShard(1, DatasetWriterTest::record));
        assertTrue(e.getMessage().contains("No space"));
        assertFalse(Files.exists(d.resolve(".shard-00001.tmp")), "partial shard removed");
        assertFalse(Files.exists(d.resolve("shard-00001")));
        assertEquals(1, DatasetReader.open(d).shards().size());
        writeAll(DatasetWriter.open(d, info("h1")));
        assertSameFiles(snapshot(full), snapshot(d));
    }

    @Test
    void otherSettingsAreRefused(@TempDir Path dir) throws Exception {
        DatasetWriter.open(dir, info("h1")).writeShard(0, DatasetWriterTest::record);
        GroundiffException e = assertThrows(GroundiffException.class, () -> DatasetWriter.open(dir, info("h2")));
        assertTrue(e.getMessage().contains("model_hash: h1 (on disk) vs h2 (requested)"), e.getMessage());
        // the code version is provenance, not a setting
        DatasetInfo newer = new DatasetInfo("tiny-sd", "h1", "pascal:1", "seen", 42, 4, 5.0, N, SHARD, Map.of("detector", "fixed"), "test-2");
        assertEquals("test", DatasetWriter.open(dir, newer).info().codeVersion());
        // a folder that is not a dataset is not written into
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        Files.writeString(other.resolve("notes.txt"), "mine");
        assertThrows(GroundiffException.class, () -> DatasetWriter.open(other, info("h1")));
    }

    @Test
    void corruptShardIsNamed(@TempDir Path dir) throws Exception {
        writeAll(DatasetWriter.open(dir, info("h1")));
        Path png = dir.resolve("shard-00001/images/00000004.png");
        byte[] b = Files.readAllBytes(png);
        Files.write(png, Arrays.copyOf(b, b.length / 2));
        DatasetReader r = DatasetReader.open(dir);
        r.readShard(0, false); // intact shards still read
        GroundiffException e = assertThrows(GroundiffException.class, () -> r.readShard(1, false));
        assertTrue(e.getMessage().contains("shard-00001") && e.getMessage().contains("00000004.png") && e.getMessage().contains("truncated"), e.getMessage());

        Path rec = dir.resolve("shard-00002/records.json");
        byte[] rb = Files.readAllBytes(rec);
        Files.write(rec, Arrays.copyOf(rb, rb.length - 10));
        GroundiffException e2 = assertThrows(GroundiffException.class, () -> r.readShard(2, false));
        assertTrue(e2.getMessage().contains("shard-00002") && e2.getMessage().contains("records.json"), e2.getMessage());

        Files.delete(dir.resolve("shard-00003/records.json"));
        GroundiffException e3 = assertThrows(GroundiffException.class, () -> r.readShard(3, false));
        assertTrue(e3.getMessage().contains("shard-00003") && e3.getMessage().contains("missing"), e3.getMessage());
    }

    @Test
    void badRecordsAreRefused(@TempDir Path dir) throws Exception {
        DatasetWriter w = DatasetWriter.open(dir, info("h1"));
        assertThrows(IllegalStateException.class, () -> w.writeShard(0, i -> record(i + 1)));
        assertThrows(GroundiffException.class, () -> w.writeShard(0, i -> {
            DatasetRecord r = record(i);
            return new DatasetRecord(i, r.prompt(), r.categories(), r.seed(), r.image(), Map.of("unicorn", BitMask.empty(12, 8)), Map.of());
        }));
        assertThrows(GroundiffException.class, () -> w.writeShard(0, i -> {
            DatasetRecord r = record(i);
            return new DatasetRecord(i, r.prompt(), r.categories(), r.seed(), r.image(), Map.of(r.categories().get(0), BitMask.empty(5, 5)), Map.of());
        }));
        assertThrows(GroundiffException.class, () -> w.writeShard(9, DatasetWriterTest::record));
        assertEquals(List.of(0, 1, 2, 3), w.pendingShards());
        assertFalse(Files.exists(dir.resolve(".shard-00000.tmp")));
    }
}
