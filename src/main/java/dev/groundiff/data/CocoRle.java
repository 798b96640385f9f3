package dev.groundiff.data;

import dev.groundiff.GroundiffException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * COCO run-length encoding, bit-compatible with pycocotools ({@code common/maskApi.c}): counts of
 * alternating 0 and 1 runs over the pixels in <b>column-major</b> (Fortran) order, starting with a
 * (possibly empty) run of zeros. The compressed string form is the LEB128-like code of
 * {@code rleToString}: 5 data bits per character, characters 48..111, counts from the third on
 * stored as the difference to the count two places back.
 */
public record CocoRle(int height, int width, long[] counts) {

    public CocoRle {
        long sum = 0;
        for (long c : counts) {
            if (c < 0) throw new GroundiffException("RLE has a negative count " + c);
            sum += c;
        }
        if (sum != (long) height * width) {
            throw new GroundiffException("RLE counts sum to " + sum + " but the mask is " + height + "x" + width + " = " + (long) height * width + " pixels");
        }
    }

    public static CocoRle encode(BitMask m) {
        int h = m.height(), w = m.width();
        List<Long> out = new ArrayList<>();
        boolean prev = false;
        long run = 0;
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                boolean v = m.getIndex(y * w + x);
                if (v != prev) {
                    out.add(run);
                    run = 0;
                    prev = v;
                }
                run++;
            }
        }
        out.add(run);
        long[] c = new long[out.size()];
        for (int i = 0; i < c.length; i++) c[i] = out.get(i);
        return new CocoRle(h, w, c);
    }

    public BitMask decode() {
        BitMask.Builder b = new BitMask.Builder(width, height);
        long p = 0;
        boolean v = false;
        for (long c : counts) {
            if (v) {
                for (long k = p; k < p + c; k++) {
                    int x = (int) (k / height), y = (int) (k % height);
                    b.set(x, y);
                }
            }
            p += c;
            v = !v;
        }
        return b.build();
    }

    /** The number of foreground pixels (sum of the odd-position counts), as {@code rleArea}. */
    public long area() {
        long a = 0;
        for (int j = 1; j < counts.length; j += 2) a += counts[j];
        return a;
    }

    /** The tight box of the foreground, as {@code rleToBbox}. */
    public BitMask.Box bbox() {
        int m = counts.length / 2 * 2;
        if (m == 0) return new BitMask.Box(0, 0, 0, 0);
        long xs = width, ys = height, xe = 0, ye = 0, cc = 0, xp = 0;
        boolean any = false;
        for (int j = 0; j < m; j++) {
            cc += counts[j];
            long t = cc - j % 2;
            long y = t % height, x = (t - y) / height;
            if (j % 2 == 0) xp = x;
            else if (xp < x) {
                ys = 0;
                ye = height - 1;
            }
            xs = Math.min(xs, x);
            xe = Math.max(xe, x);
            ys = Math.min(ys, y);
            ye = Math.max(ye, y);
            any = true;
        }
        if (!any) return new BitMask.Box(0, 0, 0, 0);
        return new BitMask.Box((int) xs, (int) ys, (int) (xe - xs + 1), (int) (ye - ys + 1));
    }

    /** The compressed string ({@code rleToString}). */
    public String toCompressedString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < counts.length; i++) {
            long x = counts[i];
            if (i > 2) x -= counts[i - 2];
            boolean more = true;
            while (more) {
                int c = (int) (x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more) c |= 0x20;
                s.append((char) (c + 48));
            }
        }
        return s.toString();
    }

    /** Parses a compressed string ({@code rleFrString}). */
    public static CocoRle fromCompressedString(String s, int height, int width) {
        List<Long> cnts = new ArrayList<>();
        int p = 0;
        while (p < s.length()) {
            long x = 0;
            int k = 0;
            boolean more = true;
            while (more) {
                if (p >= s.length()) throw new GroundiffException("RLE string ends inside a count: '" + abbreviate(s) + "'");
                int c = s.charAt(p) - 48;
                if (c < 0 || c > 63) throw new GroundiffException("RLE string has an invalid character '" + s.charAt(p) + "' at " + p);
                x |= (long) (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (k > 12) throw new GroundiffException("RLE string has an over-long count at " + p);
                if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
            }
            int m = cnts.size();
            if (m > 2) x += cnts.get(m - 2);
            cnts.add(x);
        }
        long[] c = new long[cnts.size()];
        for (int i = 0; i < c.length; i++) c[i] = cnts.get(i);
        return new CocoRle(height, width, c);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /**
     * Rasterises one polygon {x0, y0, x1, y1, ...} (pixel coordinates) exactly as pycocotools'
     * {@code rleFrPoly}: the boundary is traced on a 5x finer grid, and a pixel is inside when its
     * centre lies below a boundary crossing in its column (an even-odd fill along columns).
     */
    public static CocoRle fromPolygon(double[] xy, int height, int width) {
        if (xy.length < 6 || xy.length % 2 != 0) {
            throw new GroundiffException("a polygon needs at least 3 (x, y) points, got " + xy.length + " numbers");
        }
        int k = xy.length / 2;
        double scale = 5;
        int[] x = new int[k + 1], y = new int[k + 1];
        for (int j = 0; j < k; j++) x[j] = (int) (scale * xy[2 * j] + .5);
        x[k] = x[0];
        for (int j = 0; j < k; j++) y[j] = (int) (scale * xy[2 * j + 1] + .5);
        y[k] = y[0];
        int m = 0;
        for (int j = 0; j < k; j++) m += Math.max(Math.abs(x[j] - x[j + 1]), Math.abs(y[j] - y[j + 1])) + 1;
        int[] u = new int[m], v = new int[m];
        m = 0;
        for (int j = 0; j < k; j++) {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.abs(xe - xs), dy = Math.abs(ys - ye);
            boolean flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) {
                int t = xs; xs = xe; xe = t;
                t = ys; ys = ye; ye = t;
            }
            double s = dx >= dy ? (double) (ye - ys) / dx : (double) (xe - xs) / dy;
            if (dx >= dy) {
                for (int d = 0; d <= dx; d++) {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int) (ys + s * t + .5);
                    m++;
                }
            } else {
                for (int d = 0; d <= dy; d++) {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int) (xs + s * t + .5);
                    m++;
                }
            }
        }
        // points where the traced boundary crosses a pixel-centre column, downsampled
        int kk = m;
        long[] a = new long[kk + 1];
        int n = 0;
        for (int j = 1; j < kk; j++) {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / scale - .5;
            if (Math.floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / scale - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.ceil(yd);
            a[n++] = (long) ((int) xd * height + (int) yd);
        }
        a[n++] = (long) height * width;
        long[] sorted = Arrays.copyOf(a, n);
        Arrays.sort(sorted);
        long p = 0;
        for (int j = 0; j < n; j++) {
            long t = sorted[j];
            sorted[j] -= p;
            p = t;
        }
        long[] b = new long[n];
        int j = 0, mm = 0;
        b[mm++] = sorted[j++];
        while (j < n) {
            if (sorted[j] > 0) b[mm++] = sorted[j++];
            else {
                j++;
                if (j < n) b[mm - 1] += sorted[j++];
            }
        }
        return new CocoRle(height, width, Arrays.copyOf(b, mm));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CocoRle r && r.height == height && r.width == width && Arrays.equals(r.counts, counts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * height + width) + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "CocoRle[" + height + "x" + width + ", " + counts.length + " runs]";
    }
}
