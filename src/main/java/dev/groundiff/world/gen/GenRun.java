package dev.groundiff.world.gen;

import com.google.gson.Gson;
import dev.groundiff.io.Provenance;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import dev.groundiff.world.DetectorTrainer;
import dev.groundiff.world.SceneSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One invocation of {@code groundiff world train --stage vae|diffusion}: trains in {@code runDir} and,
 * whenever it stops (finished or not), exports the current weights (EMA for the diffusion stage) into
 * the diffusers folder {@code modelDir}. The vae stage writes {@code vae/}; the diffusion stage reads
 * it and writes the rest ({@code text_encoder/}, {@code unet/}, {@code tokenizer/}, {@code scheduler/},
 * {@code model_index.json}).
 */
public final class GenRun {
    private GenRun() {}

    /** {@code decay}: the end of the learning-rate schedule (see {@link LrDecay}); recorded in the exported weights' metadata. */
    public static GenTrainer.Result train(GenTraining t, LrDecay decay, int imageSize, int steps, Path runDir, Path modelDir, boolean resume,
                                          DetectorTrainer.Limits limits, DType dtype) throws IOException {
        Torch.init();
        SceneSpec spec = SceneSpec.defaults().withSize(imageSize);
        String recipe = new Gson().toJson(t) + " image_size=" + imageSize;
        TrainingStage stage;
        if (t.stage().equals("vae")) {
            stage = new VaeStage(t, spec);
        } else {
            Path vaeDir = modelDir.resolve("vae");
            stage = new DiffusionStage(t, spec, vaeDir);
            recipe += " vae_sha256=" + Provenance.sha256(vaeDir.resolve(VaeStage.WEIGHTS));
        }
        GenTrainer.Result r = GenTrainer.run(stage, t.stage(), recipe, decay, steps, t::learningRate, runDir, resume, limits);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("stage", t.stage());
        meta.put("steps", Integer.toString(r.step()));
        meta.put(GenTrainer.LR_DECAY_KEY, decay.toString());
        meta.put("train_seconds", String.format(Locale.ROOT, "%.1f", r.trainSeconds()));
        meta.put("code_version", dev.groundiff.cli.CodeVersion.describe());
        stage.export(modelDir, dtype, meta);
        return r;
    }
}
