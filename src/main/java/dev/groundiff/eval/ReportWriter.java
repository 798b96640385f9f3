package dev.groundiff.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.RgbImage;
import dev.groundiff.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Writes an evaluation's results: {@code results.json} (every number), {@code report.md} (the paper's
 * Table 1 layout: one row per method, columns one object seen / unseen, two objects seen /
 * seen + unseen / unseen, mIoU in %) and {@code report.html} (self-contained: the same table,
 * per-category tables and a gallery of image / oracle / grounding / DAAM overlays, images inlined).
 */
public final class ReportWriter {
    /** One row of Table 1, e.g. "Grounding" or "DAAM (t=0.4)". */
    public record MethodResult(String method, IouAccumulator.Result result) {}

    /** One gallery sample; a method's map may lack a category (nothing predicted / detector missed). */
    public record GalleryItem(long index, String prompt, List<String> categories, RgbImage image,
                              Map<String, BitMask> oracle, Map<String, BitMask> grounding, Map<String, BitMask> daam) {}

    /** Everything a report shows; {@code settings} (model, split, seed, ...) is printed as given, sorted. */
    public record Report(String title, Map<String, String> settings, List<MethodResult> methods, List<GalleryItem> gallery) {}

    private ReportWriter() {}

    /** results.json, report.md, report.html (gallery inlined) and each gallery panel as gallery/NNNNNNNN.png (record index). */
    public static void write(Path dir, Report report) throws IOException {
        AtomicFiles.writeString(dir.resolve("results.json"), new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(json(report)) + "\n");
        AtomicFiles.writeString(dir.resolve("report.md"), markdown(report));
        AtomicFiles.writeString(dir.resolve("report.html"), html(report));
        for (GalleryItem g : report.gallery()) {
            AtomicFiles.writeBytes(dir.resolve("gallery").resolve(String.format(Locale.ROOT, "%08d.png", g.index())), Overlay.png(galleryPanel(g)));
        }
    }

    static final Group[] COLUMNS = {Group.ONE_SEEN, Group.ONE_UNSEEN, Group.TWO_SEEN, Group.TWO_MIXED, Group.TWO_UNSEEN};

    /** mIoU as a percentage with two decimals, "-" when undefined. */
    public static String percent(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.2f", 100 * v.getAsDouble()) : "-";
    }

    public static JsonObject json(Report r) {
        JsonObject o = new JsonObject();
        o.addProperty("title", r.title());
        JsonObject s = new JsonObject();
        new TreeMap<>(r.settings()).forEach(s::addProperty);
        o.add("settings", s);
        JsonArray methods = new JsonArray();
        for (MethodResult m : r.methods()) {
            JsonObject mo = new JsonObject();
            mo.addProperty("method", m.method());
            JsonObject groups = new JsonObject();
            for (Group g : COLUMNS) groups.add(g.id(), group(m.result().groups().get(g)));
            mo.add("groups", groups);
            mo.add("all", group(m.result().all()));
            methods.add(mo);
        }
        o.add("methods", methods);
        o.addProperty("gallery_samples", r.gallery().size());
        return o;
    }

    private static JsonObject group(IouAccumulator.GroupIou g) {
        JsonObject o = new JsonObject();
        o.addProperty("samples", g.samples());
        OptionalDouble miou = g.miou();
        if (miou.isPresent()) o.addProperty("miou", miou.getAsDouble());
        else o.add("miou", com.google.gson.JsonNull.INSTANCE);
        JsonArray cats = new JsonArray();
        for (IouAccumulator.CategoryIou c : g.categories()) {
            JsonObject co = new JsonObject();
            co.addProperty("category", c.category());
            if (c.iou().isPresent()) co.addProperty("iou", c.iou().getAsDouble());
            else co.add("iou", com.google.gson.JsonNull.INSTANCE);
            co.addProperty("intersection", c.intersection());
            co.addProperty("union", c.union());
            co.addProperty("pairs", c.pairs());
            co.addProperty("skipped", c.skipped());
            cats.add(co);
        }
        o.add("categories", cats);
        return o;
    }

    /** The Table 1 layout in Markdown (mIoU %, sample counts under the header). */
    public static String table(List<MethodResult> methods) {
        StringBuilder b = new StringBuilder();
        b.append("| Method | One: Seen | One: Unseen | Two: Seen | Two: Seen + Unseen | Two: Unseen |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        for (MethodResult m : methods) {
            b.append("| ").append(m.method());
            for (Group g : COLUMNS) b.append(" | ").append(percent(m.result().groups().get(g).miou()));
            b.append(" |\n");
        }
        if (!methods.isEmpty()) {
            b.append("| *samples*");
            for (Group g : COLUMNS) b.append(" | ").append(methods.get(0).result().groups().get(g).samples());
            b.append(" |\n");
        }
        return b.toString();
    }

