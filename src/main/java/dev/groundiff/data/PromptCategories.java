package dev.groundiff.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The categories a prompt names: every vocabulary class (or alias) that occurs in it as a whole
 * word or phrase (or its plural with -s), in order of first appearance. "a photograph of a dog and a
 * cat" with PASCAL gives [dog, cat]; "hotdog" does not name "dog".
 */
public final class PromptCategories {
    private record Hit(int at, String category) {}

    private PromptCategories() {}

    public static List<String> find(String prompt, Vocabulary vocabulary) {
        String text = " " + normalize(prompt) + " ";
        List<Hit> hits = new ArrayList<>();
        for (String c : vocabulary.classes()) add(hits, text, c, c);
        for (Map.Entry<String, String> a : vocabulary.aliases().entrySet()) add(hits, text, a.getKey(), a.getValue());
        hits.sort((x, y) -> Integer.compare(x.at(), y.at()));
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (Hit h : hits) out.add(h.category());
        return List.copyOf(out);
    }

    private static void add(List<Hit> hits, String text, String phrase, String category) {
        String p = normalize(phrase);
        int at = indexOf(text, " " + p + " ");
        if (at < 0) at = indexOf(text, " " + p + "s ");
        if (at >= 0) hits.add(new Hit(at, category));
    }

    private static int indexOf(String text, String needle) {
        return needle.isBlank() ? -1 : text.indexOf(needle);
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").trim();
    }
}
