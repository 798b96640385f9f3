package dev.groundiff.cli;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetReader;
import dev.groundiff.data.Split;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.eval.ReportWriter;
import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.Torch;
import dev.groundiff.workflow.Evaluation;
import dev.groundiff.workflow.GroundingSetup;
import dev.groundiff.workflow.ImageSettings;
import dev.groundiff.workflow.ModelFingerprint;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff eval}: the paper's Table 1 (grounding module vs DAAM) on a test set. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a grounding module and the DAAM baseline on a test set built by 'groundiff dataset' (with --detections): "
                + "each record is regenerated from its prompt and seed; mIoU against its oracle masks per category over the set, "
                + "in the paper's groups (one object: seen, unseen; two objects: seen, seen + unseen, unseen).",
                "Writes results.json, report.md (Table 1), report.html (tables and a gallery: image, oracle, grounding, DAAM) and metadata.json."})
public final class EvalCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--grounding", required = true, paramLabel = "CKPT", description = "Grounding checkpoint: grounding.safetensors from 'train', or the official .pth.")
    Path grounding;

    @Option(names = "--testset", required = true, paramLabel = "DIR", description = "Test set folder (a dataset with oracle masks).")
    Path testset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Report folder.")
    Path out;

    @Option(names = "--split", description = "Which classes count as unseen (default: the split the test set was drawn with).")
    String split;

    @Option(names = "--mask-threshold", defaultValue = "0.5", description = "Grounding mask: sigmoid(logit) > t (default: ${DEFAULT-VALUE}, official).")
    double maskThreshold;

    @Option(names = "--daam-threshold", defaultValue = "0.4", description = "DAAM mask: normalised heat map > t (default: ${DEFAULT-VALUE}, DAAM's own).")
    double daamThreshold;

    @Option(names = "--daam-sweep", split = ",", defaultValue = "0.2,0.3,0.4,0.5,0.6", description = "DAAM thresholds also scored (default: ${DEFAULT-VALUE}).")
    List<Double> daamSweep = new ArrayList<>();

    @Option(names = "--checked-only", description = "Score only images where the detector found every prompted category (the paper scored checked images).")
    boolean checkedOnly;

    @Option(names = "--gallery", defaultValue = "16", description = "Records shown in report.html (default: ${DEFAULT-VALUE}).")
    int gallery;

    @Override
    public Integer call() throws IOException {
        Torch.init();
        Evaluation.Options opts = new Evaluation.Options(maskThreshold, daamThreshold, daamSweep, gallery, checkedOnly);
        if (!Files.exists(grounding)) throw new GroundiffException(grounding + ": no such grounding checkpoint");
        DatasetReader reader = DatasetReader.open(testset);
        Split sp = Splits.parse(split != null ? split : reader.info().split());
        StableDiffusion sd = model.load();
        ModelFingerprint.requireSame(reader.info(), testset.toString(), sd);
        ImageSettings images = ImageSettings.of(reader.info(), testset.toString());
        ImageSettings.requireSameDtype(images, model.computeType().torchName, testset.toString());
        GroundingModule module = GroundingCheckpoint.load(grounding, BatchNormMode.BATCH);
        GroundingSetup.requireFits(module.config(), sd, grounding.toString());
        if (!reader.isComplete()) {
            spec.commandLine().getErr().println("groundiff: warning: " + testset + " is not finished; evaluating its " + reader.size() + " finished records");
        }
        Evaluation.Result result;
        try (ProgressBar bar = ProgressBars.create("eval", reader.size(), "images")) {
            result = new Evaluation(sd, module, images, sp, opts).run(reader, bar::stepTo);
        }
        Files.createDirectories(out);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("model", sd.path().toString() + " (weights " + ModelFingerprint.of(sd).substring(0, 12) + ")");
        settings.put("grounding", grounding.toString() + " (sha256 " + Provenance.sha256(grounding).substring(0, 12) + ")");
        settings.put("testset", testset + " (" + result.records() + " images scored"
                + (checkedOnly ? ", " + result.leftOut() + " left out where the detector missed a prompted category" : "")
                + ", seed " + reader.info().seed() + ", " + reader.info().subset() + ")");
        settings.put("split", sp.name());
        settings.put("generation", images.steps() + " DDIM steps, guidance " + images.guidance() + ", " + images.width() + "x" + images.height()
                + ", features of step " + images.featureStep());
        settings.put("mask_threshold", Double.toString(maskThreshold));
        settings.put("daam_threshold", Double.toString(daamThreshold));
        settings.put("code_version", CodeVersion.describe());
        ReportWriter.write(out, new ReportWriter.Report("Grounded Diffusion evaluation", settings, result.methods(), result.gallery()));
        Provenance.write(out.resolve("metadata.json"), metadata(sd, reader, images, sp), CodeVersion.describe());
        spec.commandLine().getOut().print(ReportWriter.table(result.methods()));
        spec.commandLine().getOut().println("wrote results.json, report.md, report.html and metadata.json to " + out);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private JsonObject metadata(StableDiffusion sd, DatasetReader reader, ImageSettings images, Split sp) throws IOException {
        JsonObject m = new JsonObject();
        m.addProperty("command", "eval");
        m.add("model", sd.identity());
        m.addProperty("model_hash", ModelFingerprint.of(sd));
        m.addProperty("grounding", grounding.toAbsolutePath().normalize().toString());
        m.addProperty("grounding_sha256", Provenance.sha256(grounding));
        m.addProperty("testset", testset.toAbsolutePath().normalize().toString());
        m.addProperty("testset_sha256", Provenance.sha256(testset.resolve("dataset.json")));
        m.addProperty("records", reader.size());
        m.addProperty("checked_only", checkedOnly);
        m.addProperty("seed", reader.info().seed());
        m.addProperty("split", sp.name());
        m.addProperty("steps", images.steps());
        m.addProperty("guidance", images.guidance());
        m.addProperty("feature_step", images.featureStep());
        m.addProperty("height", images.height());
        m.addProperty("width", images.width());
        m.addProperty("mask_threshold", maskThreshold);
        m.addProperty("daam_threshold", daamThreshold);
        m.add("daam_sweep", Provenance.toJsonTree(daamSweep));
        return m;
    }
}
