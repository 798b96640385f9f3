package dev.groundiff.world.gen;

import dev.groundiff.data.BitMask;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.io.Images;
import dev.groundiff.world.Captions;
import dev.groundiff.world.DetectorInstance;
import dev.groundiff.world.WorldCategories;
import dev.groundiff.world.WorldColour;
import dev.groundiff.world.WorldDetector;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * How faithfully the world model draws what it is asked for, judged by the world detector:
 * one-object prompts "a photograph of a red star" (each category with colours in turn) — is the
 * category found, and is the found object's mean colour nearest the prompted one; two-object prompts
 * "a photograph of a red star and a blue ring" — are both categories found.
 */
public final class GenFidelity {
    public record Prompt(String text, List<String> categories, List<WorldColour> colours) {}

    /** How each image is drawn: prompt {@code i} with seed {@code firstSeed + i}. */
    public record Sampling(int steps, double guidance, double eta, long firstSeed) {}

    /**
     * @param foundByCategory one-object prompts whose category was found, per category (in
     *                        {@link WorldCategories#names()} order)
     * @param promptsByCategory one-object prompts per category
     */
    public record Figures(int single, int categoryFound, int colourRight, int pairs, int bothFound,
                          Map<String, Integer> foundByCategory, Map<String, Integer> promptsByCategory) {
        public double categoryRate() {
            return (double) categoryFound / Math.max(1, single);
        }

        public double colourRate() {
            return (double) colourRight / Math.max(1, single);
        }

        public double bothRate() {
            return (double) bothFound / Math.max(1, pairs);
        }
    }

    private GenFidelity() {}

    /** {@code perCategory} one-object prompts per category: colour {@code (c + k) mod 8} for the k-th. */
    public static List<Prompt> singlePrompts(int perCategory) {
        List<Prompt> out = new ArrayList<>();
        List<String> cats = WorldCategories.names();
        WorldColour[] colours = WorldColour.values();
        for (int k = 0; k < perCategory; k++) {
            for (int c = 0; c < cats.size(); c++) {
                WorldColour col = colours[(c + k) % colours.length];
                out.add(new Prompt(Captions.PREFIX + Captions.phrase(cats.get(c), col), List.of(cats.get(c)), List.of(col)));
            }
        }
        return out;
    }

