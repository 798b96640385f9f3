package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.io.Images;
import dev.groundiff.io.Provenance;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Torch;
import me.tongfei.progressbar.ProgressBar;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff generate}: prompts to images (and, with a grounding module, masks), plus metadata. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate images from prompts with Stable Diffusion (DDIM, classifier-free guidance).")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "A prompt; repeat for a batch.")
    List<String> prompts;

    @Option(names = "--negative-prompt", defaultValue = "", paramLabel = "TEXT", description = "Negative prompt (default: empty).")
    String negativePrompt;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the initial noise (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--guidance", defaultValue = "7.5", description = "Classifier-free guidance scale (default: ${DEFAULT-VALUE}).")
    double guidance;

    @Option(names = "--height", description = "Image height, a multiple of 8 (default: the model's native size).")
    Integer height;

    @Option(names = "--width", description = "Image width, a multiple of 8 (default: the model's native size).")
    Integer width;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta (0 = deterministic; default: ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--init-latents", paramLabel = "FILE", description = "A .safetensors file whose tensor 'noise' (or its only tensor) replaces the seeded noise.")
    Path initLatents;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--save-tensors", description = "Also write tensors.safetensors (noise, latents, image).")
    boolean saveTensors;

    @Override
    public Integer call() throws Exception {
        Torch.init();
        long t0 = System.nanoTime();
        StableDiffusion sd = model.load();
        long tLoad = System.nanoTime();
        int native_ = sd.unetConfig.sampleSize() * sd.vaeConfig.downsampleFactor();
        int h = height != null ? height : native_, w = width != null ? width : native_;
        GenerationRequest req = new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, h, w, eta,
                initLatents != null ? readInitLatents(initLatents) : null,
                dev.groundiff.diffusion.unet.TapRequest.NONE, -1, false);
        GenerationResult res;
        try (ProgressBar pb = ProgressBars.create("denoising", steps, "steps")) {
            res = new TextToImage(sd).generate(req, (i, n, x) -> pb.stepTo(i + 1));
        }
        long tGen = System.nanoTime();

        JsonArray files = new JsonArray();
        for (int i = 0; i < prompts.size(); i++) {
            Path png = out.resolve("image-" + i + ".png");
            Images.writePng(Images.toImage(res.image().select(0, i)), png);
            files.add(png.getFileName().toString());
        }
        if (saveTensors) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("noise", res.noise());
            t.put("latents", res.latents());
            t.put("image", res.image());
            SafeTensors.write(out.resolve("tensors.safetensors"), t, Map.of("format", "pt"));
            files.add("tensors.safetensors");
        }
        JsonObject meta = settings(sd, h, w);
        JsonArray truncated = new JsonArray();
        for (boolean b : res.truncated()) truncated.add(b);
        meta.add("prompt_truncated", truncated);
        meta.add("outputs", files);
        JsonObject timings = new JsonObject();
        timings.addProperty("load_s", (tLoad - t0) / 1e9);
        timings.addProperty("generate_s", (tGen - tLoad) / 1e9);
        meta.add("timings", timings);
        Provenance.write(out.resolve("metadata.json"), meta, CodeVersion.describe());
        System.out.println("wrote " + files.size() + " file(s) and metadata.json to " + out);
        return 0;
    }

    private JsonObject settings(StableDiffusion sd, int h, int w) {
        JsonObject m = new JsonObject();
        m.addProperty("command", "generate");
        m.add("model", sd.identity());
        m.addProperty("dtype", sd.dtype.torchName);
        m.add("prompts", Provenance.toJsonTree(prompts));
        m.addProperty("negative_prompt", negativePrompt);
        m.addProperty("seed", seed);
        m.addProperty("steps", steps);
        m.addProperty("guidance", guidance);
        m.addProperty("eta", eta);
        m.addProperty("height", h);
        m.addProperty("width", w);
        m.addProperty("scheduler", "DDIM");
        if (initLatents != null) m.addProperty("init_latents", initLatents.toAbsolutePath().toString());
        return m;
    }

    private static Tensor readInitLatents(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            String key = st.contains("noise") ? "noise" : st.entries().size() == 1 ? st.entries().keySet().iterator().next() : null;
            if (key == null) throw new dev.groundiff.GroundiffException(file + ": needs a tensor named 'noise' (or exactly one tensor)");
            return st.get(key).clone();
        }
    }
}
