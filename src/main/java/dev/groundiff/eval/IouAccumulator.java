package dev.groundiff.eval;

import dev.groundiff.data.BitMask;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Category-wise IoU as the paper defines mIoU: for each category, intersection and union are summed
 * over the whole test set (not averaged per image), IoU_c = I_c / U_c, and mIoU is the mean over the
 * categories. Kept per Table 1 group and over all samples.
 *
 * <p>Edge cases (all NaN-free):
 * <ul>
 * <li>empty prediction, non-empty target (or the reverse): I = 0 and U &gt; 0 for that image, so it
 * pulls the category's IoU down;</li>
 * <li>both empty on an image: adds 0 to I and U, so the image does not change the category's IoU;</li>
 * <li>a category whose union is 0 over the whole set (empty everywhere) has no defined IoU: it is
 * listed with {@code iou} empty and left out of mIoU (as mmseg's nanmean does);</li>
 * <li>a category that never appears is not in the result at all, so mIoU runs over the categories
 * that appear; a group with no defined category has an empty mIoU;</li>
 * <li>a missing target (the detector found nothing; {@code null}) is not evaluated: the pair is
 * counted in {@code skipped} and adds nothing. A missing prediction ({@code null}) is an empty one.</li>
 * </ul>
 */
public final class IouAccumulator {
    /** One category's sums. {@code iou} is empty when the union is 0. */
    public record CategoryIou(String category, long intersection, long union, int pairs, int skipped) {
        public OptionalDouble iou() {
            return union == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) intersection / union);
        }
    }

    /** One group's (or the whole set's) categories, sorted by name, and their mIoU. */
    public record GroupIou(String name, int samples, List<CategoryIou> categories) {
        public OptionalDouble miou() {
            double s = 0;
            int n = 0;
            for (CategoryIou c : categories) {
                if (c.iou().isPresent()) {
                    s += c.iou().getAsDouble();
                    n++;
                }
            }
            return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(s / n);
        }
    }

    /** Per-group results plus the whole set ({@code all}, which also holds samples naming more than two objects). */
    public record Result(Map<Group, GroupIou> groups, GroupIou all) {}

    private static final class Sums {
        long inter, union;
        int pairs, skipped;
    }

    private final Predicate<String> isUnseen;
    private final Map<Group, Map<String, Sums>> byGroup = new EnumMap<>(Group.class);
    private final Map<Group, Integer> samples = new EnumMap<>(Group.class);
    private final Map<String, Sums> all = new LinkedHashMap<>();
    private int allSamples;

    /** {@code isUnseen} says which categories are unseen (e.g. {@code split::isUnseen}). */
    public IouAccumulator(Predicate<String> isUnseen) {
        this.isUnseen = isUnseen;
    }

    /**
     * Adds one sample: {@code categories} as the prompt names them, predictions and targets per
     * category (a missing entry: see the class comment). Each distinct category is evaluated once.
     */
    public void addSample(List<String> categories, Map<String, BitMask> predictions, Map<String, BitMask> targets) {
        Group g = Group.of(categories, isUnseen);
        allSamples++;
        if (g != null) samples.merge(g, 1, Integer::sum);
        for (String c : new LinkedHashSet<>(categories)) {
            BitMask t = targets.get(c);
            BitMask p = predictions.get(c);
            add(all, c, p, t);
            if (g != null) add(byGroup.computeIfAbsent(g, k -> new LinkedHashMap<>()), c, p, t);
        }
    }

    private static void add(Map<String, Sums> map, String category, BitMask prediction, BitMask target) {
        Sums s = map.computeIfAbsent(category, k -> new Sums());
        if (target == null) {
            s.skipped++;
            return;
        }
        if (prediction == null) {
            s.union += target.area();
        } else {
            s.inter += prediction.intersectionArea(target);
            s.union += prediction.unionArea(target);
        }
        s.pairs++;
    }

    public Result result() {
        Map<Group, GroupIou> out = new EnumMap<>(Group.class);
        for (Group g : Group.values()) {
            Map<String, Sums> m = byGroup.getOrDefault(g, Map.of());
            out.put(g, new GroupIou(g.id(), samples.getOrDefault(g, 0), list(m)));
        }
        return new Result(out, new GroupIou("all", allSamples, list(all)));
    }

    private static List<CategoryIou> list(Map<String, Sums> m) {
        List<CategoryIou> l = new ArrayList<>();
        for (Map.Entry<String, Sums> e : new TreeMap<>(m).entrySet()) {
            Sums s = e.getValue();
            l.add(new CategoryIou(e.getKey(), s.inter, s.union, s.pairs, s.skipped));
        }
        return l;
    }
}
