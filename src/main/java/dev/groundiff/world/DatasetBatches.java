package dev.groundiff.world;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.torch.Tensors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training batches from a dataset's images and masks (e.g. one labelled by a grounding module): each
 * pixel gets the class of the one mask that covers it, background where none does, and
 * {@link SegmentationBatches#IGNORE} where masks of two classes overlap. The records are held in
 * memory (64x64 images are small) and visited in a fresh permutation per epoch, seeded from (seed, epoch).
 */
public final class DatasetBatches implements SegmentationBatches {
    private final List<float[]> images = new ArrayList<>();
    private final List<long[]> labels = new ArrayList<>();
    private final int size, batch;
    private final long seed;
    private final String recipe;

    public DatasetBatches(DatasetReader reader, List<String> classes, int imageSize, int batch, long seed, String datasetId) {
        this.size = imageSize;
        this.batch = batch;
        this.seed = seed;
        for (DatasetRecord r : reader.records()) {
            if (r.image().width() != imageSize || r.image().height() != imageSize) {
                throw new GroundiffException("dataset record " + r.index() + " is " + r.image().width() + "x" + r.image().height() + ", the segmenter reads " + imageSize + "x" + imageSize);
            }
            images.add(dev.groundiff.io.Images.toChw(r.image().toBufferedImage()));
            labels.add(labelMap(r, classes, imageSize));
        }
        if (images.isEmpty()) throw new GroundiffException("the dataset has no finished records to train on");
        this.recipe = " data=" + datasetId + " records=" + images.size();
    }

    /** Class map of one record: class k = classes.get(k - 1) where exactly one mask covers the pixel. */
    static long[] labelMap(DatasetRecord r, List<String> classes, int size) {
        long[] out = new long[size * size];
        for (Map.Entry<String, BitMask> e : r.masks().entrySet()) {
            int k = classes.indexOf(e.getKey()) + 1;
            if (k == 0) throw new GroundiffException("dataset record " + r.index() + " has a mask of '" + e.getKey() + "', which the segmenter does not know " + classes);
            BitMask m = e.getValue();
            for (int p = 0; p < out.length; p++) {
                if (!m.getIndex(p)) continue;
                out[p] = out[p] == 0 ? k : out[p] == k ? k : IGNORE;
            }
        }
        return out;
    }

    public int records() {
        return images.size();
    }

    @Override
    public SceneBatch batch(int s) {
        int n = images.size(), px = size * size;
        float[] img = new float[batch * 3 * px];
        long[] lab = new long[batch * px];
        for (int i = 0; i < batch; i++) {
            long pos = (long) (s - 1) * batch + i;
            int r = permutation(pos / n)[(int) (pos % n)];
            System.arraycopy(images.get(r), 0, img, i * 3 * px, 3 * px);
            System.arraycopy(labels.get(r), 0, lab, i * px, px);
        }
        return new SceneBatch(Tensors.fromFloats(img, batch, 3, size, size), Tensors.fromLongs(lab, batch, size, size));
    }

    private long cachedEpoch = -1;
    private int[] cached;

    private int[] permutation(long epoch) {
        if (epoch != cachedEpoch) {
            cached = dev.groundiff.data.Permutations.of(images.size(), new SplittableRandom(seed * 1_000_003L + epoch));
            cachedEpoch = epoch;
        }
        return cached;
    }

    @Override
    public String recipe() {
        return recipe;
    }
}
