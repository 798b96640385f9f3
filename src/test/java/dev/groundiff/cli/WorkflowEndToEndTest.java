package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
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
 * The whole workflow on the mini model at 64x64: a 12-image dataset with stored features and a test
 * detector's masks, built once without interruption and once killed (a real child JVM, destroyed once
 * the manifest lists a finished shard) and resumed, compared byte for byte; a few training steps and a
 * resumed one; the evaluation's results.json, Table 1 Markdown and HTML report; both exports.
 */
class WorkflowEndToEndTest {
    static final int COUNT = 12, SHARD = 2, STEPS = 3;
    static Path model;

    @BeforeAll
    static void init() {
        Torch.init();
        model = Fixtures.dir("sd-reference").toAbsolutePath();
    }

    @Test
    void buildKillResumeTrainEvaluateExport(@TempDir Path tmp) throws Exception {
        Path det = write(tmp.resolve("detections.json"), detections(COUNT));
        Path clean = tmp.resolve("clean");
        Run built = run(datasetArgs(model, clean, det, COUNT, SHARD, STEPS, true));
        assertEquals(0, built.code(), built.err());
        checkDataset(clean);

        // killed in the middle, then the same command again
        Path resumed = tmp.resolve("resumed");
        int finishedWhenKilled = buildAndKill(datasetArgs(model, resumed, det, COUNT, SHARD, STEPS, true), resumed);
        Run again = run(datasetArgs(model, resumed, det, COUNT, SHARD, STEPS, true));
        assertEquals(0, again.code(), again.err());
        assertSameTree(clean, resumed);
        System.out.println("dataset: killed with " + finishedWhenKilled + " of " + COUNT / SHARD + " shards finished; resumed folder is byte-identical ("
                + tree(clean).size() + " files)");

        // training from the stored features, then one more step by --resume
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, TINY.toJson());
        Path ckpt = tmp.resolve("ckpt");
        List<String> train = new ArrayList<>(List.of("train", "--model", model.toString(), "--dataset", clean.toString(), "--out", ckpt.toString(),
                "--steps", "3", "--lr", "1e-3", "--batch", "2", "--grounding-config", cfg.toString()));
        Run t = run(train);
        assertEquals(0, t.code(), t.err());
        assertTrue(Files.exists(ckpt.resolve(GroundingTrainer.WEIGHTS_FILE)));
        List<String> loss = Files.readAllLines(ckpt.resolve(GroundingTrainer.LOSS_FILE));
        assertEquals(4, loss.size(), "header + 3 steps: " + loss);
        for (String row : loss.subList(1, 4)) assertTrue(Double.parseDouble(row.split(",")[1]) > 0, row);
        JsonObject tm = JsonParser.parseString(Files.readString(ckpt.resolve("metadata.json"))).getAsJsonObject();
        assertEquals("stored in the dataset", tm.get("features").getAsString());
        assertTrue(tm.getAsJsonObject("model").getAsJsonObject("files").size() >= 3, "weight hashes recorded");
        Run twice = run(train);
        assertEquals(2, twice.code());
        assertTrue(twice.err().contains("--resume"), twice.err());
        train.set(train.indexOf("3"), "4");
        train.add("--resume");
        Run more = run(train);
        assertEquals(0, more.code(), more.err());
        assertEquals(5, Files.readAllLines(ckpt.resolve(GroundingTrainer.LOSS_FILE)).size());

        // evaluation
        Path report = tmp.resolve("report");
        Run e = run(List.of("eval", "--model", model.toString(), "--grounding", ckpt.resolve(GroundingTrainer.WEIGHTS_FILE).toString(),
                "--testset", clean.toString(), "--out", report.toString(), "--gallery", "4"));
        assertEquals(0, e.code(), e.err());
        checkReport(report);
        System.out.println(e.out());

