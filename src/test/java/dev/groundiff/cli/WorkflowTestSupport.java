package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.data.PromptSampler;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.grounding.GroundingConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared by the dataset / train / eval / export command tests: in-process runs, a test detector, tree comparison. */
final class WorkflowTestSupport {
    record Run(int code, String out, String err) {}

    static final int SIZE = 64;
    /** Fits the mini model's taps (block_out_channels 16..64, CLIP width 32) with the narrowest widths: fast steps. */
    static final GroundingConfig TINY = new GroundingConfig(768, 704, 416, 256, 4, 4, 4, 4, 16, 4, 16, 2, 1, 32, 32, SIZE);

    private WorkflowTestSupport() {}

    static Run run(List<String> args) {
        return run(args, cl -> { });
    }

    /** Runs the CLI in this JVM; {@code configure} may reach into a subcommand (test hooks). */
    static Run run(List<String> args, Consumer<picocli.CommandLine> configure) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintStream oldErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8)); // progress bars and log warnings
        try {
            var cl = Main.commandLine();
            cl.setOut(new PrintWriter(out));
            cl.setErr(new PrintWriter(err));
            configure.accept(cl);
            int code = cl.execute(args.toArray(String[]::new));
            return new Run(code, out.toString(), err + logs.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    static List<String> datasetArgs(Path model, Path out, Path detections, long count, int shardSize, int steps, boolean features) {
        List<String> a = new ArrayList<>(List.of("dataset", "--model", model.toString(), "--split", "pascal:1", "--subset", "all",
                "--count", Long.toString(count), "--out", out.toString(), "--shard-size", Integer.toString(shardSize), "--seed", "3",
                "--steps", Integer.toString(steps), "--guidance", "5", "--height", Integer.toString(SIZE), "--width", Integer.toString(SIZE)));
        if (detections != null) a.addAll(List.of("--detections", detections.toString()));
        if (features) a.add("--save-features");
        return a;
    }

    /**
     * What a detector would write for the dataset's images: per record its first category over the
     * left 3/4 of the image, its second over the bottom half, an unprompted "person" box on record 1,
     * and nothing for record 4 (the detector missed everything there).
     */
    static JsonObject detections(long count) {
        PromptSampler sampler = PromptSampler.official(Split.parse("pascal:1"), Subset.ALL, 3);
        Vocabulary v = Vocabulary.PASCAL_VOC;
        JsonArray images = new JsonArray(), anns = new JsonArray(), cats = new JsonArray();
        for (String c : v.classes()) {
            JsonObject o = new JsonObject();
            o.addProperty("id", v.categoryId(c));
            o.addProperty("name", c);
            cats.add(o);
        }
        long annId = 1;
        for (long i = 0; i < count; i++) {
            JsonObject im = new JsonObject();
            im.addProperty("id", i + 100);
            im.addProperty("file_name", String.format("%08d.png", i));
            im.addProperty("width", SIZE);
            im.addProperty("height", SIZE);
            images.add(im);
            if (i == 4) continue;
            List<String> prompted = sampler.sample(i).categories();
            List<double[]> boxes = List.of(new double[] {0, 0, 48, 64}, new double[] {0, 32, 64, 64});
            for (int k = 0; k < prompted.size(); k++) anns.add(annotation(annId++, i + 100, v.categoryId(prompted.get(k)), boxes.get(k), 0.9 - 0.1 * k));
            if (i == 1) anns.add(annotation(annId++, i + 100, v.categoryId("person"), new double[] {8, 8, 24, 24}, 0.8));
        }
        JsonObject root = new JsonObject();
        root.add("images", images);
        root.add("annotations", anns);
        root.add("categories", cats);
        return root;
    }

    private static JsonObject annotation(long id, long imageId, int categoryId, double[] box, double score) {
        JsonObject a = new JsonObject();
        a.addProperty("id", id);
        a.addProperty("image_id", imageId);
        a.addProperty("category_id", categoryId);
        a.addProperty("score", score);
        JsonArray poly = new JsonArray();
        for (double[] p : new double[][] {{box[0], box[1]}, {box[2], box[1]}, {box[2], box[3]}, {box[0], box[3]}}) {
            poly.add(p[0]);
            poly.add(p[1]);
        }
        JsonArray seg = new JsonArray();
        seg.add(poly);
        a.add("segmentation", seg);
        return a;
    }

    static Path write(Path file, JsonObject json) throws IOException {
        Files.writeString(file, json.toString());
        return file;
    }

    /** Every file under {@code dir} (relative path -> bytes), the writer's empty lock file left out. */
    static TreeMap<String, byte[]> tree(Path dir) throws IOException {
        TreeMap<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (rel.equals(".lock")) continue;
                out.put(rel, Files.readAllBytes(p));
            }
        }
        return out;
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        TreeMap<String, byte[]> a = tree(expected), b = tree(actual);
        assertEquals(a.keySet(), b.keySet(), "files of " + actual + " vs " + expected);
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k + " differs (" + Arrays.hashCode(a.get(k)) + " vs " + Arrays.hashCode(b.get(k)) + ")");
    }
}
