package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.FileSink;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static dev.groundiff.cli.WorkflowTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Bad input to the dataset / train / eval / export verbs: one-line errors (exit 2), nothing lost. */
class WorkflowBadInputTest {
    static final int COUNT = 4, SHARD = 2, STEPS = 2;
    @TempDir
    static Path tmp;
    static Path model, det, clean;

    @BeforeAll
    static void buildOnce() throws Exception {
        Torch.init();
        model = Fixtures.dir("sd-reference").toAbsolutePath();
        det = write(tmp.resolve("det.json"), detections(COUNT));
        clean = tmp.resolve("clean");
        Run r = run(datasetArgs(model, clean, det, COUNT, SHARD, STEPS, false));
        assertEquals(0, r.code(), r.err());
    }

    static void assertUserError(Run r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        String line = r.err().lines().filter(l -> l.startsWith("groundiff: error: ")).findFirst().orElse("");
        for (String f : fragments) assertTrue(line.contains(f), "'" + f + "' not in: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void detectionsNamingUnknownImagesOrCategories() throws Exception {
        JsonObject unknownImage = detections(COUNT);
        unknownImage.getAsJsonArray("images").get(1).getAsJsonObject().addProperty("file_name", "00000017.png");
        assertUserError(run(datasetArgs(model, tmp.resolve("a"), write(tmp.resolve("d1.json"), unknownImage), COUNT, SHARD, STEPS, false)),
                "d1.json", "'00000017.png' is not an image of this dataset");

        JsonObject foreign = detections(COUNT);
        foreign.getAsJsonArray("images").get(0).getAsJsonObject().addProperty("file_name", "holiday.jpg");
        assertUserError(run(datasetArgs(model, tmp.resolve("a"), write(tmp.resolve("d2.json"), foreign), COUNT, SHARD, STEPS, false)),
                "'holiday.jpg' is not an image of this dataset");

        JsonObject missing = detections(COUNT - 1);
        assertUserError(run(datasetArgs(model, tmp.resolve("a"), write(tmp.resolve("d3.json"), missing), COUNT, SHARD, STEPS, false)),
                "no entry for image 00000003.png");

        JsonObject unknownCategory = detections(COUNT);
        unknownCategory.getAsJsonArray("categories").get(0).getAsJsonObject().addProperty("name", "unicorn");
        assertUserError(run(datasetArgs(model, tmp.resolve("a"), write(tmp.resolve("d4.json"), unknownCategory), COUNT, SHARD, STEPS, false)),
                "d4.json", "unicorn");
        assertFalse(Files.exists(tmp.resolve("a")), "nothing written for rejected detections");
    }

    @Test
    void datasetMadeWithAnotherModel() throws Exception {
        Path other = tmp.resolve("other-model");
        copyTree(model, other);
        Path vae = other.resolve("vae/diffusion_pytorch_model.safetensors");
        byte[] b = Files.readAllBytes(vae);
        b[b.length - 1] ^= 1; // one weight changes a little
        Files.write(vae, b);
        String hashFragment = "was made with another model";
        Path copy = tmp.resolve("resume-other");
        copyTree(clean, copy);
        Files.walk(copy).filter(p -> p.getFileName().toString().startsWith("shard-00001")).findFirst().ifPresent(p -> deleteTree(p));
        assertUserError(run(datasetArgs(other, copy, det, COUNT, SHARD, STEPS, false)), hashFragment);
        assertUserError(run(List.of("train", "--model", other.toString(), "--dataset", clean.toString(), "--out", tmp.resolve("t").toString(), "--steps", "1")),
                hashFragment);
        Path ckpt = trainTiny(tmp.resolve("ckpt-other"));
        assertUserError(run(List.of("eval", "--model", other.toString(), "--grounding", ckpt.toString(), "--testset", clean.toString(),
                "--out", tmp.resolve("e").toString())), hashFragment);
    }

    @Test
    void corruptShard() throws Exception {
        Path bad = tmp.resolve("corrupt");
        copyTree(clean, bad);
        Path png = bad.resolve("shard-00001/images/00000003.png");
        byte[] b = Files.readAllBytes(png);
        b[b.length / 2] ^= 0x55;
        Files.write(png, b);
        assertUserError(run(List.of("export", "--dataset", bad.toString(), "--format", "coco", "--out", tmp.resolve("x").toString())),
                "shard-00001", "corrupt", "00000003.png");
        assertUserError(run(datasetArgs(model, bad, det, COUNT, SHARD, STEPS, false)), "shard-00001", "corrupt", "delete");
        assertUserError(run(List.of("eval", "--model", model.toString(), "--grounding", trainTiny(tmp.resolve("ckpt-corrupt")).toString(),
                "--testset", bad.toString(), "--out", tmp.resolve("e2").toString())), "shard-00001", "corrupt");
    }

    @Test
    void fullDiskWhileWritingAShardLosesNothing() throws Exception {
        Path out = tmp.resolve("full");
        AtomicInteger writes = new AtomicInteger();
        FileSink full = (path, bytes) -> {
            if (path.toString().contains("shard-00001") && writes.incrementAndGet() > 1) throw new IOException("No space left on device");
            Files.write(path, bytes);
        };
        Run r = run(datasetArgs(model, out, det, COUNT, SHARD, STEPS, false),
                cl -> ((DatasetCommand) cl.getSubcommands().get("dataset").getCommand()).sink = full);
        assertUserError(r, "No space left on device", "rerun the same command");
        assertTrue(Files.isDirectory(out.resolve("shard-00000")), "the finished shard is kept");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".shard")).toList(), "no partial shard left");
        }
        assertEquals(1, JsonParser.parseString(Files.readString(out.resolve("manifest.json"))).getAsJsonObject().getAsJsonArray("shards").size());
        Run again = run(datasetArgs(model, out, det, COUNT, SHARD, STEPS, false));
        assertEquals(0, again.code(), again.err());
        assertSameTree(clean, out);
    }

    @Test
    void otherUserErrors() throws Exception {
        assertUserError(run(List.of("train", "--model", model.toString(), "--out", tmp.resolve("o").toString(), "--detector", "yolo")),
                "unknown --detector 'yolo'");
        assertUserError(run(List.of("train", "--model", model.toString(), "--out", tmp.resolve("o").toString())), "--dataset");
        Path noMasks = tmp.resolve("nomasks");
        assertEquals(0, run(datasetArgs(model, noMasks, null, 1, 1, 1, false)).code());
        assertUserError(run(List.of("train", "--model", model.toString(), "--dataset", noMasks.toString(), "--out", tmp.resolve("o").toString())),
                "without a detector");
        Path cfg = tmp.resolve("wrong.json");
        Files.writeString(cfg, dev.groundiff.grounding.GroundingConfig.sdV1().toJson());
        assertUserError(run(List.of("train", "--model", model.toString(), "--dataset", clean.toString(), "--out", tmp.resolve("o2").toString(),
                "--grounding-config", cfg.toString())), "wrong.json", "does not fit", "low_channels 15360, the model needs 768", "text_dim 768, the model needs 32");
        assertUserError(run(List.of("eval", "--model", model.toString(), "--grounding", tmp.resolve("none.safetensors").toString(),
                "--testset", clean.toString(), "--out", tmp.resolve("e3").toString())), "no such grounding checkpoint");
        assertUserError(run(datasetArgs(model, tmp.resolve("neg"), null, 0, 1, 1, false)), "--count must be at least 1");
        for (String verb : List.of("dataset", "train", "eval", "export")) {
            Run h = run(List.of(verb, "--help"));
            assertEquals(0, h.code());
            assertTrue(h.out().contains("Usage: groundiff " + verb), h.out());
        }
        assertTrue(run(List.of("dataset", "--help")).out().contains("%08d.png"), "--help documents the image names");
    }

    private static Path trainTiny(Path out) throws IOException {
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, TINY.toJson());
        Run r = run(List.of("train", "--model", model.toString(), "--dataset", clean.toString(), "--out", out.toString(), "--steps", "1",
                "--grounding-config", cfg.toString()));
        assertEquals(0, r.code(), r.err());
        return out.resolve("grounding.safetensors");
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
