package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.grounding.GroundingTrainer;
import dev.groundiff.torch.Torch;
import dev.groundiff.world.WorldModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.groundiff.cli.WorkflowTestSupport.run;
import static org.junit.jupiter.api.Assertions.*;

/** The README quickstart on the weights committed in models/world, and the world's grounding stage. */
class ShippedWorldModelTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void quickstartWritesImageMasksAndOverlayWithTheShippedModels(@TempDir Path out) throws Exception {
        Path module = WorldModels.dir("grounding-split1").resolve(GroundingTrainer.WEIGHTS_FILE);
        assertTrue(Files.isRegularFile(module), "no shipped grounding module at " + module);
        WorkflowTestSupport.Run r = run(List.of("generate", "--prompt", "a photograph of a red star and a blue ring", "--steps", "3", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        BufferedImage image = ImageIO.read(out.resolve("image-0.png").toFile());
        assertEquals(64, image.getWidth(), "the world model's native size");
        for (String f : List.of("mask-0-star.png", "mask-0-ring.png", "overlay-0.png")) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        JsonObject meta = JsonParser.parseString(Files.readString(out.resolve("metadata.json"))).getAsJsonObject();
        assertTrue(meta.getAsJsonObject("model").get("path").getAsString().endsWith("sd"), meta.toString());
        assertEquals("vocabulary world", meta.getAsJsonObject("grounding").get("categories_from").getAsString());

        Path plain = out.resolve("plain");
        WorkflowTestSupport.Run p = run(List.of("generate", "--prompt", "a photograph of a red star", "--steps", "2", "--no-grounding", "--out", plain.toString()));
        assertEquals(0, p.code(), p.err());
        assertTrue(Files.isRegularFile(plain.resolve("image-0.png")));
        assertFalse(Files.exists(plain.resolve("overlay-0.png")), "--no-grounding writes images only");
    }

    @Test
    void evalGeneratorCountsEachCategoryAndPassesEtaToTheSampler(@TempDir Path tmp) throws Exception {
        List<String> base = List.of("world", "eval-generator", "--per-category", "1", "--pairs", "2", "--steps", "2");
        List<String> deterministic = new ArrayList<>(base), noisy = new ArrayList<>(base);
        deterministic.addAll(List.of("--samples", tmp.resolve("eta0").toString()));
        noisy.addAll(List.of("--eta", "1", "--samples", tmp.resolve("eta1").toString()));
        WorkflowTestSupport.Run r = run(deterministic);
        assertEquals(0, r.code(), r.err());
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("category found (\\d+)/20 ").matcher(r.out());
        assertTrue(total.find(), r.out());
        String per = r.out().lines().filter(l -> l.startsWith("one object, found per category:")).findFirst().orElseThrow();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" ([a-z]+) (\\d+)/(\\d+)").matcher(per);
        int categories = 0, found = 0;
        while (m.find()) {
            categories++;
            found += Integer.parseInt(m.group(2));
            assertEquals("1", m.group(3), per);
        }
        assertEquals(20, categories, per);
        assertEquals(Integer.parseInt(total.group(1)), found, "the per-category counts add up to the total");
        WorkflowTestSupport.Run e = run(noisy);
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("eta 1.00"), e.out());
        try (var files = Files.list(tmp.resolve("eta0").resolve("single"))) {
            assertEquals(21, files.count(), "20 images and the montage");
        }
        Path first = Path.of("single", "0000-a_red_circle.png");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("eta0").resolve(first)), Files.readAllBytes(tmp.resolve("eta1").resolve(first))),
                "eta 1 adds fresh noise at each step: the same seed draws another image");
    }

    @Test
    void groundingStageTrainsResumesAndExports(@TempDir Path tmp) throws Exception {
        Path runDir = tmp.resolve("run"), model = tmp.resolve("model");
        List<String> args = new ArrayList<>(List.of("world", "train", "--stage", "grounding", "--split", "1", "--images", "3", "--steps", "2",
                "--checkpoint-every", "1", "--out", runDir.toString(), "--model-out", model.toString()));
        WorkflowTestSupport.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(model.resolve(GroundingTrainer.WEIGHTS_FILE)));
        // the paper's order: a training set of seen-class prompts labelled by the detector, then training on its stored features
        var data = dev.groundiff.data.DatasetReader.open(runDir.resolve("dataset"));
        assertEquals(3, data.size());
        assertEquals("world:1", data.info().split());
        assertEquals("seen", data.info().subset());
        assertEquals("true", data.info().extra().get("features"));
        WorkflowTestSupport.Run stats = run(List.of("inspect", runDir.resolve("dataset").toString()));
        assertEquals(0, stats.code(), stats.err());
        assertTrue(stats.out().startsWith("3 records; every prompted category found in ") && stats.out().contains("| all | "), stats.out());
        JsonObject meta = JsonParser.parseString(Files.readString(model.resolve("metadata.json"))).getAsJsonObject();
        assertEquals("stored in the dataset", meta.get("features").getAsString());
        assertEquals(3, meta.get("dataset_records").getAsInt());
        assertEquals("world:1", meta.get("dataset_split").getAsString());
        assertEquals("seen", meta.get("dataset_subset").getAsString());
        assertTrue(meta.get("dataset_labels").getAsString().startsWith("world-detector"), meta.toString());
        assertEquals(3, Files.readAllLines(runDir.resolve(GroundingTrainer.LOSS_FILE)).size(), "header + 2 steps");

        WorkflowTestSupport.Run again = run(args);
        assertEquals(2, again.code(), "a finished run is not silently continued");
        assertTrue(again.err().contains("--resume"), again.err());
        args.set(args.indexOf("--steps") + 1, "3");
        args.add("--resume");
        WorkflowTestSupport.Run more = run(args);
        assertEquals(0, more.code(), more.err());
        assertEquals(4, Files.readAllLines(model.resolve(GroundingTrainer.LOSS_FILE)).size(), "the exported copy follows the run");

        // the ablation trains on the same images
        Path normal = tmp.resolve("normal");
        WorkflowTestSupport.Run n = run(List.of("world", "train", "--stage", "grounding", "--split", "1", "--normal-training", "--steps", "2",
                "--dataset", runDir.resolve("dataset").toString(), "--out", normal.toString(), "--model-out", tmp.resolve("m-normal").toString()));
        assertEquals(0, n.code(), n.err());
        assertFalse(Files.exists(normal.resolve("dataset")), "no second training set is built");
        assertEquals(meta.get("dataset_sha256").getAsString(),
                JsonParser.parseString(Files.readString(normal.resolve("metadata.json"))).getAsJsonObject().get("dataset_sha256").getAsString());
    }

    /** Protocol II end to end at a minute size: dataset labelled by the shipped module, three segmenters, the table. */
    @Test
    void protocol2RunsEveryStageAndResumes(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("p2");
        List<String> args = new ArrayList<>(List.of("world", "protocol2", "--count", "3", "--steps", "2", "--eval-count", "8",
                "--denoise-steps", "2", "--out", out.toString()));
        WorkflowTestSupport.Run r = run(args);
        assertEquals(0, r.code(), r.err());
        JsonObject res = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        var rows = res.getAsJsonArray("rows");
        assertEquals(3, rows.size());
        assertEquals(0.0, rows.get(1).getAsJsonObject().get("unseen_miou").getAsDouble(), "the seen-only segmenter cannot name unseen classes");
        for (var row : rows) {
            JsonObject o = row.getAsJsonObject();
            double s = o.get("seen_miou").getAsDouble(), u = o.get("unseen_miou").getAsDouble();
            assertEquals(s + u == 0 ? 0 : 2 * s * u / (s + u), o.get("harmonic_miou").getAsDouble(), 1e-9);
        }
        var reader = dev.groundiff.data.DatasetReader.open(out.resolve("synthetic"));
        assertEquals(3, reader.size());
        assertEquals("grounding module", reader.info().extra().get("labels"));
        assertTrue(Files.readString(out.resolve("results.md")).contains("| segmenter trained on |"));

        WorkflowTestSupport.Run again = run(args);
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        args.add("--resume");
        WorkflowTestSupport.Run resumed = run(args);
        assertEquals(0, resumed.code(), resumed.err());
        JsonObject res2 = JsonParser.parseString(Files.readString(out.resolve("results.json"))).getAsJsonObject();
        for (int i = 0; i < 3; i++) {
            for (String k : List.of("seen_miou", "unseen_miou", "harmonic_miou")) {
                assertEquals(rows.get(i).getAsJsonObject().get(k).getAsDouble(), res2.getAsJsonArray("rows").get(i).getAsJsonObject().get(k).getAsDouble(), k);
            }
        }
    }

    @Test
    void groundingStageOptionsAreChecked(@TempDir Path tmp) {
        String out = tmp.resolve("x").toString();
        assertError(List.of("world", "train", "--stage", "grounding", "--out", out), "needs --split");
        assertError(List.of("world", "train", "--stage", "grounding", "--split", "4", "--out", out), "--split must be 1, 2 or 3");
        assertError(List.of("world", "train", "--stage", "vae", "--split", "1", "--out", out), "options of --stage grounding");
        assertError(List.of("world", "train", "--stage", "vae", "--autocast", "bfloat16", "--out", out), "options of --stage diffusion");
        assertError(List.of("world", "train", "--stage", "detector", "--decay-steps", "5", "--out", out), "option of --stage vae and diffusion");
        assertError(List.of("world", "train", "--stage", "vae", "--steps", "4", "--decay-steps", "5", "--out", out), "between 2 and --steps (4)");
        assertError(List.of("world", "train", "--stage", "grounding", "--split", "1", "--dataset", tmp.toString(), "--images", "4", "--out", out), "with --dataset there is none to build");
        assertError(List.of("world", "train", "--stage", "grounding", "--split", "1", "--dataset", tmp.toString(), "--out", out), "not a dataset folder");
        assertError(List.of("world", "train", "--stage", "grounding", "--split", "1", "--minutes", "3", "--out", out), "continue with --resume");
    }

    private static void assertError(List<String> args, String message) {
        WorkflowTestSupport.Run r = run(args);
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }
}
