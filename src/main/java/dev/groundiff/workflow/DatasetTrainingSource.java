package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.grounding.TrainingExample;
import dev.groundiff.grounding.TrainingSource;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training examples from a built dataset, epoch after epoch. Each epoch visits the shards in a shuffled
 * order and the records of a shard in a shuffled order, both drawn from (seed, epoch) only, so example
 * {@code i} is the same on every run (exact resume) and only one shard is held in memory at a time.
 * Features come from the dataset when it stored them, else the image is regenerated from its prompt
 * and seed with the recorded settings and the taps of the recorded step are used.
 */
public final class DatasetTrainingSource implements TrainingSource {
    private final DatasetReader reader;
    private final ExampleFactory factory;
    private final ImageSettings images;
    private final TextToImage t2i;
    private final long seed;
    private final boolean storedFeatures;
    private final long size;
    private long cachedEpoch = -1;
    private int[][] order; // per position in the epoch: {shard position, record position}
    private int cachedShard = -1;
    private List<DatasetRecord> shardRecords;

    public DatasetTrainingSource(DatasetReader reader, ExampleFactory factory, ImageSettings images, long seed) {
        this.reader = reader;
        this.factory = factory;
        this.images = images;
        this.seed = seed;
        this.size = reader.size();
        if (size == 0) throw new GroundiffException("the dataset has no finished records");
        this.storedFeatures = Boolean.parseBoolean(reader.info().extra().getOrDefault("features", "false"));
        if ("none".equals(reader.info().extra().getOrDefault("detector", "none"))) {
            throw new GroundiffException("the dataset was built without a detector, so it has no oracle masks to train on (build it with --detections)");
        }
        images.requireGuidance("training the grounding module");
        this.t2i = storedFeatures ? null : new TextToImage(factory.model());
    }

    public boolean usesStoredFeatures() {
        return storedFeatures;
    }

    @Override
    public TrainingExample next(long index, Generator rng) {
        long epoch = index / size;
        int pos = (int) (index % size);
        if (epoch != cachedEpoch) {
            order = epochOrder(epoch);
            cachedEpoch = epoch;
        }
        DatasetRecord r = record(order[pos][0], order[pos][1]);
        Map<String, List<Tensor>> groups = storedFeatures
                ? StoredFeatures.groups(r.features(), ScalarType.Float, "record " + r.index())
                : ExampleFactory.regenerate(t2i, images, r.prompt(), r.seed());
        return factory.example(groups, r.categories(), r.masks());
    }

    private DatasetRecord record(int shard, int position) {
        if (shard != cachedShard) {
            // examples made from the old shard hold their own (float32) copies of its features
            if (shardRecords != null) for (DatasetRecord r : shardRecords) for (Tensor t : r.features().values()) t.releaseReference();
            shardRecords = reader.readShard(shard, storedFeatures);
            for (DatasetRecord r : shardRecords) for (Tensor t : r.features().values()) t.retainReference(); // kept until the next shard
            cachedShard = shard;
        }
        return shardRecords.get(position);
    }

    private int[][] epochOrder(long epoch) {
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        int shards = reader.shards().size();
        int[] shardOrder = dev.groundiff.data.Permutations.of(shards, rnd);
        List<int[]> out = new ArrayList<>();
        for (int s : shardOrder) {
            for (int r : dev.groundiff.data.Permutations.of(reader.shards().get(s).records(), rnd)) out.add(new int[] {s, r});
        }
        return out.toArray(int[][]::new);
    }
}
