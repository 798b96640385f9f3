package dev.groundiff.workflow;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.Split;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.diffusion.unet.TapRequest;
import dev.groundiff.eval.DaamHeatMaps;
import dev.groundiff.eval.IouAccumulator;
import dev.groundiff.eval.ReportWriter;
import dev.groundiff.grounding.GroundingModule;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The paper's evaluation on a test set built by {@code groundiff dataset}: for each record one
 * generation from its prompt and seed with the recorded settings, returning the block taps of the
 * recorded feature step and the cross-attention summed over all steps; the grounding module's masks
 * ({@code sigmoid > maskThreshold}) and DAAM's masks ({@code expanded > t}) are scored against the
 * record's oracle masks with {@link IouAccumulator} in the Table 1 groups. DAAM is also scored at every
 * threshold of the sweep.
 */
public final class Evaluation {
    /** @param gallery how many records (the first ones) the report shows as overlays */
    /**
     * @param checkedOnly score only images where the detector found every prompted category (the paper
     *                    scored manually checked images); the others are counted as left out
     */
    public record Options(double maskThreshold, double daamThreshold, List<Double> daamSweep, int gallery, boolean checkedOnly) {
        public Options {
            if (maskThreshold <= 0 || maskThreshold >= 1) throw new GroundiffException("--mask-threshold must be in (0, 1), got " + maskThreshold);
            if (daamThreshold < 0 || daamThreshold >= 1) throw new GroundiffException("--daam-threshold must be in [0, 1), got " + daamThreshold);
            for (double t : daamSweep) if (t < 0 || t >= 1) throw new GroundiffException("--daam-sweep thresholds must be in [0, 1), got " + t);
            if (gallery < 0) throw new GroundiffException("--gallery must be >= 0, got " + gallery);
            daamSweep = List.copyOf(daamSweep);
        }
    }

    /** What the evaluation measured. */
    public record Result(List<ReportWriter.MethodResult> methods, List<ReportWriter.GalleryItem> gallery, long records, long leftOut) {}

    private final StableDiffusion sd;
    private final GroundingModule module;
    private final ImageSettings images;
    private final Split split;
    private final Options options;

    public Evaluation(StableDiffusion sd, GroundingModule module, ImageSettings images, Split split, Options options) {
        images.requireGuidance("evaluation (grounding and DAAM)");
        this.sd = sd;
        this.module = module;
        this.images = images;
        this.split = split;
        this.options = options;
    }

    public static String groundingName(double t) {
        return String.format(Locale.ROOT, "Grounding (t=%s)", trim(t));
    }

    public static String daamName(double t) {
        return String.format(Locale.ROOT, "DAAM (t=%s)", trim(t));
    }

    private static String trim(double t) {
        return new java.math.BigDecimal(Double.toString(t)).stripTrailingZeros().toPlainString();
    }

    public Result run(DatasetReader testset, LongConsumer recordDone) {
        if ("none".equals(testset.info().extra().getOrDefault("detector", "none"))) {
            throw new GroundiffException("the test set was built without a detector, so it has no oracle masks to score against");
        }
        List<Double> thresholds = new ArrayList<>();
        thresholds.add(options.daamThreshold());
        for (double t : options.daamSweep()) if (!thresholds.contains(t)) thresholds.add(t);
        IouAccumulator grounding = new IouAccumulator(split::isUnseen);
        Map<Double, IouAccumulator> daam = new LinkedHashMap<>();
        for (double t : thresholds) daam.put(t, new IouAccumulator(split::isUnseen));
        List<ReportWriter.GalleryItem> gallery = new ArrayList<>();
        GroundingLabeler labeler = new GroundingLabeler(sd, module, options.maskThreshold(), "evaluated module");
        TextToImage t2i = new TextToImage(sd);
        long n = 0, scored = 0;
        for (DatasetRecord r : testset.records()) {
            n++;
            if (options.checkedOnly() && !r.masks().keySet().containsAll(r.categories())) {
                recordDone.accept(n);
                continue;
            }
            scored++;
            try (PointerScope scope = new PointerScope()) {
                for (String c : r.categories()) {
                    if (!split.vocabulary().contains(c)) throw new GroundiffException("record " + r.index() + " names '" + c + "', which is not a class of the split " + split.name());
                }
                GenerationResult res = t2i.generate(images.request(r.prompt(), r.seed())
                        .withTaps(TapRequest.blocks(), images.featureStep()).withCrossAttentionTrace(true));
                int h = images.height(), w = images.width();
                List<String> distinct = new ArrayList<>(new LinkedHashSet<>(r.categories()));
                Map<String, BitMask> gMasks = labeler.masks(res.taps(), distinct, h, w);
                grounding.addSample(r.categories(), gMasks, r.masks());
                int f = sd.vaeConfig.downsampleFactor();
                DaamTrace trace = DaamTrace.of(res.crossAttentionSums(), 0, h / f, w / f, sd.tokenizer, r.prompt());
                Map<String, Tensor> expanded = trace.expanded(distinct, h, w);
                Map<String, BitMask> shown = null;
                for (double t : thresholds) {
                    Map<String, BitMask> dMasks = new LinkedHashMap<>();
                    for (String c : distinct) dMasks.put(c, DaamHeatMaps.mask(expanded.get(c), t));
                    daam.get(t).addSample(r.categories(), dMasks, r.masks());
                    if (shown == null) shown = dMasks;
                }
                if (gallery.size() < options.gallery()) {
                    gallery.add(new ReportWriter.GalleryItem(r.index(), r.prompt(), r.categories(), r.image(), r.masks(), gMasks, shown));
                }
            }
            recordDone.accept(n);
        }
        List<ReportWriter.MethodResult> methods = new ArrayList<>();
        methods.add(new ReportWriter.MethodResult(groundingName(options.maskThreshold()), grounding.result()));
        for (Map.Entry<Double, IouAccumulator> e : daam.entrySet()) methods.add(new ReportWriter.MethodResult(daamName(e.getKey()), e.getValue().result()));
        return new Result(methods, gallery, scored, n - scored);
    }
}