    /** {@code count} two-object prompts: distinct categories and colours, chosen from a fixed seed. */
    public static List<Prompt> pairPrompts(int count) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(2023);
        List<String> cats = WorldCategories.names();
        WorldColour[] colours = WorldColour.values();
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int a = rng.nextInt(cats.size()), b = (a + 1 + rng.nextInt(cats.size() - 1)) % cats.size();
            int ca = rng.nextInt(colours.length), cb = (ca + 1 + rng.nextInt(colours.length - 1)) % colours.length;
            String text = Captions.PREFIX + Captions.phrase(cats.get(a), colours[ca]) + " and " + Captions.phrase(cats.get(b), colours[cb]);
            out.add(new Prompt(text, List.of(cats.get(a), cats.get(b)), List.of(colours[ca], colours[cb])));
        }
        return out;
    }

    /**
     * Generates every prompt (the pairs' seeds follow the singles'), detects, and counts. Images are
     * written to {@code samples} when it is not null.
     */
    public static Figures evaluate(StableDiffusion sd, WorldDetector detector, List<Prompt> singles, List<Prompt> pairs,
                                   Sampling sampling, int batch, Path samples, IntConsumer progress) throws IOException {
        Outcome[] s = run(sd, detector, singles, sampling, sampling.firstSeed(), batch, samples == null ? null : samples.resolve("single"), progress);
        Outcome[] p = run(sd, detector, pairs, sampling, sampling.firstSeed() + singles.size(), batch, samples == null ? null : samples.resolve("pair"), progress);
        Map<String, Integer> found = new LinkedHashMap<>(), asked = new LinkedHashMap<>();
        for (String c : WorldCategories.names()) {
            found.put(c, 0);
            asked.put(c, 0);
        }
        int firstFound = 0, colourRight = 0, bothFound = 0;
        for (int i = 0; i < s.length; i++) {
            String category = singles.get(i).categories().get(0);
            asked.merge(category, 1, Integer::sum);
            if (s[i].firstFound()) found.merge(category, 1, Integer::sum);
            if (s[i].firstFound()) firstFound++;
            if (s[i].colourRight()) colourRight++;
        }
        for (Outcome o : p) if (o.allFound()) bothFound++;
        return new Figures(singles.size(), firstFound, colourRight, pairs.size(), bothFound, found, asked);
    }

    /** What the detector made of one prompt's image: its first object found, with the right colour; all its objects found. */
    private record Outcome(boolean firstFound, boolean colourRight, boolean allFound) {}

    private static Outcome[] run(StableDiffusion sd, WorldDetector detector, List<Prompt> prompts, Sampling sampling, long firstSeed, int batch,
                                 Path dir, IntConsumer progress) throws IOException {
        Outcome[] outcomes = new Outcome[prompts.size()];
        List<BufferedImage> generated = new ArrayList<>();
        TextToImage t2i = new TextToImage(sd);
        int size = sd.nativeImageSize();
        for (int start = 0; start < prompts.size(); start += batch) {
            List<Prompt> chunk = prompts.subList(start, Math.min(prompts.size(), start + batch));
            List<BufferedImage> images = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                // one call per prompt: the seed fixes that prompt's noise whatever the batch size
                try (PointerScope scope = new PointerScope()) {
                    GenerationRequest req = GenerationRequest.of(List.of(chunk.get(i).text()), firstSeed + start + i, sampling.steps(), sampling.guidance(), size, size)
                            .withEta(sampling.eta());
                    Tensor img = t2i.generate(req).image();
                    images.add(Images.toImage(img.select(0, 0)));
                }
            }
            List<List<DetectorInstance>> detected = detector.detectAll(images);
            for (int i = 0; i < chunk.size(); i++) {
                Prompt p = chunk.get(i);
                List<DetectorInstance> inst = detected.get(i);
                DetectorInstance first = byCategory(inst, p.categories().get(0));
                boolean all = true;
                for (String c : p.categories()) all &= byCategory(inst, c) != null;
                outcomes[start + i] = new Outcome(first != null, first != null && nearestColour(images.get(i), first.mask()) == p.colours().get(0), all);
                if (dir != null) {
                    java.nio.file.Files.createDirectories(dir);
                    Images.writePng(images.get(i), dir.resolve(String.format("%04d-%s.png", start + i, p.text().substring(Captions.PREFIX.length()).replace(' ', '_'))));
                }
                generated.add(images.get(i));
                progress.accept(1);
            }
        }
        if (dir != null) Images.writePng(montage(generated, 10, 2), dir.resolve("montage.png"));
        return outcomes;
    }

    /** The images in rows of {@code columns}, each scaled up {@code scale} times (nearest neighbour). */
    static BufferedImage montage(List<BufferedImage> images, int columns, int scale) {
        int w = images.get(0).getWidth() * scale, h = images.get(0).getHeight() * scale;
        int rows = (images.size() + columns - 1) / columns;
        BufferedImage out = new BufferedImage(columns * w, rows * h, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        for (int i = 0; i < images.size(); i++) g.drawImage(images.get(i), (i % columns) * w, (i / columns) * h, w, h, null);
        g.dispose();
        return out;
    }

    private static DetectorInstance byCategory(List<DetectorInstance> inst, String category) {
        for (DetectorInstance d : inst) if (d.category().equals(category)) return d;
        return null;
    }

    /** The world colour nearest (RGB distance) to the mean colour of {@code image} under {@code mask}. */
    static WorldColour nearestColour(BufferedImage image, BitMask mask) {
        double r = 0, g = 0, b = 0;
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if (!mask.get(x, y)) continue;
                int rgb = image.getRGB(x, y);
                r += (rgb >> 16) & 255;
                g += (rgb >> 8) & 255;
                b += rgb & 255;
                n++;
            }
        }
        if (n == 0) return null;
        WorldColour best = null;
        double bestD = Double.MAX_VALUE;
        for (WorldColour c : WorldColour.values()) {
            double d = Math.pow(r / n - c.r, 2) + Math.pow(g / n - c.g, 2) + Math.pow(b / n - c.b, 2);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }
}