        // only the images where the detector found every prompted category (the paper's checked test images)
        long unchecked = 0;
        for (DatasetRecord r : DatasetReader.open(clean).records()) if (!r.masks().keySet().containsAll(r.categories())) unchecked++;
        assertTrue(unchecked > 0, "the test detections miss everything on record 4");
        Path checked = tmp.resolve("checked");
        Run ce = run(List.of("eval", "--model", model.toString(), "--grounding", ckpt.resolve(GroundingTrainer.WEIGHTS_FILE).toString(),
                "--testset", clean.toString(), "--out", checked.toString(), "--gallery", "0", "--checked-only"));
        assertEquals(0, ce.code(), ce.err());
        assertTrue(Files.readString(checked.resolve("report.md")).contains((COUNT - unchecked) + " images scored, " + unchecked + " left out"),
                Files.readString(checked.resolve("report.md")));

        // the trained module as the labeller (Protocol II data): a mask for every prompted category
        Path labelled = tmp.resolve("labelled");
        List<String> la = datasetArgs(model, labelled, null, 3, 10, STEPS, false);
        la.addAll(List.of("--grounding", ckpt.resolve(GroundingTrainer.WEIGHTS_FILE).toString()));
        Run lab = run(la);
        assertEquals(0, lab.code(), lab.err());
        DatasetReader lr = DatasetReader.open(labelled);
        assertEquals("grounding module", lr.info().extra().get("labels"));
        assertTrue(lr.info().extra().get("detector").startsWith("grounding module sha256:"), lr.info().extra().toString());
        for (DatasetRecord r : lr.records()) {
            assertEquals(new java.util.LinkedHashSet<>(r.categories()), r.masks().keySet(), "record " + r.index());
            for (var m : r.masks().values()) assertEquals(SIZE * SIZE, m.toRowMajor().length);
        }
        la.addAll(List.of("--detections", det.toString()));
        Run both = run(la);
        assertEquals(2, both.code());
        assertTrue(both.err().contains("one of --detector, --detections and --grounding"), both.err());

