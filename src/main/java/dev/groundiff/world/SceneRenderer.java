package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws scenes. A scene depends only on (seed, spec): all choices come from one
 * {@link SplittableRandom} seeded with the seed, whose algorithm the JDK specifies.
 *
 * <p>No anti-aliasing: a pixel belongs to an object when its centre lies inside the placed outline,
 * and it then has exactly the object's colour. The image is composed from those same pixel sets, back
 * to front, so each visible mask is exactly the set of pixels drawn in that object's colour.
 */
public final class SceneRenderer {
    /** Object extent as a fraction of the image side, alone and with others. */
    static final double SINGLE_MIN = 0.35, SINGLE_MAX = 0.6, MULTI_MIN = 0.28, MULTI_MAX = 0.46;
    /** An object must keep at least this many visible pixels at 64x64 (scaled with the area). */
    static final int MIN_VISIBLE_PIXELS_64 = 40;
    private static final int MAX_ATTEMPTS = 500;

    private SceneRenderer() {}

    private record Placed(String category, WorldColour colour, boolean[] full) {}

    public static Scene render(long seed, SceneSpec spec) {
        SplittableRandom rng = new SplittableRandom(seed);
        int size = spec.size();
        int count = spec.minObjects() + rng.nextInt(spec.maxObjects() - spec.minObjects() + 1);
        List<String> categories = pick(rng, spec.categories(), count);
        List<WorldColour> colours = pick(rng, List.of(WorldColour.values()), count);
        int[] pixels = Background.sample(rng, size, size);

        double lo = count == 1 ? SINGLE_MIN : MULTI_MIN, hi = count == 1 ? SINGLE_MAX : MULTI_MAX;
        int minVisible = Math.max(1, MIN_VISIBLE_PIXELS_64 * size * size / (64 * 64));
        List<Placed> placed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ShapeCategory cat = WorldCategories.byName(categories.get(i));
            Placed p = null;
            for (int attempt = 0; attempt < MAX_ATTEMPTS && p == null; attempt++) {
                boolean[] full = rasterize(place(rng, cat, size, lo, hi), size);
                Placed candidate = new Placed(cat.name(), colours.get(i), full);
                if (fits(placed, candidate, spec.maxOcclusion(), minVisible)) p = candidate;
            }
            if (p == null) throw new IllegalStateException("could not place " + count + " objects without exceeding the occlusion limit (seed " + seed + ")");
            placed.add(p);
        }

        List<SceneObject> objects = new ArrayList<>();
        for (int i = 0; i < placed.size(); i++) {
            Placed p = placed.get(i);
            boolean[] visible = visible(placed, i);
            for (int k = 0; k < visible.length; k++) if (p.full[k]) pixels[k] = p.colour.rgb();
            BitMask m = BitMask.of(size, size, visible);
            objects.add(new SceneObject(p.category, p.colour, m, m.bbox(), i));
        }
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, size, size, pixels, 0, size);

        boolean withColours = rng.nextDouble() < spec.colourWordProbability();
        List<SceneObject> captionOrder = new ArrayList<>(objects);
        Collections.shuffle(captionOrder, new java.util.Random(rng.nextLong()));
        return new Scene(img, objects, Captions.caption(captionOrder, withColours));
    }

    /** {@code n} distinct items in random order (partial Fisher-Yates). */
    private static <T> List<T> pick(SplittableRandom rng, List<T> from, int n) {
        List<T> pool = new ArrayList<>(from);
        for (int i = 0; i < n; i++) Collections.swap(pool, i, i + rng.nextInt(pool.size() - i));
        return List.copyOf(pool.subList(0, n));
    }

    /** The category's outline scaled, mirrored, rotated and moved to a random spot fully inside the image. */
    private static Shape place(SplittableRandom rng, ShapeCategory cat, int size, double lo, double hi) {
        double scale = (lo + rng.nextDouble() * (hi - lo)) * size / 2;
        double angle = cat.freeRotation()
                ? rng.nextDouble() * 2 * Math.PI
                : Math.toRadians((rng.nextDouble() * 2 - 1) * ShapeCategory.MAX_TILT_DEGREES);
        boolean mirror = rng.nextBoolean();
        AffineTransform local = new AffineTransform();
        local.rotate(angle);
        local.scale(mirror ? -scale : scale, scale);
        Shape centred = local.createTransformedShape(Shapes.unit(cat.name()));
        Rectangle2D b = centred.getBounds2D();
        double cx = uniform(rng, 0.5 - b.getMinX(), size - 0.5 - b.getMaxX());
        double cy = uniform(rng, 0.5 - b.getMinY(), size - 0.5 - b.getMaxY());
        return AffineTransform.getTranslateInstance(cx, cy).createTransformedShape(centred);
    }

    private static double uniform(SplittableRandom rng, double a, double b) {
        return b <= a ? (a + b) / 2 : a + rng.nextDouble() * (b - a);
    }

    /** Pixels whose centre lies inside the shape. */
    static boolean[] rasterize(Shape s, int size) {
        boolean[] m = new boolean[size * size];
        Rectangle2D b = s.getBounds2D();
        int x0 = Math.max(0, (int) Math.floor(b.getMinX())), x1 = Math.min(size - 1, (int) Math.ceil(b.getMaxX()));
        int y0 = Math.max(0, (int) Math.floor(b.getMinY())), y1 = Math.min(size - 1, (int) Math.ceil(b.getMaxY()));
        for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++) if (s.contains(x + 0.5, y + 0.5)) m[y * size + x] = true;
        return m;
    }

    /** Whether adding {@code next} in front keeps every object at least (1 - maxOcclusion) visible and above the pixel floor. */
    private static boolean fits(List<Placed> behind, Placed next, double maxOcclusion, int minVisible) {
        List<Placed> all = new ArrayList<>(behind);
        all.add(next);
        for (int i = 0; i < all.size(); i++) {
            int full = count(all.get(i).full);
            int vis = count(visible(all, i));
            if (vis < minVisible || vis < (1 - maxOcclusion) * full) return false;
        }
        return true;
    }

    private static boolean[] visible(List<Placed> all, int i) {
        boolean[] v = all.get(i).full.clone();
        for (int k = i + 1; k < all.size(); k++) {
            boolean[] front = all.get(k).full;
            for (int p = 0; p < v.length; p++) if (front[p]) v[p] = false;
        }
        return v;
    }

    private static int count(boolean[] m) {
        int n = 0;
        for (boolean b : m) if (b) n++;
        return n;
    }
}
