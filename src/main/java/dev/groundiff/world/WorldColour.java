package dev.groundiff.world;

import dev.groundiff.GroundiffException;

import java.util.Locale;

/**
 * The eight object colours. Each has at least one channel outside {@link Background#CHANNEL_MIN}..
 * {@link Background#CHANNEL_MAX}, the range backgrounds are drawn from, so no background pixel can have
 * an object's colour (what makes "the pixels of this colour are this object" exact).
 */
public enum WorldColour {
    RED(215, 35, 35),
    GREEN(40, 160, 60),
    BLUE(35, 75, 215),
    YELLOW(245, 210, 30),
    ORANGE(245, 130, 25),
    PURPLE(135, 55, 185),
    WHITE(245, 245, 245),
    BLACK(25, 25, 25);

    public final int r, g, b;

    WorldColour(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /** The caption word ("red"). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int rgb() {
        return (r << 16) | (g << 8) | b;
    }

    public static WorldColour byWord(String word) {
        for (WorldColour c : values()) if (c.word().equals(word)) return c;
        throw new GroundiffException("unknown world colour '" + word + "'");
    }
}
