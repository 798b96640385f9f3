package dev.groundiff.world;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/** An immutable binary pixel mask, row-major. */
public final class Mask {
    private final int width;
    private final int height;
    private final boolean[] bits;

    public Mask(int width, int height, boolean[] bits) {
        if (bits.length != width * height) throw new IllegalArgumentException("mask of " + width + "x" + height + " needs " + width * height + " values, got " + bits.length);
        this.width = width;
        this.height = height;
        this.bits = bits.clone();
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public boolean get(int x, int y) {
        return bits[y * width + x];
    }

    /** A copy of the row-major values. */
    public boolean[] toArray() {
        return bits.clone();
    }

    public int area() {
        int n = 0;
        for (boolean b : bits) if (b) n++;
        return n;
    }

    /** The tightest box around the set pixels, or null for an empty mask. */
    public Box bbox() {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (bits[y * width + x]) {
                    x0 = Math.min(x0, x);
                    y0 = Math.min(y0, y);
                    x1 = Math.max(x1, x);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? null : new Box(x0, y0, x1 + 1, y1 + 1);
    }

    public int intersectionArea(Mask o) {
        int n = 0;
        for (int i = 0; i < bits.length; i++) if (bits[i] && o.bits[i]) n++;
        return n;
    }

    /** A black-and-white image: set pixels white. */
    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) if (get(x, y)) img.getRaster().setSample(x, y, 0, 255);
        return img;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Mask m && m.width == width && m.height == height && Arrays.equals(m.bits, bits);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        return "Mask[" + width + "x" + height + ", area " + area() + "]";
    }
}
