package dev.groundiff.world;

/**
 * Per-class intersection and union pixel counts summed over many label maps (class 0 = background,
 * not scored). IoU of class c = sum of intersections / sum of unions: large objects weigh more, as in
 * the usual semantic-segmentation mIoU.
 */
public final class IouAccumulator {
    private final long[] inter;
    private final long[] union;

    public IouAccumulator(int classes) {
        inter = new long[classes];
        union = new long[classes];
    }

    /** Adds one image's true and predicted class maps (same length, values in 0..classes-1). */
    public void add(int[] truth, int[] pred) {
        if (truth.length != pred.length) throw new IllegalArgumentException("maps differ in size: " + truth.length + " vs " + pred.length);
        for (int p = 0; p < truth.length; p++) {
            int t = truth[p], q = pred[p];
            if (t == q) {
                if (t > 0) {
                    inter[t]++;
                    union[t]++;
                }
            } else {
                if (t > 0) union[t]++;
                if (q > 0) union[q]++;
            }
        }
    }

    /** IoU of class {@code c}, NaN if it never occurred nor was predicted. */
    public double iou(int c) {
        return union[c] == 0 ? Double.NaN : (double) inter[c] / union[c];
    }

    /** Mean IoU over classes 1.. that occurred or were predicted. */
    public double meanIou() {
        double sum = 0;
        int n = 0;
        for (int c = 1; c < inter.length; c++) {
            double v = iou(c);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
