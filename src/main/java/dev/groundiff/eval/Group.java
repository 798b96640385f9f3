package dev.groundiff.eval;

import java.util.List;
import java.util.function.Predicate;

/** The test-set groups of the paper's Table 1: by number of objects named and whether they are seen. */
public enum Group {
    ONE_SEEN("one", "Seen"),
    ONE_UNSEEN("one", "Unseen"),
    TWO_SEEN("two", "Seen"),
    TWO_MIXED("two", "Seen + Unseen"),
    TWO_UNSEEN("two", "Unseen");

    /** "one" or "two" objects. */
    public final String objects;
    public final String label;

    Group(String objects, String label) {
        this.objects = objects;
        this.label = label;
    }

    /**
     * The group of a sample from the categories its prompt names, as drawn (a pair that repeats a
     * class is still a two-object sample). More than two names is not a Table 1 group: null.
     */
    public static Group of(List<String> categories, Predicate<String> isUnseen) {
        if (categories.size() == 1) return isUnseen.test(categories.get(0)) ? ONE_UNSEEN : ONE_SEEN;
        if (categories.size() == 2) {
            int unseen = (isUnseen.test(categories.get(0)) ? 1 : 0) + (isUnseen.test(categories.get(1)) ? 1 : 0);
            return unseen == 0 ? TWO_SEEN : unseen == 1 ? TWO_MIXED : TWO_UNSEEN;
        }
        return null;
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
