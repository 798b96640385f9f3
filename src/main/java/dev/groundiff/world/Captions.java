package dev.groundiff.world;

import java.util.ArrayList;
import java.util.List;

/** Captions in the world's one template: "a photograph of a red star and a blue ring". */
public final class Captions {
    public static final String PREFIX = "a photograph of ";

    private Captions() {}

    /** One noun phrase per object, in the given order; colours named when {@code withColours}. */
    public static String caption(List<SceneObject> inOrder, boolean withColours) {
        List<String> phrases = new ArrayList<>();
        for (SceneObject o : inOrder) phrases.add(phrase(o.category(), withColours ? o.colour() : null));
        return PREFIX + String.join(" and ", phrases);
    }

    /** "a star", "an orange star", "an arrow"; {@code colour} may be null. */
    public static String phrase(String category, WorldColour colour) {
        String words = colour == null ? category : colour.word() + " " + category;
        return article(words) + " " + words;
    }

    private static String article(String word) {
        return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
