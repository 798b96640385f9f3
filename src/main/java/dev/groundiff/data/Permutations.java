package dev.groundiff.data;

import java.util.SplittableRandom;

/** Seeded shuffles of record indices, shared by every reader that visits a dataset in random order. */
public final class Permutations {
    private Permutations() {}

    /** 0..n-1 in a Fisher-Yates order drawn from {@code rnd}. */
    public static int[] of(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
