package dev.groundiff.data;

import java.util.Arrays;

/**
 * A binary mask of {@code height} rows and {@code width} columns, one bit per pixel (row-major).
 * Immutable once built; build one with {@link Builder} or the factory methods.
 */
public final class BitMask {
    /** A tight box around the set pixels, COCO order {x, y, width, height}; all 0 for an empty mask. */
    public record Box(int x, int y, int width, int height) {
        public double[] toCoco() {
            return new double[] {x, y, width, height};
        }

        /** One past the last column. */
        public int x1() {
            return x + width;
        }

        /** One past the last row. */
        public int y1() {
            return y + height;
        }

        public boolean contains(int px, int py) {
            return px >= x && px < x1() && py >= y && py < y1();
        }
    }

    private final int width;
    private final int height;
    private final long[] bits;

    private BitMask(int width, int height, long[] bits) {
        this.width = width;
        this.height = height;
        this.bits = bits;
    }

    public static BitMask empty(int width, int height) {
        checkSize(width, height);
        return new BitMask(width, height, new long[words(width, height)]);
    }

    /** From a row-major boolean array of {@code width*height} values. */
    public static BitMask of(int width, int height, boolean[] rowMajor) {
        checkSize(width, height);
        if (rowMajor.length != width * height) {
            throw new IllegalArgumentException("mask of " + width + "x" + height + " needs " + width * height + " values, got " + rowMajor.length);
        }
        Builder b = new Builder(width, height);
        for (int i = 0; i < rowMajor.length; i++) if (rowMajor[i]) b.setIndex(i);
        return b.build();
    }

    /** From {@code [height][width]} booleans. */
    public static BitMask of(boolean[][] rows) {
        int h = rows.length, w = h == 0 ? 0 : rows[0].length;
        Builder b = new Builder(w, h);
        for (int y = 0; y < h; y++) {
            if (rows[y].length != w) throw new IllegalArgumentException("ragged mask: row " + y + " has " + rows[y].length + " values, row 0 has " + w);
            for (int x = 0; x < w; x++) if (rows[y][x]) b.set(x, y);
        }
        return b.build();
    }

    /**
     * Pixels where {@code values[i] > threshold} (row-major). The threshold is rounded to float32
     * first, as PyTorch does when it compares a float32 tensor with a Python number.
     */
    public static BitMask threshold(int width, int height, float[] values, double threshold) {
        checkSize(width, height);
        if (values.length != width * height) throw new IllegalArgumentException("need " + width * height + " values, got " + values.length);
        float t = (float) threshold;
        Builder b = new Builder(width, height);
        for (int i = 0; i < values.length; i++) if (values[i] > t) b.setIndex(i);
        return b.build();
    }

    private static int words(int w, int h) {
        return (int) (((long) w * h + 63) >>> 6);
    }

    private static void checkSize(int w, int h) {
        if (w < 0 || h < 0 || (long) w * h > Integer.MAX_VALUE) throw new IllegalArgumentException("bad mask size " + w + "x" + h);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public boolean get(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
        return getIndex(y * width + x);
    }

    /** Row-major pixel index {@code y*width + x}. */
    public boolean getIndex(int i) {
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    public long area() {
        long n = 0;
        for (long w : bits) n += Long.bitCount(w);
        return n;
    }

    public boolean isEmpty() {
        for (long w : bits) if (w != 0) return false;
        return true;
    }

    public Box bbox() {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (getIndex(y * width + x)) {
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    if (y > y1) y1 = y;
                }
            }
        }
        if (x1 < 0) return new Box(0, 0, 0, 0);
        return new Box(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    public long intersectionArea(BitMask o) {
        checkSame(o);
        long n = 0;
        for (int i = 0; i < bits.length; i++) n += Long.bitCount(bits[i] & o.bits[i]);
        return n;
    }

    public long unionArea(BitMask o) {
        checkSame(o);
        long n = 0;
        for (int i = 0; i < bits.length; i++) n += Long.bitCount(bits[i] | o.bits[i]);
        return n;
    }

    public BitMask or(BitMask o) {
        checkSame(o);
        long[] r = bits.clone();
        for (int i = 0; i < r.length; i++) r[i] |= o.bits[i];
        return new BitMask(width, height, r);
    }

    public BitMask and(BitMask o) {
        checkSame(o);
        long[] r = bits.clone();
        for (int i = 0; i < r.length; i++) r[i] &= o.bits[i];
        return new BitMask(width, height, r);
    }

    private void checkSame(BitMask o) {
        if (o.width != width || o.height != height) {
            throw new IllegalArgumentException("mask sizes differ: " + width + "x" + height + " vs " + o.width + "x" + o.height);
        }
    }

    public boolean[] toRowMajor() {
        boolean[] out = new boolean[width * height];
        for (int i = 0; i < out.length; i++) out[i] = getIndex(i);
        return out;
    }

    /** Nearest-neighbour resize (pixel centres), e.g. a 64x64 mask to a 512x512 image. */
    public BitMask resizeNearest(int newWidth, int newHeight) {
        if (newWidth == width && newHeight == height) return this;
        Builder b = new Builder(newWidth, newHeight);
        for (int y = 0; y < newHeight; y++) {
            int sy = Math.min(height - 1, (int) Math.floor((y + 0.5) * height / newHeight));
            for (int x = 0; x < newWidth; x++) {
                int sx = Math.min(width - 1, (int) Math.floor((x + 0.5) * width / newWidth));
                if (getIndex(sy * width + sx)) b.set(x, y);
            }
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BitMask m && m.width == width && m.height == height && Arrays.equals(m.bits, bits);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        return "BitMask[" + width + "x" + height + ", area " + area() + "]";
    }

    /** Mutable builder; {@link #build()} hands over the bits. */
    public static final class Builder {
        private final int width;
        private final int height;
        private long[] bits;

        public Builder(int width, int height) {
            checkSize(width, height);
            this.width = width;
            this.height = height;
            this.bits = new long[words(width, height)];
        }

        public Builder set(int x, int y) {
            if (x < 0 || y < 0 || x >= width || y >= height) throw new IndexOutOfBoundsException("(" + x + ", " + y + ") outside " + width + "x" + height);
            return setIndex(y * width + x);
        }

        public Builder setIndex(int i) {
            bits[i >>> 6] |= 1L << (i & 63);
            return this;
        }

        public BitMask build() {
            BitMask m = new BitMask(width, height, bits);
            bits = new long[bits.length];
            return m;
        }
    }

    /** A binary PNG-ready image: 255 inside the mask, 0 outside (8-bit grey). */
    public java.awt.image.BufferedImage toGrayImage() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width(), height(), java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        byte[] px = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i++) px[i] = getIndex(i) ? (byte) 255 : 0;
        return img;
    }
}
