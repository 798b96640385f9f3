package dev.groundiff.detect;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How detector instances become one target mask per category.
 * <ul>
 * <li>{@code TOP1} (the official code, {@code seg_result[class][0]}): the highest-scoring instance of
 * the class with score &gt;= {@code minScore}; other instances of the class count as background.</li>
 * <li>{@code UNION}: the union of every instance of the class with score &gt;= {@code minScore}.</li>
 * </ul>
 * A category with no qualifying instance gets no mask (the detector missed it), not an empty one.
 */
public record TargetPolicy(Mode mode, double minScore) {
    public enum Mode { TOP1, UNION }

    /** The official behaviour; mmdet's own score_thr (0.05) has already filtered the instances. */
    public static final TargetPolicy OFFICIAL = new TargetPolicy(Mode.TOP1, 0.0);

    public static TargetPolicy union(double minScore) {
        return new TargetPolicy(Mode.UNION, minScore);
    }

    public static TargetPolicy parse(String mode, double minScore) {
        try {
            return new TargetPolicy(Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT)), minScore);
        } catch (IllegalArgumentException e) {
            throw new GroundiffException("unknown target policy '" + mode + "' (expected top1 or union)");
        }
    }

    /** One mask per category that has a qualifying instance, keyed in {@code categories} order. */
    public Map<String, BitMask> select(List<Instance> instances, List<String> categories) {
        Map<String, BitMask> out = new LinkedHashMap<>();
        for (String c : categories) {
            if (out.containsKey(c)) continue;
            Instance best = null;
            BitMask union = null;
            for (Instance i : instances) {
                if (!i.category().equals(c) || i.score() < minScore) continue;
                if (best == null || i.score() > best.score()) best = i;
                union = union == null ? i.mask() : union.or(i.mask());
            }
            if (best == null) continue;
            out.put(c, mode == Mode.TOP1 ? best.mask() : union);
        }
        return out;
    }

    public String id() {
        return mode.name().toLowerCase(Locale.ROOT) + (minScore > 0 ? "@" + minScore : "");
    }
}