    public static String markdown(Report r) {
        StringBuilder b = new StringBuilder("# ").append(r.title()).append("\n\n");
        for (Map.Entry<String, String> e : new TreeMap<>(r.settings()).entrySet()) b.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        b.append("\nmIoU (%): per category, intersection and union summed over the test set; mean over the categories that appear (a category with an empty union everywhere is left out).\n\n");
        b.append(table(r.methods()));
        b.append("\nAll samples:\n\n| Method | mIoU |\n|---|---:|\n");
        for (MethodResult m : r.methods()) b.append("| ").append(m.method()).append(" | ").append(percent(m.result().all().miou())).append(" |\n");
        return b.toString();
    }

    public static String html(Report r) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(esc(r.title())).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}")
                .append(".sample{margin:1.5em 0}.sample img{image-rendering:pixelated;max-width:100%}</style></head><body>\n");
        b.append("<h1>").append(esc(r.title())).append("</h1>\n<ul>");
        for (Map.Entry<String, String> e : new TreeMap<>(r.settings()).entrySet()) b.append("<li>").append(esc(e.getKey())).append(": ").append(esc(e.getValue())).append("</li>");
        b.append("</ul>\n<h2>mIoU (%)</h2>\n<table><tr><th rowspan=2>Method</th><th colspan=2>One object</th><th colspan=3>Two objects</th><th rowspan=2>All</th></tr>")
                .append("<tr><th>Seen</th><th>Unseen</th><th>Seen</th><th>Seen + Unseen</th><th>Unseen</th></tr>\n");
        for (MethodResult m : r.methods()) {
            b.append("<tr><td>").append(esc(m.method())).append("</td>");
            for (Group g : COLUMNS) b.append("<td>").append(percent(m.result().groups().get(g).miou())).append("</td>");
            b.append("<td>").append(percent(m.result().all().miou())).append("</td></tr>\n");
        }
        b.append("</table>\n<h2>IoU per category (%)</h2>\n<table><tr><th>Category</th>");
        for (MethodResult m : r.methods()) b.append("<th>").append(esc(m.method())).append("</th>");
        b.append("</tr>\n");
        LinkedHashSet<String> cats = new LinkedHashSet<>();
        for (MethodResult m : r.methods()) for (IouAccumulator.CategoryIou c : m.result().all().categories()) cats.add(c.category());
        for (String c : new java.util.TreeSet<>(cats)) {
            b.append("<tr><td>").append(esc(c)).append("</td>");
            for (MethodResult m : r.methods()) {
                OptionalDouble v = OptionalDouble.empty();
                for (IouAccumulator.CategoryIou ci : m.result().all().categories()) if (ci.category().equals(c)) v = ci.iou();
                b.append("<td>").append(percent(v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        if (!r.gallery().isEmpty()) {
            b.append("<h2>Samples</h2>\n");
            for (GalleryItem g : r.gallery()) {
                b.append("<div class=\"sample\"><div>#").append(g.index()).append(": ").append(esc(g.prompt())).append("</div>")
                        .append("<img alt=\"sample ").append(g.index()).append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(Overlay.png(galleryPanel(g)))).append("\"></div>\n");
            }
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** Image, oracle, grounding and DAAM masks side by side; a category keeps its colour in every panel. */
    public static java.awt.image.BufferedImage galleryPanel(GalleryItem g) {
        List<Overlay.Panel> panels = new ArrayList<>();
        panels.add(new Overlay.Panel("image", Overlay.draw(g.image(), List.of())));
        panels.add(new Overlay.Panel("oracle", Overlay.draw(g.image(), layers(g.categories(), g.oracle()))));
        if (g.grounding() != null) panels.add(new Overlay.Panel("grounding", Overlay.draw(g.image(), layers(g.categories(), g.grounding()))));
        if (g.daam() != null) panels.add(new Overlay.Panel("DAAM", Overlay.draw(g.image(), layers(g.categories(), g.daam()))));
        return Overlay.panel(panels);
    }

    private static List<Overlay.Layer> layers(List<String> categories, Map<String, BitMask> masks) {
        List<Overlay.Layer> out = new ArrayList<>();
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(categories));
        for (int i = 0; i < distinct.size(); i++) out.add(new Overlay.Layer(distinct.get(i), masks == null ? null : masks.get(distinct.get(i)), Overlay.color(i)));
        return out;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
