package dev.groundiff.world;

import java.util.SplittableRandom;

/**
 * Scene backgrounds: plain, a linear gradient, or a light value-noise texture, in muted colours.
 * Every channel stays within {@link #CHANNEL_MIN}..{@link #CHANNEL_MAX}, a range that no
 * {@link WorldColour} fits in, so objects stay visible and no background pixel has an object's colour.
 */
public final class Background {
    public static final int CHANNEL_MIN = 78;
    public static final int CHANNEL_MAX = 207;

    public enum Kind { PLAIN, GRADIENT, TEXTURE }

    private Background() {}

    /** Packed 0xRRGGBB pixels, row-major. */
    public static int[] sample(SplittableRandom rng, int w, int h) {
        Kind kind = Kind.values()[rng.nextInt(Kind.values().length)];
        double[] a = mutedColour(rng);
        int[] out = new int[w * h];
        switch (kind) {
            case PLAIN -> {
                for (int i = 0; i < out.length; i++) out[i] = pack(a[0], a[1], a[2]);
            }
            case GRADIENT -> {
                double[] b = mutedColour(rng);
                double angle = rng.nextDouble() * 2 * Math.PI;
                double dx = Math.cos(angle), dy = Math.sin(angle);
                double half = 0.5 * (Math.abs(dx) * w + Math.abs(dy) * h);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double t = 0.5 + ((x + 0.5 - w / 2.0) * dx + (y + 0.5 - h / 2.0) * dy) / (2 * half);
                        out[y * w + x] = pack(lerp(a[0], b[0], t), lerp(a[1], b[1], t), lerp(a[2], b[2], t));
                    }
                }
            }
            case TEXTURE -> {
                int cell = 4 + rng.nextInt(9);
                int gw = w / cell + 2, gh = h / cell + 2;
                double[] grid = new double[gw * gh];
                for (int i = 0; i < grid.length; i++) grid[i] = (rng.nextDouble() * 2 - 1) * 16;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double fx = (double) x / cell, fy = (double) y / cell;
                        int gx = (int) fx, gy = (int) fy;
                        double tx = fx - gx, ty = fy - gy;
                        double v = lerp(lerp(grid[gy * gw + gx], grid[gy * gw + gx + 1], tx),
                                lerp(grid[(gy + 1) * gw + gx], grid[(gy + 1) * gw + gx + 1], tx), ty);
                        v += (rng.nextDouble() * 2 - 1) * 5;
                        out[y * w + x] = pack(a[0] + v, a[1] + v, a[2] + v);
                    }
                }
            }
        }
        return out;
    }

    /** A grey between 105 and 180 tinted by up to 15 per channel. */
    private static double[] mutedColour(SplittableRandom rng) {
        double g = 105 + rng.nextDouble() * 75;
        return new double[] {g + (rng.nextDouble() * 2 - 1) * 15, g + (rng.nextDouble() * 2 - 1) * 15, g + (rng.nextDouble() * 2 - 1) * 15};
    }

    private static double lerp(double a, double b, double t) {
        return a + (b - a) * t;
    }

    private static int clamp(double v) {
        return (int) Math.max(CHANNEL_MIN, Math.min(CHANNEL_MAX, Math.round(v)));
    }

    private static int pack(double r, double g, double b) {
        return (clamp(r) << 16) | (clamp(g) << 8) | clamp(b);
    }
}
