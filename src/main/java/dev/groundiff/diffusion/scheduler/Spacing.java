package dev.groundiff.diffusion.scheduler;

/** diffusers' timestep spacings, computed as numpy does (float64, round half to even). Ascending order. */
final class Spacing {
    private Spacing() {}

    /** {@code (arange(n) * (train // n)).round() + offset}. */
    static long[] leading(int train, int n, int offset) {
        long ratio = train / n;
        long[] t = new long[n];
        for (int i = 0; i < n; i++) t[i] = i * ratio + offset;
        return t;
    }

    /** {@code round(arange(train, 0, -train / n)) - 1}, reversed to ascending. */
    static long[] trailing(int train, int n) {
        double step = -((double) train / n);
        // numpy's arange: length ceil((stop - start) / step); element i = start + i * ((start + step) - start).
        int len = (int) Math.ceil((0 - (double) train) / step);
        double delta = (train + step) - train;
        long[] t = new long[len];
        for (int i = 0; i < len; i++) t[len - 1 - i] = (long) Math.rint(train + i * delta) - 1;
        return t;
    }

    /** {@code linspace(0, train - 1, n).round()}. */
    static long[] linspace(int train, int n) {
        long[] t = new long[n];
        if (n == 1) return t;
        double step = (double) (train - 1) / (n - 1);
        for (int i = 0; i < n - 1; i++) t[i] = (long) Math.rint(i * step);
        t[n - 1] = train - 1;
        return t;
    }

    static void reverse(long[] t) {
        for (int i = 0, j = t.length - 1; i < j; i++, j--) {
            long x = t[i];
            t[i] = t[j];
            t[j] = x;
        }
    }
}
