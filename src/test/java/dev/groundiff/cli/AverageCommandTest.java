package dev.groundiff.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.BitMask;
import dev.groundiff.eval.IouAccumulator;
import dev.groundiff.eval.ReportWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class AverageCommandTest {
    /** A 1x4 mask with the first {@code n} pixels set. */
    private static BitMask first(int n) {
        boolean[] px = new boolean[4];
        for (int i = 0; i < n; i++) px[i] = true;
        return BitMask.of(4, 1, px);
    }

    /** One evaluation: "star" seen, "ring" unseen; the prediction covers {@code predStar}/{@code predRing} of a 4-pixel target. */
    private static Path evaluation(Path dir, int predStar, Integer predRing) throws Exception {
        IouAccumulator acc = new IouAccumulator("ring"::equals);
        acc.addSample(List.of("star"), Map.of("star", first(predStar)), Map.of("star", first(4)));
        if (predRing != null) acc.addSample(List.of("ring"), Map.of("ring", first(predRing)), Map.of("ring", first(4)));
        ReportWriter.write(dir, new ReportWriter.Report("t", Map.of("split", dir.getFileName().toString()),
                List.of(new ReportWriter.MethodResult("Grounding", acc.result()), new ReportWriter.MethodResult("Only-" + dir.getFileName(), acc.result())), List.of()));
        return dir;
    }

    @Test
    void averagesEachColumnOverTheEvaluationsThatDefineIt(@TempDir Path tmp) throws Exception {
        Path a = evaluation(tmp.resolve("a"), 2, 1);      // one seen 50%, one unseen 25%
        Path b = evaluation(tmp.resolve("b"), 4, null);   // one seen 100%, no unseen sample
        WorkflowTestSupport.Run r = WorkflowTestSupport.run(List.of("average", a.toString(), b.toString(), "--out", tmp.resolve("avg").toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("| Grounding | 75.00 | 25.00 (1 of 2) | - | - | - |"), r.out());
        assertFalse(r.out().contains("Only-"), "a method missing from one evaluation is not averaged: " + r.out());
        assertTrue(r.out().contains("| *samples (sum)* | 2 | 1 | 0 | 0 | 0 |"), r.out());
        JsonObject j = JsonParser.parseString(Files.readString(tmp.resolve("avg/average.json"))).getAsJsonObject();
        JsonObject g = j.getAsJsonArray("methods").get(0).getAsJsonObject().getAsJsonObject("groups");
        assertEquals(0.75, g.getAsJsonObject("one_seen").get("miou").getAsDouble(), 1e-12);
        assertEquals(1, g.getAsJsonObject("one_unseen").get("defined_in").getAsInt());
        assertTrue(g.getAsJsonObject("two_seen").get("miou").isJsonNull());
        assertTrue(Files.readString(tmp.resolve("avg/metadata.json")).contains("code_version"));
    }

    @Test
    void aFolderWithoutResultsIsAUserError(@TempDir Path tmp) throws Exception {
        WorkflowTestSupport.Run r = WorkflowTestSupport.run(List.of("average", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("results.json"), r.err());
        Files.writeString(tmp.resolve("results.json"), "{\"methods\": [");
        r = WorkflowTestSupport.run(List.of("average", tmp.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not valid JSON"), r.err());
    }
}
