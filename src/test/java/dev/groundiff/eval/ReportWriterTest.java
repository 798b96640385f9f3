package dev.groundiff.eval;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportWriterTest {
    static BitMask rect(int w, int h, int x0, int y0, int x1, int y1) {
        BitMask.Builder b = new BitMask.Builder(w, h);
        for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) b.set(x, y);
        return b.build();
    }

    @Test
    void tableAndFiles(@TempDir Path dir) throws Exception {
        Split split = Split.pascal(1);
        BitMask target = rect(8, 8, 0, 0, 4, 4);               // 16 px
        IouAccumulator good = new IouAccumulator(split::isUnseen), daam = new IouAccumulator(split::isUnseen);
        good.addSample(List.of("cat"), Map.of("cat", target), Map.of("cat", target));                       // 100 %
        daam.addSample(List.of("cat"), Map.of("cat", rect(8, 8, 0, 0, 4, 2)), Map.of("cat", target));       // 8/16 = 50 %
        good.addSample(List.of("cat", "dog"), Map.of("cat", target, "dog", rect(8, 8, 4, 4, 8, 8)), Map.of("cat", target, "dog", rect(8, 8, 4, 4, 8, 6)));
        daam.addSample(List.of("cat", "dog"), Map.of(), Map.of("cat", target, "dog", rect(8, 8, 4, 4, 8, 6)));
        List<ReportWriter.MethodResult> methods = List.of(new ReportWriter.MethodResult("Grounding", good.result()),
                new ReportWriter.MethodResult("DAAM (t=0.4)", daam.result()));
        String table = ReportWriter.table(methods);
        // mixed group: grounding cat 1.0, dog 8/16 -> 75 %; DAAM predicts nothing -> 0
        assertTrue(table.contains("| Grounding | 100.00 | - | - | 75.00 | - |"), table);
        assertTrue(table.contains("| DAAM (t=0.4) | 50.00 | - | - | 0.00 | - |"), table);
        assertTrue(table.contains("| *samples* | 1 | 0 | 0 | 1 | 0 |"), table);

        byte[] rgb = new byte[8 * 8 * 3];
        var item = new ReportWriter.GalleryItem(0, "a photograph of a cat", List.of("cat"), new RgbImage(8, 8, rgb),
                Map.of("cat", target), Map.of("cat", target), Map.of());
        ReportWriter.write(dir, new ReportWriter.Report("Protocol I", Map.of("split", "pascal:1"), methods, List.of(item)));
        JsonObject json = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        assertEquals(0.75, json.getAsJsonArray("methods").get(0).getAsJsonObject().getAsJsonObject("groups").getAsJsonObject("two_mixed").get("miou").getAsDouble(), 1e-12);
        assertTrue(json.getAsJsonArray("methods").get(0).getAsJsonObject().getAsJsonObject("groups").getAsJsonObject("one_unseen").get("miou").isJsonNull());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,") && html.contains("<td>75.00</td>") && !html.contains("src=\"http"));
        assertTrue(Files.readString(dir.resolve("report.md")).contains("| Grounding | 100.00 |"));
    }

    @Test
    void overlayTintsOutlinesAndLegends() {
        int w = 64, h = 64;
        RgbImage black = new RgbImage(w, h, new byte[w * h * 3]);
        BitMask m = rect(w, h, 30, 2, 60, 20);
        Color c = new Color(200, 100, 40);
        BufferedImage out = Overlay.draw(black, List.of(new Overlay.Layer("dog", m, c)));
        int k = 3;                                                                         // 64 px is enlarged to 192
        assertEquals(w * k, out.getWidth());
        assertEquals(h * k, out.getHeight());
        assertEquals(c.getRGB() & 0xffffff, out.getRGB(30 * k, 10 * k) & 0xffffff);         // outline in full colour
        assertEquals(new Color(100, 50, 20).getRGB() & 0xffffff, out.getRGB(45 * k, 10 * k) & 0xffffff); // inside: 50 % blend
        assertEquals(0, out.getRGB(50 * k, 30 * k) & 0xffffff);                            // outside untouched
        boolean legendSwatch = false;
        for (int y = h * k - 24; y < h * k; y++) for (int x = 0; x < 24; x++) legendSwatch |= (out.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff);
        assertTrue(legendSwatch, "legend swatch in the lower-left corner");
        BufferedImage panel = Overlay.panel(List.of(new Overlay.Panel("a", out), new Overlay.Panel("b", out)));
        assertTrue(panel.getWidth() >= 2 * w);
    }
}
