package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.diffusion.pipeline.GenerationRequest;
import dev.groundiff.diffusion.pipeline.GenerationResult;
import dev.groundiff.diffusion.pipeline.StableDiffusion;
import dev.groundiff.diffusion.pipeline.TextToImage;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.PromptCategories;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.diffusion.unet.TapRequest;
import dev.groundiff.eval.Overlay;
import dev.groundiff.grounding.BatchNormMode;
import dev.groundiff.grounding.GroundingCheckpoint;
import dev.groundiff.grounding.GroundingModule;
import dev.groundiff.grounding.MaskPredictor;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff generate}: prompts to images (and, with a grounding module, masks), plus metadata. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate images from prompts with Stable Diffusion (DDIM, classifier-free guidance).")
public final class GenerateCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

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

    @Option(names = "--save-tensors", description = "Also write tensors.safetensors (noise, latents, image; with --grounding: logits.<i>).")
    boolean saveTensors;

    @Option(names = "--grounding", paramLabel = "CKPT",
            description = "A grounding-module checkpoint (.safetensors of ours, or the official .pth): also write a mask per category. "
                    + "Default with the embedded world model: the world's module (models/world/grounding-split1), when present.")
    Path grounding;

    @Option(names = "--no-grounding", description = "Images only, even where a default grounding module exists.")
    boolean noGrounding;

    @Option(names = "--category", paramLabel = "NAME",
            description = "A category to segment in every image; repeat for more. Default: the vocabulary's classes named in each prompt.")
    List<String> categories;

    @Option(names = "--vocabulary", paramLabel = "SPEC",
            description = "Where categories come from when --category is absent: pascal, coco, world, or a file (one name per line, or JSON). "
                    + "Default: world with the embedded world model, else pascal.")
    String vocabulary;

    @Option(names = "--feature-step", defaultValue = "-1", paramLabel = "K",
            description = "Denoising step (0-based) whose UNet features feed the grounding module; -1 = the last step, as the official code (default).")
    int featureStep;

    @Option(names = "--mask-threshold", defaultValue = "0.5", paramLabel = "P",
            description = "A pixel belongs to the mask when sigmoid(logit) > P (default: ${DEFAULT-VALUE}).")
    double maskThreshold;

    @Option(names = "--batch-norm", defaultValue = "batch", paramLabel = "MODE",
            description = "Grounding module batch norm: batch (per-image statistics, what the official release does; default) or running (stored statistics).")
    String batchNorm;

    @Override
    public Integer call() throws Exception {
        Torch.init();
        if (noGrounding && grounding != null) throw new dev.groundiff.GroundiffException("--no-grounding and --grounding contradict each other");
        if (grounding == null && !noGrounding && model.isEmbeddedWorld()) {
            Path p = WorldGroundingTrain.defaultModelDir(1).resolve(dev.groundiff.grounding.GroundingTrainer.WEIGHTS_FILE);
            if (java.nio.file.Files.isRegularFile(p)) grounding = p;
        }
        if (vocabulary == null) vocabulary = model.isEmbeddedWorld() ? "world" : "pascal";
        if (grounding == null && categories != null && !categories.isEmpty()) {
            throw new dev.groundiff.GroundiffException("--category needs --grounding CKPT (the module that predicts the masks)");
        }
        long t0 = System.nanoTime();
        StableDiffusion sd = model.load();
        GroundingModule module = grounding == null ? null : GroundingCheckpoint.load(grounding, BatchNormMode.parse(batchNorm));
        List<List<String>> perImage = module == null ? null : categoriesPerImage();
        long tLoad = System.nanoTime();
        int native_ = sd.nativeImageSize();
        int h = height != null ? height : native_, w = width != null ? width : native_;
        GenerationRequest req = new GenerationRequest(prompts, negativePrompt, seed, steps, guidance, h, w, eta,
                initLatents != null ? readInitLatents(initLatents) : null,
                module == null ? TapRequest.NONE : TapRequest.blocks(), featureStep, false);
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
        Map<String, Tensor> logits = new LinkedHashMap<>();
        JsonObject masks = new JsonObject();
        if (module != null) {
            List<Tensor> l = new MaskPredictor(sd, module).logits(res.taps(), perImage, h, w);
            for (int i = 0; i < l.size(); i++) {
                List<Overlay.Layer> layers = new ArrayList<>();
                JsonArray names = new JsonArray();
                for (int k = 0; k < perImage.get(i).size(); k++) {
                    String name = perImage.get(i).get(k);
                    BitMask m = BitMask.of(w, h, MaskPredictor.binarize(l.get(i).select(0, k), maskThreshold));
                    String file = "mask-" + i + "-" + fileSafe(name) + ".png";
                    Images.writePng(m.toGrayImage(), out.resolve(file));
                    files.add(file);
                    layers.add(new Overlay.Layer(name, m));
                    names.add(name);
                }
                masks.add(String.valueOf(i), names);
                RgbImage rgb = RgbImage.of(Images.toImage(res.image().select(0, i)));
                Images.writePng(Overlay.draw(rgb, layers), out.resolve("overlay-" + i + ".png"));
                files.add("overlay-" + i + ".png");
                logits.put("logits." + i, l.get(i));
            }
        }
        if (saveTensors) {
            Map<String, Tensor> t = new LinkedHashMap<>(logits);
            t.put("noise", res.noise());
            t.put("latents", res.latents());
            t.put("image", res.image());
            SafeTensors.write(out.resolve("tensors.safetensors"), t, Map.of("format", "pt"));
            files.add("tensors.safetensors");
        }
        JsonObject meta = settings(sd, h, w);
        if (module != null) {
            JsonObject g = new JsonObject();
            g.addProperty("checkpoint", grounding.toAbsolutePath().toString());
            g.addProperty("sha256", Provenance.sha256(grounding));
            g.addProperty("batch_norm", module.batchNormMode().name().toLowerCase(java.util.Locale.ROOT));
            g.addProperty("feature_step", req.tapStepIndex());
            g.addProperty("mask_threshold", maskThreshold);
            g.addProperty("categories_from", categories != null && !categories.isEmpty() ? "--category" : "vocabulary " + vocabulary);
            g.add("categories", masks);
            meta.add("grounding", g);
        }
        JsonArray truncated = new JsonArray();
        for (boolean b : res.truncated()) truncated.add(b);
        meta.add("prompt_truncated", truncated);
        meta.add("outputs", files);
        JsonObject timings = new JsonObject();
        timings.addProperty("load_s", (tLoad - t0) / 1e9);
        timings.addProperty("generate_s", (tGen - tLoad) / 1e9);
        meta.add("timings", timings);
        Provenance.write(out.resolve("metadata.json"), meta, CodeVersion.describe());
        spec.commandLine().getOut().println("wrote " + files.size() + " file(s) and metadata.json to " + out);
        spec.commandLine().getOut().flush();
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

    /** --category for every image, or each prompt's vocabulary classes. */
    private List<List<String>> categoriesPerImage() {
        List<List<String>> out = new ArrayList<>();
        if (categories != null && !categories.isEmpty()) {
            for (String c : categories) {
                if (c.isBlank()) throw new dev.groundiff.GroundiffException("--category must not be empty");
            }
            for (int i = 0; i < prompts.size(); i++) out.add(List.copyOf(categories));
            return out;
        }
        Vocabulary v = Splits.parse(vocabulary).vocabulary();
        for (String p : prompts) {
            List<String> found = PromptCategories.find(p, v);
            if (found.isEmpty()) {
                throw new dev.groundiff.GroundiffException("prompt '" + p + "' names no class of the " + v.name()
                        + " vocabulary; give --category NAME or another --vocabulary");
            }
            out.add(found);
        }
        return out;
    }

    private static String fileSafe(String name) {
        return name.trim().replaceAll("[^A-Za-z0-9._-]+", "_");
    }

    private static Tensor readInitLatents(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            String key = st.contains("noise") ? "noise" : st.entries().size() == 1 ? st.entries().keySet().iterator().next() : null;
            if (key == null) throw new dev.groundiff.GroundiffException(file + ": needs a tensor named 'noise' (or exactly one tensor)");
            return st.get(key).clone();
        }
    }
}
