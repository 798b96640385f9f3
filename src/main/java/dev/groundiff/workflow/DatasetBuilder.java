package dev.groundiff.workflow;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.DatasetInfo;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.DatasetWriter;
import dev.groundiff.data.FileSink;
import dev.groundiff.data.PromptSampler;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Split;
import dev.groundiff.data.Subset;
import dev.groundiff.detect.OracleDetector;
import dev.groundiff.detect.TargetPolicy;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.io.Images;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a dataset as the official {@code train.py} makes its training data, but on disk: prompts
 * from {@link PromptSampler#official}, one image per prompt (seed = dataset seed + index), the
 * detector's instances turned into one oracle mask per named category ({@link TargetPolicy}), and
 * optionally the UNet feature taps of the chosen step. Shards are written with {@link DatasetWriter},
 * so a killed build continues where it stopped and ends byte-identical to an uninterrupted one.
 */
public final class DatasetBuilder {
    /** Dataset-level settings; {@code detectorId} names the detector (recorded, checked on resume; a grounding labeller names itself). */
    public record Settings(String split, Subset subset, long seed, long count, int shardSize, ImageSettings images,
                           boolean saveFeatures, String detectorId, TargetPolicy policy) {
        public Settings {
            if (count < 1) throw new GroundiffException("--count must be at least 1, got " + count);
            if (shardSize < 1) throw new GroundiffException("--shard-size must be at least 1, got " + shardSize);
            if (saveFeatures) images.requireGuidance("--save-features");
        }
    }

    /** Called after each record and each finished shard. */
    public interface Listener {
        void recordDone(long index);

        default void shardDone(int shard) {}
    }

    private final StableDiffusion sd;
    private final Settings settings;
    private final OracleDetector detector;
    private final GroundingLabeler labeler;
    private final PromptSampler sampler;
    private final TextToImage t2i;
    private final String fingerprint;

    /** {@code detector} null: images and prompts only (no oracle masks). */
    public DatasetBuilder(StableDiffusion sd, Settings settings, OracleDetector detector) {
        this(sd, settings, Split.parse(settings.split()), detector);
    }

    /** With the split already resolved (one {@link Split#parse} does not know, e.g. the world's); {@code settings.split()} is its recorded name. */
    public DatasetBuilder(StableDiffusion sd, Settings settings, Split split, OracleDetector detector) {
        this(sd, settings, split, detector, null);
    }

    /**
     * Masks from {@code detector} (the oracle, as the paper's training data) or from {@code labeler}
     * (a trained grounding module, as the paper's Protocol II data); at most one of them.
     */
    public DatasetBuilder(StableDiffusion sd, Settings settings, Split split, OracleDetector detector, GroundingLabeler labeler) {
        if (detector != null && labeler != null) throw new GroundiffException("masks come from a detector or from a grounding module, not both");
        if (labeler != null) settings.images().requireGuidance("grounding-module labels");
        this.sd = sd;
        this.settings = settings;
        this.detector = detector;
        this.labeler = labeler;
        this.sampler = PromptSampler.official(split, settings.subset(), settings.seed());
        this.t2i = new TextToImage(sd);
        this.fingerprint = ModelFingerprint.of(sd);
    }

    public DatasetInfo info(String modelId, String codeVersion) {
        Map<String, String> extra = new LinkedHashMap<>(settings.images().extra());
        extra.put("detector", labeler != null ? labeler.id() : detector == null ? "none" : settings.detectorId());
        extra.put("labels", labeler != null ? "grounding module" : detector != null ? "detector" : "none");
        extra.put("target_policy", settings.policy().id());
        extra.put("features", Boolean.toString(settings.saveFeatures()));
        extra.put("prompts", "official (one or two objects, 'a photograph of a X [and a Y]')");
        extra.put("image_names", "%08d.png (record index)");
        return new DatasetInfo(modelId, fingerprint, settings.split(), settings.subset().id(), settings.seed(),
                settings.images().steps(), settings.images().guidance(), settings.count(), settings.shardSize(), extra, codeVersion);
    }

    /**
     * Writes (or continues) the dataset in {@code dir}. A folder made with another model is refused
     * with a message that says so; a finished shard that no longer verifies is reported with the way out.
     */
    public DatasetWriter build(Path dir, String codeVersion, FileSink sink, Listener listener) throws IOException {
        String modelId = ModelFingerprint.name(sd);
        Path infoFile = dir.resolve("dataset.json");
        if (Files.exists(infoFile)) {
            JsonObject onDisk = readJson(infoFile);
            String hash = onDisk.has("model_hash") ? onDisk.get("model_hash").getAsString() : "";
            String id = onDisk.has("model_id") ? onDisk.get("model_id").getAsString() : "?";
            if (!hash.equals(fingerprint)) throw ModelFingerprint.mismatch(dir.toString(), id, hash, sd, fingerprint);
            modelId = id; // the same weights under another folder name
        }
        DatasetWriter writer = DatasetWriter.open(dir, info(modelId, codeVersion), sink);
        verifyFinished(dir, writer);
        List<Tensor> held = new java.util.ArrayList<>();
        try {
            for (int shard : writer.pendingShards()) {
                writer.writeShard(shard, i -> {
                    release(held); // the writer has stored the previous record
                    DatasetRecord r = record(i);
                    held.addAll(r.features().values());
                    listener.recordDone(i);
                    return r;
                });
                listener.shardDone(shard);
            }
        } finally {
            release(held);
        }
        return writer;
    }

    /** Re-reads the shards an earlier run finished, so a damaged one is found before more work is added. */
    private static void verifyFinished(Path dir, DatasetWriter writer) {
        if (writer.pendingShards().size() == writer.info().shardCount()) return;
        DatasetReader reader = DatasetReader.open(dir);
        for (int p = 0; p < reader.shards().size(); p++) {
            try {
                reader.readShard(p, false);
            } catch (GroundiffException e) {
                throw new GroundiffException(e.getMessage() + "; delete " + dir.resolve(reader.shards().get(p).name()) + " and rerun the same command to make it again", e);
            }
        }
    }

    private static void release(List<Tensor> tensors) {
        for (Tensor t : tensors) t.releaseReference();
        tensors.clear();
    }

    /**
     * Record {@code index}: prompt, image, oracle masks and (optionally) features. The feature tensors
     * carry one extra reference for the caller, who releases it ({@code releaseReference}) when done.
     */
    public DatasetRecord record(long index) {
        PromptSampler.Sample s = sampler.sample(index);
        ImageSettings im = settings.images();
        boolean taps = settings.saveFeatures() || labeler != null;
        GenerationRequest req = taps ? im.requestWithFeatures(s.prompt(), s.seed()) : im.request(s.prompt(), s.seed());
        try (PointerScope scope = new PointerScope()) {
            GenerationResult res = t2i.generate(req);
            RgbImage image = RgbImage.of(Images.toImage(res.image().select(0, 0)));
            Map<String, BitMask> masks = labeler != null ? labeler.masks(res.taps(), s.categories(), im.height(), im.width())
                    : detector == null ? Map.of()
                    : settings.policy().select(detector.detect(DetectionNames.fileName(index), image), s.categories());
            Map<String, Tensor> features = new LinkedHashMap<>();
            if (settings.saveFeatures()) {
                for (Map.Entry<String, Tensor> e : StoredFeatures.fromTaps(res.taps(), 0, 1).entrySet()) {
                    Tensor t = e.getValue().to(ScalarType.BFloat16).contiguous();
                    t.retainReference(); // outlives this scope: the caller releases it once the shard writer has stored it
                    features.put(e.getKey(), t);
                }
            }
            return new DatasetRecord(index, s.prompt(), s.categories(), s.seed(), image, masks, features);
        }
    }

    private static JsonObject readJson(Path p) {
        try {
            return JsonParser.parseString(Files.readString(p, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new GroundiffException(p + ": unreadable dataset metadata (" + e.getMessage() + ")", e);
        }
    }

    public List<String> categoriesOf(long index) {
        return sampler.sample(index).categories();
    }
}
