package dev.groundiff.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a dataset's labels look like, per category: how many prompts name it, in how many the labeller
 * found it, and how large its masks are (median pixels), for all prompts and for one-object prompts.
 * Shows at a glance whether a detector's masks on generated images are whole objects or fragments.
 */
public final class DatasetStats {
    /** One category's counts; medians are 0 when no mask was found. */
    public record Category(String name, int prompts, int found, long medianArea, int onePrompts, int oneFound, long oneMedianArea) {}

    /** {@code all}: every category pooled (medians over all masks). */
    public record Summary(long records, long checked, long emptyMasks, List<Category> categories, Category all) {}

    private DatasetStats() {}

    public static Summary of(Iterable<DatasetRecord> records) {
        Map<String, List<Long>> areas = new TreeMap<>(), oneAreas = new TreeMap<>();
        Map<String, int[]> counts = new TreeMap<>();
        long n = 0, checked = 0, empty = 0;
        for (DatasetRecord r : records) {
            n++;
            List<String> distinct = new ArrayList<>(new LinkedHashSet<>(r.categories()));
            if (r.masks().keySet().containsAll(distinct)) checked++;
            boolean one = r.categories().size() == 1;
            for (String c : distinct) {
                int[] k = counts.computeIfAbsent(c, x -> new int[4]);
                k[0]++;
                if (one) k[2]++;
                BitMask m = r.mask(c);
                List<Long> all = areas.computeIfAbsent(c, x -> new ArrayList<>());
                List<Long> single = oneAreas.computeIfAbsent(c, x -> new ArrayList<>());
                if (m == null) continue;
                k[1]++;
                all.add(m.area());
                if (m.area() == 0) empty++;
                if (one) {
                    k[3]++;
                    single.add(m.area());
                }
            }
        }
        List<Category> cats = new ArrayList<>();
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int[] k = e.getValue();
            cats.add(new Category(e.getKey(), k[0], k[1], median(areas.get(e.getKey())), k[2], k[3], median(oneAreas.get(e.getKey()))));
        }
        List<Long> every = new ArrayList<>(), everyOne = new ArrayList<>();
        areas.values().forEach(every::addAll);
        oneAreas.values().forEach(everyOne::addAll);
        int[] t = new int[4];
        for (int[] k : counts.values()) for (int i = 0; i < 4; i++) t[i] += k[i];
        return new Summary(n, checked, empty, cats, new Category("all", t[0], t[1], median(every), t[2], t[3], median(everyOne)));
    }

    /** The upper median of {@code v} (0 when empty). */
    static long median(List<Long> v) {
        if (v.isEmpty()) return 0;
        List<Long> s = new ArrayList<>(v);
        s.sort(null);
        return s.get(s.size() / 2);
    }

    public static String markdown(Summary s) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "%d records; every prompted category found in %d (%.1f%%); %d masks are empty%n%n",
                s.records(), s.checked(), s.records() == 0 ? 0.0 : 100.0 * s.checked() / s.records(), s.emptyMasks()));
        b.append("| category | prompts | found | median mask px | one-object prompts | found | median mask px |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|\n");
        List<Category> rows = new ArrayList<>(s.categories());
        rows.add(s.all());
        for (Category c : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d |%n",
                    c.name(), c.prompts(), c.found(), c.medianArea(), c.onePrompts(), c.oneFound(), c.oneMedianArea()));
        }
        return b.toString();
    }
}
