package dev.groundiff.io;

import com.google.gson.JsonElement;
import dev.groundiff.GroundiffException;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Randomly damaged copies of the fixtures (seeded): each must end in a loaded checkpoint or a
 * {@link GroundiffException} — no other exception, no hang, no out-of-memory, no JVM crash. Whole-file
 * mutations mostly trip the zip structure and CRC checks, so a second round damages only the pickle
 * and repacks it into a valid zip with a correct CRC, to reach the unpickler itself.
 */
class TorchCheckpointFuzzTest {
    private static final long SEED = 20240611L;
    private static final int FILE_CASES = 2500;
    private static final int PICKLE_CASES = 2500;
    private static ExecutorService worker;

    @BeforeAll
    static void init() {
        Torch.init();
        worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true); // a hung case must not keep the test JVM alive
            return t;
        });
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    @Test
    void damagedFilesLoadOrFailCleanly(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.dir("torch-checkpoints");
        List<byte[]> seeds = new ArrayList<>();
        for (JsonElement f : TorchCheckpointFixturesTest.json(dir.resolve("index.json")).getAsJsonArray("files")) {
            seeds.add(Files.readAllBytes(dir.resolve(f.getAsJsonObject().get("file").getAsString())));
        }
        Random rnd = new Random(SEED);
        int loaded = 0;
        for (int i = 0; i < FILE_CASES; i++) {
            byte[] bytes = mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            if (runCase(tmp, "file case " + i, bytes)) loaded++;
        }
        // sanity: the mutations are not so destructive that nothing ever loads
        assertTrue(loaded > 0, "no damaged file loaded at all");
    }

    @Test
    void damagedPicklesInValidZipsLoadOrFailCleanly(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.dir("torch-checkpoints");
        List<Map<String, byte[]>> archives = new ArrayList<>();
        for (JsonElement f : TorchCheckpointFixturesTest.json(dir.resolve("index.json")).getAsJsonArray("files")) {
            Path p = dir.resolve(f.getAsJsonObject().get("file").getAsString());
            byte[] b = Files.readAllBytes(p);
            if (b.length > 4 && b[0] == 'P' && b[1] == 'K') {
                try {
                    archives.add(records(p));
                } catch (GroundiffException damagedAlready) {
                    // the truncated fixtures have no directory to repack
                }
            }
        }
        Random rnd = new Random(SEED + 1);
        int loaded = 0, rejected = 0;
        for (int i = 0; i < PICKLE_CASES; i++) {
            Map<String, byte[]> recs = archives.get(rnd.nextInt(archives.size()));
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            try (ZipOutputStream out = new ZipOutputStream(zip)) {
                for (Map.Entry<String, byte[]> r : recs.entrySet()) {
                    byte[] data = r.getKey().endsWith("data.pkl") ? mutate(r.getValue(), rnd) : r.getValue();
                    ZipEntry e = new ZipEntry(r.getKey());
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(data.length);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    e.setCrc(crc.getValue());
                    out.putNextEntry(e);
                    out.write(data);
                    out.closeEntry();
                }
            }
            if (runCase(tmp, "pickle case " + i, zip.toByteArray())) loaded++;
            else rejected++;
        }
        assertTrue(loaded > 0 && rejected > 0, "loaded " + loaded + ", rejected " + rejected);
    }

    /** The records of a fixture zip, read with our own reader (checked by the fixture test). */
    private static Map<String, byte[]> records(Path p) throws Exception {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (var ch = java.nio.channels.FileChannel.open(p)) {
            ZipArchive z = ZipArchive.read(p, ch);
            for (ZipArchive.Entry e : z.entries().values()) {
                byte[] b = new byte[(int) e.size()];
                ZipArchive.readAt(ch, e.dataOffset(), b.length).get(b);
                out.put(e.name(), b);
            }
        }
        return out;
    }

    /** true: loaded; false: rejected with a GroundiffException; anything else fails the test. */
    private static boolean runCase(Path tmp, String name, byte[] bytes) throws Exception {
        Path f = tmp.resolve("case.pt");
        Files.write(f, bytes);
        Future<Boolean> job = worker.submit(() -> {
            try (TorchCheckpoint ck = TorchCheckpoint.open(f)) {
                for (Tensor t : ck.tensors().values()) t.sum().item_double(); // every view must be readable
                return true;
            } catch (GroundiffException e) {
                assertNotNull(e.getMessage());
                return false;
            }
        });
        try {
            return job.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            job.cancel(true);
            fail(name + ": hung (seed " + SEED + ")");
            return false;
        } catch (ExecutionException e) {
            throw new AssertionError(name + ": " + e.getCause() + " instead of a GroundiffException (seed " + SEED + ")", e.getCause());
        }
    }

    /** One to three damages: flipped bytes, a truncation, an inserted or deleted run, a duplicated run. */
    static byte[] mutate(byte[] in, Random rnd) {
        byte[] b = in.clone();
        int n = 1 + rnd.nextInt(3);
        for (int k = 0; k < n && b.length > 0; k++) {
            switch (rnd.nextInt(6)) {
                case 0, 1 -> { // flip a few bytes
                    int flips = 1 + rnd.nextInt(4);
                    for (int j = 0; j < flips; j++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
                case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length)); // truncate
                case 3 -> { // delete a run
                    int at = rnd.nextInt(b.length), len = Math.min(b.length - at, 1 + rnd.nextInt(16));
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + len, c, at, b.length - at - len);
                    b = c;
                }
                case 4 -> { // insert random bytes
                    int at = rnd.nextInt(b.length + 1), len = 1 + rnd.nextInt(8);
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, at);
                    for (int j = 0; j < len; j++) c[at + j] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, at, c, at + len, b.length - at);
                    b = c;
                }
                default -> { // set a 4-byte field to an extreme value (lengths, counts, offsets)
                    if (b.length < 4) break;
                    int at = rnd.nextInt(b.length - 3);
                    int v = switch (rnd.nextInt(4)) { case 0 -> -1; case 1 -> Integer.MAX_VALUE; case 2 -> 0x7FFF_FF00; default -> rnd.nextInt(); };
                    for (int j = 0; j < 4; j++) b[at + j] = (byte) (v >>> (8 * j));
                }
            }
        }
        return b;
    }
}
