package dev.groundiff.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The paper's "average over the splits": each Table 1 column's mIoU averaged over several
 * evaluations (one {@code results.json} per class split, as {@code groundiff eval} writes them).
 * A method is averaged when every evaluation has it; a column is the mean over the evaluations in
 * which it is defined, and says so when that is not all of them.
 */
public final class SplitAverage {
    /** One method's averaged columns ({@link ReportWriter#COLUMNS} order) and in how many evaluations each was defined. */
    public record Row(String method, List<OptionalDouble> columns, List<Integer> defined) {}

    /** The rows and the summed sample counts per column. */
    public record Table(int evaluations, List<Row> rows, List<Integer> samples) {}

    private SplitAverage() {}

    /** Reads {@code dir/results.json} (or the file itself). */
    public static JsonObject read(Path dirOrFile) throws IOException {
        Path f = Files.isDirectory(dirOrFile) ? dirOrFile.resolve("results.json") : dirOrFile;
        if (!Files.isRegularFile(f)) throw new GroundiffException(f + ": no results.json there (the output of `groundiff eval`)");
        try {
            JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
            if (!o.has("methods")) throw new GroundiffException(f + ": not an evaluation's results.json (no \"methods\")");
            return o;
        } catch (IllegalStateException | com.google.gson.JsonParseException e) {
            throw new GroundiffException(f + ": not valid JSON (" + e.getMessage() + ")");
        }
    }

    public static Table of(List<JsonObject> results) {
        if (results.isEmpty()) throw new GroundiffException("nothing to average: give at least one evaluation folder");
        List<Map<String, JsonObject>> byMethod = new ArrayList<>();
        for (JsonObject r : results) {
            Map<String, JsonObject> m = new LinkedHashMap<>();
            for (JsonElement e : r.getAsJsonArray("methods")) m.put(e.getAsJsonObject().get("method").getAsString(), e.getAsJsonObject().getAsJsonObject("groups"));
            byMethod.add(m);
        }
        List<Row> rows = new ArrayList<>();
        for (String method : byMethod.get(0).keySet()) {
            if (!byMethod.stream().allMatch(m -> m.containsKey(method))) continue;
            List<OptionalDouble> cols = new ArrayList<>();
            List<Integer> defined = new ArrayList<>();
            for (Group g : ReportWriter.COLUMNS) {
                double sum = 0;
                int n = 0;
                for (Map<String, JsonObject> m : byMethod) {
                    JsonElement v = m.get(method).getAsJsonObject(g.id()).get("miou");
                    if (v != null && !v.isJsonNull()) {
                        sum += v.getAsDouble();
                        n++;
                    }
                }
                cols.add(n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n));
                defined.add(n);
            }
            rows.add(new Row(method, cols, defined));
        }
        if (rows.isEmpty()) throw new GroundiffException("no method is in every evaluation, so nothing can be averaged");
        List<Integer> samples = new ArrayList<>();
        String first = rows.get(0).method();
        for (Group g : ReportWriter.COLUMNS) {
            int s = 0;
            for (Map<String, JsonObject> m : byMethod) s += m.get(first).getAsJsonObject(g.id()).get("samples").getAsInt();
            samples.add(s);
        }
        return new Table(results.size(), rows, samples);
    }

    /** The Table 1 layout; a cell defined in fewer evaluations than all carries "(k of n)". */
    public static String markdown(Table t) {
        StringBuilder b = new StringBuilder();
        b.append("| Method | One: Seen | One: Unseen | Two: Seen | Two: Seen + Unseen | Two: Unseen |\n");
        b.append("|---|---:|---:|---:|---:|---:|\n");
        for (Row r : t.rows()) {
            b.append("| ").append(r.method());
            for (int i = 0; i < r.columns().size(); i++) {
                b.append(" | ").append(ReportWriter.percent(r.columns().get(i)));
                int k = r.defined().get(i);
                if (k > 0 && k < t.evaluations()) b.append(String.format(Locale.ROOT, " (%d of %d)", k, t.evaluations()));
            }
            b.append(" |\n");
        }
        b.append("| *samples (sum)*");
        for (int s : t.samples()) b.append(" | ").append(s);
        b.append(" |\n");
        return b.toString();
    }

    public static JsonObject json(Table t, List<String> sources) {
        JsonObject o = new JsonObject();
        com.google.gson.JsonArray src = new com.google.gson.JsonArray();
        sources.forEach(src::add);
        o.add("sources", src);
        com.google.gson.JsonArray methods = new com.google.gson.JsonArray();
        for (Row r : t.rows()) {
            JsonObject m = new JsonObject();
            m.addProperty("method", r.method());
            JsonObject groups = new JsonObject();
            for (int i = 0; i < ReportWriter.COLUMNS.length; i++) {
                JsonObject g = new JsonObject();
                OptionalDouble v = r.columns().get(i);
                if (v.isPresent()) g.addProperty("miou", v.getAsDouble());
                else g.add("miou", com.google.gson.JsonNull.INSTANCE);
                g.addProperty("defined_in", r.defined().get(i));
                g.addProperty("samples", t.samples().get(i));
                groups.add(ReportWriter.COLUMNS[i].id(), g);
            }
            m.add("groups", groups);
            methods.add(m);
        }
        o.add("methods", methods);
        return o;
    }
}