        // exports
        Path coco = tmp.resolve("coco"), voc = tmp.resolve("voc");
        assertEquals(0, run(List.of("export", "--dataset", clean.toString(), "--format", "coco", "--out", coco.toString())).code());
        JsonObject ann = JsonParser.parseString(Files.readString(coco.resolve("annotations.json"))).getAsJsonObject();
        assertEquals(COUNT, ann.getAsJsonArray("images").size());
        assertEquals("00000000.jpg", ann.getAsJsonArray("images").get(0).getAsJsonObject().get("file_name").getAsString());
        assertTrue(Files.exists(coco.resolve("images/00000011.jpg")));
        assertEquals(0, run(List.of("export", "--dataset", clean.toString(), "--format", "voc", "--out", voc.toString())).code());
        assertEquals(COUNT, Files.readAllLines(voc.resolve("ImageSets/Segmentation/train.txt")).size());
        assertTrue(Files.exists(voc.resolve("SegmentationClass/00000011.png")));
        Run bad = run(List.of("export", "--dataset", clean.toString(), "--format", "yolo", "--out", voc.toString()));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("expected voc or coco"), bad.err());
    }

    /** Records, masks as the detector drew them, features of the 25 taps, metadata with hashes. */
    private static void checkDataset(Path dir) throws Exception {
        DatasetReader r = DatasetReader.open(dir);
        assertTrue(r.isComplete());
        assertEquals(COUNT, r.size());
        int withMasks = 0;
        for (DatasetRecord rec : r.records()) {
            assertEquals(3 + rec.index(), rec.seed());
            assertEquals(SIZE, rec.image().width());
            if (rec.index() == 4) assertTrue(rec.masks().isEmpty(), "the detector found nothing on record 4");
            else {
                withMasks++;
                var first = rec.masks().get(rec.categories().get(0));
                assertEquals(48 * 64, first.area(), "first category: the left 3/4 box");
            }
            assertFalse(rec.masks().containsKey("person") && !rec.categories().contains("person"), "unprompted instances are dropped");
        }
        assertEquals(COUNT - 1, withMasks);
        assertEquals(25, r.readShard(0, true).get(0).features().size());
        JsonObject meta = JsonParser.parseString(Files.readString(dir.resolve("metadata.json"))).getAsJsonObject();
        for (String k : List.of("model", "model_hash", "seed", "steps", "guidance", "feature_step", "code_version", "detector")) assertTrue(meta.has(k), k);
        assertEquals(STEPS - 1, meta.get("feature_step").getAsInt());
        assertTrue(meta.get("detector").getAsString().startsWith("coco-json sha256:"));
    }

    private static void checkReport(Path dir) throws Exception {
        JsonObject res = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        JsonArray methods = res.getAsJsonArray("methods");
        List<String> names = new ArrayList<>();
        for (JsonElement m : methods) names.add(m.getAsJsonObject().get("method").getAsString());
        assertEquals(List.of("Grounding (t=0.5)", "DAAM (t=0.4)", "DAAM (t=0.2)", "DAAM (t=0.3)", "DAAM (t=0.5)", "DAAM (t=0.6)"), names);
        for (JsonElement m : methods) {
            JsonObject groups = m.getAsJsonObject().getAsJsonObject("groups");
            int samples = 0;
            for (String g : List.of("one_seen", "one_unseen", "two_seen", "two_mixed", "two_unseen")) samples += groups.getAsJsonObject(g).get("samples").getAsInt();
            assertEquals(COUNT, samples, "every record is in one Table 1 group");
            JsonObject all = m.getAsJsonObject().getAsJsonObject("all");
            assertEquals(COUNT, all.get("samples").getAsInt());
            double miou = all.get("miou").getAsDouble();
            assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);
            for (JsonElement c : all.getAsJsonArray("categories")) {
                JsonObject co = c.getAsJsonObject();
                assertTrue(co.get("intersection").getAsLong() <= co.get("union").getAsLong(), co.toString());
            }
        }
        assertEquals(4, res.get("gallery_samples").getAsInt());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| Method | One: Seen | One: Unseen | Two: Seen | Two: Seen + Unseen | Two: Unseen |"), md);
        assertTrue(md.contains("| Grounding (t=0.5) |") && md.contains("| DAAM (t=0.4) |"), md);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.trim().endsWith("</html>"));
        assertEquals(count(html, "<table"), count(html, "</table>"));
        assertEquals(count(html, "<tr"), count(html, "</tr>"));
        assertEquals(4, count(html, "<img "), "one gallery panel per shown record");
        try (var files = Files.list(dir.resolve("gallery"))) {
            assertEquals(4, files.filter(f -> f.getFileName().toString().endsWith(".png")).count(), "the same panels as PNG files");
        }
        Matcher png = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        assertTrue(png.find());
        byte[] bytes = java.util.Base64.getDecoder().decode(png.group(1));
        var img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(bytes));
        assertTrue(img.getWidth() >= 4 * SIZE, "panel of image, oracle, grounding, DAAM: " + img.getWidth());
        JsonObject meta = JsonParser.parseString(Files.readString(dir.resolve("metadata.json"))).getAsJsonObject();
        for (String k : List.of("model", "grounding_sha256", "testset_sha256", "daam_threshold", "mask_threshold", "code_version")) assertTrue(meta.has(k), k);
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }

    /**
     * Runs the dataset command in a child JVM and destroys it as soon as the manifest lists a finished
     * shard (retrying in a fresh folder if the child finished first); returns the shards finished then.
     */
    private static int buildAndKill(List<String> args, Path out) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-Dorg.bytedeco.javacpp.maxBytes=0", "-cp", cp, "dev.groundiff.cli.Main"));
        cmd.addAll(args);
        for (int attempt = 0; attempt < 3; attempt++) {
            deleteTree(out);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.resolveSibling("child-" + attempt + ".log").toFile()).start();
            Path manifest = out.resolve("manifest.json");
            int finished = 0;
            while (p.isAlive()) {
                if (Files.exists(manifest)) {
                    try {
                        finished = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject().getAsJsonArray("shards").size();
                    } catch (RuntimeException | java.io.IOException ignored) {
                        // replaced while read: look again
                    }
                    if (finished > 0) break;
                }
                Thread.sleep(5);
            }
            p.destroyForcibly().waitFor();
            int after = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject().getAsJsonArray("shards").size();
            if (after < COUNT / SHARD) return after;
        }
        fail("the child JVM finished the dataset before it could be killed, three times");
        return -1;
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

}
