package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns per-pixel class probabilities into instances: each pixel takes its most probable class;
 * for each category, the 8-connected regions of at least {@code minArea} pixels together form one
 * instance (the world never holds two objects of one category, and an occluded object may be cut in
 * two); its score is the mean probability of the category over those pixels.
 *
 * @param minArea  smallest region kept, in pixels (smaller specks are dropped as noise)
 * @param minScore instances scoring below this are dropped
 */
public record InstanceExtractor(int minArea, double minScore) {
    public static final InstanceExtractor DEFAULT = new InstanceExtractor(8, 0.0);

    /** Most probable class per pixel, row-major, from class-major probabilities [classes, h, w]. */
    public static int[] argmax(float[] probs, int classes, int w, int h) {
        int n = w * h;
        if (probs.length != classes * n) throw new IllegalArgumentException("expected " + classes * n + " probabilities, got " + probs.length);
        int[] label = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            float bp = probs[i];
            for (int c = 1; c < classes; c++) {
                if (probs[c * n + i] > bp) {
                    bp = probs[c * n + i];
                    best = c;
                }
            }
            label[i] = best;
        }
        return label;
    }

    public List<DetectorInstance> extract(float[] probs, DetectorConfig config, int w, int h) {
        int classes = config.numClasses();
        int n = w * h;
        int[] label = argmax(probs, classes, w, h);
        List<DetectorInstance> out = new ArrayList<>();
        for (int c = 1; c < classes; c++) {
            boolean[] kept = keepLargeRegions(label, c, w, h);
            int area = 0;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                if (kept[i]) {
                    area++;
                    sum += probs[c * n + i];
                }
            }
            if (area == 0) continue;
            double score = sum / area;
            if (score < minScore) continue;
            BitMask m = BitMask.of(w, h, kept);
            out.add(new DetectorInstance(config.className(c), score, m, m.bbox()));
        }
        out.sort((a, b) -> Double.compare(b.score(), a.score()));
        return out;
    }

    /** Pixels labelled {@code c} that lie in 8-connected regions of at least {@link #minArea} pixels. */
    private boolean[] keepLargeRegions(int[] label, int c, int w, int h) {
        boolean[] kept = new boolean[w * h];
        boolean[] visited = new boolean[w * h];
        int[] stack = new int[w * h];
        List<Integer> region = new ArrayList<>();
        for (int start = 0; start < label.length; start++) {
            if (label[start] != c || visited[start]) continue;
            region.clear();
            int top = 0;
            stack[top++] = start;
            visited[start] = true;
            while (top > 0) {
                int p = stack[--top];
                region.add(p);
                int px = p % w, py = p / w;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int x = px + dx, y = py + dy;
                        if (x < 0 || y < 0 || x >= w || y >= h) continue;
                        int q = y * w + x;
                        if (!visited[q] && label[q] == c) {
                            visited[q] = true;
                            stack[top++] = q;
                        }
                    }
                }
            }
            if (region.size() >= minArea) for (int p : region) kept[p] = true;
        }
        return kept;
    }
}
