package dev.groundiff.data;

import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Draws prompts the way the official {@code train.py --train_data random} does: one or two objects
 * (50/50 by default), classes drawn independently and uniformly from the chosen classes (so a pair
 * may repeat a class), "a photograph of a X" / "a photograph of a X and a Y".
 *
 * <p>Sample {@code i} depends only on (seed, i): each index gets its own generator seeded from a
 * hash of both, so any shard can be generated alone and in any order. The image seed of sample i is
 * {@code seed + i}.
 */
public final class PromptSampler {
    /** How many objects a prompt names. */
    public enum Objects {
        RANDOM, SINGLE, TWO;

        public static Objects parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new GroundiffException("unknown object count '" + s + "' (expected random, single or two)");
            }
        }
    }

    /** One drawn prompt. {@code seed} is the seed for the image noise. */
    public record Sample(long index, String prompt, List<String> categories, long seed) {}

    /**
     * Prompt templates: {@code {0}} is replaced by the first class, {@code {1}} by the second.
     * When several are given, one is chosen uniformly per sample.
     */
    public record Templates(List<String> one, List<String> two) {
        public static final Templates OFFICIAL = new Templates(
                List.of("a photograph of a {0}"), List.of("a photograph of a {0} and a {1}"));

        public Templates {
            one = List.copyOf(one);
            two = List.copyOf(two);
            for (String t : one) {
                if (!t.contains("{0}")) throw new GroundiffException("one-object template '" + t + "' lacks {0}");
            }
            for (String t : two) {
                if (!t.contains("{0}") || !t.contains("{1}")) throw new GroundiffException("two-object template '" + t + "' needs {0} and {1}");
            }
        }
    }

    private final List<String> classes;
    private final long seed;
    private final Objects objects;
    private final Templates templates;

    public PromptSampler(List<String> classes, long seed, Objects objects, Templates templates) {
        if (classes.isEmpty()) throw new GroundiffException("no classes to draw prompts from (is the chosen subset empty?)");
        this.classes = List.copyOf(classes);
        this.seed = seed;
        this.objects = objects;
        this.templates = templates;
        if (objects != Objects.TWO && templates.one().isEmpty()) throw new GroundiffException("no one-object prompt template");
        if (objects != Objects.SINGLE && templates.two().isEmpty()) throw new GroundiffException("no two-object prompt template");
    }

    /** The official distribution over {@code split.classes(subset)}. */
    public static PromptSampler official(Split split, Subset subset, long seed) {
        return new PromptSampler(split.classes(subset), seed, Objects.RANDOM, Templates.OFFICIAL);
    }

    public Sample sample(long index) {
        if (index < 0) throw new IllegalArgumentException("negative sample index " + index);
        SplittableRandom r = new SplittableRandom(mix(seed, index));
        boolean two = switch (objects) {
            case SINGLE -> false;
            case TWO -> true;
            case RANDOM -> r.nextBoolean();
        };
        List<String> cats = new ArrayList<>();
        cats.add(classes.get(r.nextInt(classes.size())));
        if (two) cats.add(classes.get(r.nextInt(classes.size())));
        List<String> pool = two ? templates.two() : templates.one();
        String t = pool.get(pool.size() == 1 ? 0 : r.nextInt(pool.size()));
        String prompt = t.replace("{0}", cats.get(0));
        if (two) prompt = prompt.replace("{1}", cats.get(1));
        return new Sample(index, prompt, List.copyOf(cats), seed + index);
    }

    public List<Sample> samples(long from, long to) {
        List<Sample> out = new ArrayList<>();
        for (long i = from; i < to; i++) out.add(sample(i));
        return out;
    }

    /** A well-mixed 64-bit seed from (seed, index): SplitMix64's finaliser over both. */
    static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        z += 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public List<String> classes() {
        return classes;
    }

    public long seed() {
        return seed;
    }
}
