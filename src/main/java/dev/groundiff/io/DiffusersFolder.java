package dev.groundiff.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A diffusers model folder: {@code model_index.json}, {@code <part>/config.json} and the part's
 * weights ({@code diffusion_pytorch_model.safetensors} / {@code model.safetensors}, or the
 * {@code .bin} / {@code .ckpt} pickles read by {@link TorchCheckpoint}).
 */
public final class DiffusersFolder implements ModelSource {
    private static final String[] WEIGHT_NAMES = {
            "diffusion_pytorch_model.safetensors", "model.safetensors",
            "diffusion_pytorch_model.bin", "pytorch_model.bin", "diffusion_pytorch_model.ckpt"};
    /** diffusers &lt; 0.14 names of the VAE mid-block attention (SD v1.x repos) and today's. */
    private static final String[][] VAE_ATTENTION_ALIASES = {
            {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};

    private final Path dir;

    private DiffusersFolder(Path dir) {
        this.dir = dir;
    }

    public static DiffusersFolder open(Path dir) {
        if (!Files.isDirectory(dir)) throw new GroundiffException(dir + ": not a folder");
        if (!Files.isRegularFile(dir.resolve("model_index.json"))) {
            throw new GroundiffException(dir + ": a folder without model_index.json is not a diffusers model");
        }
        readJson(dir.resolve("model_index.json"));
        return new DiffusersFolder(dir);
    }

    public Path dir() {
        return dir;
    }

    @Override
    public JsonObject config(String part) {
        Path p = part.equals(SCHEDULER) ? dir.resolve("scheduler").resolve("scheduler_config.json") : dir.resolve(part).resolve("config.json");
        if (!Files.isRegularFile(p)) throw new GroundiffException(dir + ": the model folder lacks " + dir.relativize(p) + " (part '" + part + "')");
        return readJson(p);
    }

    /** The weight file of a part. */
    public Path weightFile(String part) {
        Path partDir = dir.resolve(part);
        if (!Files.isDirectory(partDir)) throw new GroundiffException(dir + ": the model folder lacks the part '" + part + "'");
        for (String n : WEIGHT_NAMES) {
            Path p = partDir.resolve(n);
            if (Files.isRegularFile(p)) return p;
        }
        throw new GroundiffException(dir + ": no weights in " + part + "/ (expected " + String.join(" or ", WEIGHT_NAMES) + ")");
    }

    @Override
    public Map<String, Tensor> weights(String part) {
        Path f = weightFile(part);
        Map<String, Tensor> w = f.getFileName().toString().endsWith(".safetensors") ? SafeTensors.load(f) : TorchCheckpoint.loadStateDict(f);
        return part.equals(VAE) ? withCurrentAttentionNames(w) : w;
    }

    static Map<String, Tensor> withCurrentAttentionNames(Map<String, Tensor> w) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : w.entrySet()) {
            String k = e.getKey();
            if (k.contains("mid_block.attentions.")) {
                for (String[] a : VAE_ATTENTION_ALIASES) k = k.replace(a[0], a[1]);
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    @Override
    public Path tokenizerDir() {
        Path t = dir.resolve("tokenizer");
        return Files.isRegularFile(t.resolve("vocab.json")) && Files.isRegularFile(t.resolve("merges.txt")) ? t : null;
    }

    @Override
    public List<Path> weightFiles() {
        List<Path> out = new ArrayList<>();
        for (String part : WEIGHT_PARTS) out.add(weightFile(part));
        return out;
    }

    @Override
    public String describe() {
        return "diffusers folder " + dir;
    }

    static JsonObject readJson(Path p) {
        try {
            JsonElement el = JsonParser.parseString(Files.readString(p));
            if (!el.isJsonObject()) throw new GroundiffException(p + ": not a JSON object");
            return el.getAsJsonObject();
        } catch (IOException e) {
            throw new GroundiffException(p + ": cannot read: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new GroundiffException(p + ": invalid JSON: " + e.getMessage(), e);
        }
    }
}
