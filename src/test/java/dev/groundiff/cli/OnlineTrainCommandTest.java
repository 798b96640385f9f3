package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.grounding.GroundingTrainer;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.groundiff.cli.WorkflowTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code groundiff train --detector world} on the mini model (64x64, 2 denoising steps): the official
 * online loop with the world detector, its resume, and the option errors; {@code dataset --detector world}.
 */
class OnlineTrainCommandTest {
    static Path model;

    @BeforeAll
    static void init() {
        Torch.init();
        model = Fixtures.dir("sd-reference").toAbsolutePath();
    }

    private static List<String> onlineArgs(Path out, Path cfg, int steps) {
        return new ArrayList<>(List.of("train", "--model", model.toString(), "--detector", "world", "--split", "world:1", "--subset", "seen",
                "--out", out.toString(), "--steps", Integer.toString(steps), "--seed", "7", "--denoise-steps", "2", "--guidance", "5",
                "--height", "64", "--width", "64", "--lr", "1e-3", "--grounding-config", cfg.toString()));
    }

    @Test
    void onlineTrainingRunsReportsSkipsAndResumesExactly(@TempDir Path tmp) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("tiny.json"), TINY.toJson());
        Path full = tmp.resolve("full");
        Run r = run(onlineArgs(full, cfg, 2));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(full.resolve(GroundingTrainer.WEIGHTS_FILE)));
        assertTrue(Files.exists(full.resolve(GroundingTrainer.STATE_FILE)));
        List<String> loss = Files.readAllLines(full.resolve(GroundingTrainer.LOSS_FILE));
        assertEquals(3, loss.size(), "header + 2 steps: " + loss);
        long emptyRows = loss.subList(1, 3).stream().filter(row -> row.split(",", -1)[1].isEmpty()).count();
        Matcher m = Pattern.compile("skipped (\\d+) of 2 steps").matcher(r.out());
        if (emptyRows > 0) {
            assertTrue(m.find(), "the skip is reported: " + r.out());
            assertEquals(emptyRows, Long.parseLong(m.group(1)));
            assertTrue(r.out().contains("training without zero masks"), r.out());
        } else {
            assertFalse(m.find(), r.out());
        }
        System.out.println("online world-detector run: " + emptyRows + " of 2 steps without a detection of a prompted category");

        JsonObject meta = JsonParser.parseString(Files.readString(full.resolve("metadata.json"))).getAsJsonObject();
        JsonObject online = meta.getAsJsonObject("online");
        assertEquals("world", online.get("detector").getAsString());
        assertTrue(online.get("detector_id").getAsString().startsWith("world-detector sha256:"));
        assertEquals("world:1", online.get("split").getAsString());
        assertEquals("seen", online.get("subset").getAsString());
        assertEquals("top1", online.get("target_policy").getAsString());
        assertEquals(2, meta.get("image_steps").getAsInt());
        assertEquals(1, meta.get("feature_step").getAsInt());
        assertEquals(64, meta.get("height").getAsInt());
        assertEquals("generated online", meta.get("features").getAsString());

        // one step, then --resume to two: the same files as the uninterrupted run
        Path split = tmp.resolve("split");
        Run first = run(onlineArgs(split, cfg, 1));
        assertEquals(0, first.code(), first.err());
        List<String> more = onlineArgs(split, cfg, 2);
        more.add("--resume");
        Run second = run(more);
        assertEquals(0, second.code(), second.err());
        for (String f : List.of(GroundingTrainer.WEIGHTS_FILE, GroundingTrainer.STATE_FILE, GroundingTrainer.LOSS_FILE)) {
            assertArrayEquals(Files.readAllBytes(full.resolve(f)), Files.readAllBytes(split.resolve(f)), f + " of the resumed run");
        }

        // resuming with other online settings is refused
        List<String> other = onlineArgs(split, cfg, 3);
        other.set(other.indexOf("world:1"), "world:2");
        other.add("--resume");
        Run refused = run(other);
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("other settings"), refused.err());
    }

    @Test
    void optionErrors(@TempDir Path tmp) throws Exception {
        Path cfg = Files.writeString(tmp.resolve("tiny.json"), TINY.toJson());
        Run withDataset = run(List.of("train", "--model", model.toString(), "--dataset", tmp.toString(), "--detector", "world", "--out", tmp.resolve("o").toString()));
        assertEquals(2, withDataset.code());
        assertTrue(withDataset.err().contains("--detector is for online training"), withDataset.err());

        List<String> unknown = onlineArgs(tmp.resolve("u"), cfg, 1);
        unknown.set(unknown.indexOf("world"), "maskrcnn");
        Run u = run(unknown);
        assertEquals(2, u.code());
        assertTrue(u.err().contains("unknown --detector 'maskrcnn'"), u.err());

        List<String> pascal = onlineArgs(tmp.resolve("p"), cfg, 1);
        pascal.set(pascal.indexOf("world:1"), "pascal:1");
        Run p = run(pascal);
        assertEquals(2, p.code());
        assertTrue(p.err().contains("world detector does not know"), p.err());

        List<String> bad = onlineArgs(tmp.resolve("b"), cfg, 1);
        bad.set(bad.indexOf("world:1"), "world:4");
        Run b = run(bad);
        assertEquals(2, b.code());
        assertTrue(b.err().contains("world split must be 1..3"), b.err());

        Run onlineOptionOnDataset = run(List.of("train", "--model", model.toString(), "--dataset", tmp.toString(), "--split", "world:1", "--out", tmp.resolve("d").toString()));
        assertEquals(2, onlineOptionOnDataset.code());
        assertTrue(onlineOptionOnDataset.err().contains("--split is for online training"), onlineOptionOnDataset.err());
        for (String d : List.of("u", "p", "b", "d")) assertFalse(Files.exists(tmp.resolve(d).resolve(GroundingTrainer.STATE_FILE)));
    }

    @Test
    void datasetLabelledByTheWorldDetector(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("ds");
        List<String> args = new ArrayList<>(List.of("dataset", "--model", model.toString(), "--split", "world:3", "--subset", "all", "--count", "2",
                "--out", out.toString(), "--seed", "1", "--steps", "2", "--guidance", "5", "--height", "64", "--width", "64", "--detector", "world"));
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        DatasetReader reader = DatasetReader.open(out);
        assertEquals("world:3", reader.info().split());
        assertTrue(reader.info().extra().get("detector").startsWith("world-detector sha256:"), reader.info().extra().toString());
        assertEquals(2, reader.size());
        for (var rec : reader.readShard(0, false)) {
            for (String c : rec.categories()) assertTrue(dev.groundiff.world.WorldCategories.names().contains(c), c);
            for (var e : rec.masks().entrySet()) assertEquals(64, e.getValue().width(), e.getKey());
        }

        args.addAll(List.of("--detections", tmp.resolve("x.json").toString()));
        args.set(args.indexOf(out.toString()), tmp.resolve("ds2").toString());
        Run both = run(args);
        assertEquals(2, both.code());
        assertTrue(both.err().contains("give one of --detector, --detections and --grounding"), both.err());
    }
}
