package dev.groundiff.data;

import dev.groundiff.GroundiffException;

import java.util.Locale;

/** Which classes of a split prompts are drawn from. */
public enum Subset {
    SEEN, UNSEEN, ALL;

    public static Subset parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new GroundiffException("unknown subset '" + s + "' (expected seen, unseen or all)");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
