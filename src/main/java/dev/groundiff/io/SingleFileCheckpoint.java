package dev.groundiff.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Stable Diffusion v1.x single file in the CompVis layout (the released {@code v1-5-pruned*.ckpt} /
 * {@code .safetensors} and most community checkpoints), read as the three diffusers parts. Every key
 * of the file is accounted for when it is opened: mapped to a part ({@link CompVisKeyMap}), or one of
 * the known ignorable buffers; the mapped keys must be exactly those of the architecture with the
 * right shapes ({@link SdShapes}). The architecture comes from a diffusers folder's configs or, by
 * default, SD v1.5's (bundled).
 */
public final class SingleFileCheckpoint implements ModelSource {
    private static final String DEFAULT_CONFIGS = "sd15/";

    private final Path file;
    private final Map<String, JsonObject> configs;
    private final Path tokenizerDir;
    private final SafeTensors safetensors;      // one of these two is open
    private final TorchCheckpoint checkpoint;
    private final Map<String, Tensor> checkpointTensors;
    /** part -> diffusers key -> single-file key, in file order. */
    private final Map<String, Map<String, String>> keys = new LinkedHashMap<>();
    /** Single-file keys of weights stored as 1x1 convs that diffusers holds as linears. */
    private final java.util.Set<String> squeezed = new java.util.HashSet<>();

    private SingleFileCheckpoint(Path file, Map<String, JsonObject> configs, Path tokenizerDir, SafeTensors st, TorchCheckpoint ck) {
        this.file = file;
        this.configs = configs;
        this.tokenizerDir = tokenizerDir;
        this.safetensors = st;
        this.checkpoint = ck;
        this.checkpointTensors = ck == null ? null : ck.stateDict();
    }

    public static SingleFileCheckpoint open(Path file, Path modelConfigDir) {
        if (!Files.isRegularFile(file)) throw new GroundiffException(file + ": no such file");
        Map<String, JsonObject> configs = new LinkedHashMap<>();
        for (String part : List.of(UNET, VAE, TEXT_ENCODER, SCHEDULER)) configs.put(part, loadConfig(part, modelConfigDir));
        Path tok = modelConfigDir == null ? null : modelConfigDir.resolve("tokenizer");
        if (tok != null && !(Files.isRegularFile(tok.resolve("vocab.json")) && Files.isRegularFile(tok.resolve("merges.txt")))) tok = null;
        boolean isSafetensors = SafeTensors.looksLike(file);
        SafeTensors st = isSafetensors ? SafeTensors.open(file) : null;
        TorchCheckpoint ck = null;
        try {
            if (!isSafetensors) ck = TorchCheckpoint.open(file);
            SingleFileCheckpoint s = new SingleFileCheckpoint(file, configs, tok, st, ck);
            s.mapKeys();
            return s;
        } catch (RuntimeException e) {
            if (st != null) st.close();
            if (ck != null) ck.close();
            throw e;
        }
    }

    private static JsonObject loadConfig(String part, Path dir) {
        String rel = part.equals(SCHEDULER) ? "scheduler/scheduler_config.json" : part + "/config.json";
        if (dir != null) {
            Path p = dir.resolve(rel);
            if (!Files.isRegularFile(p)) throw new GroundiffException(dir + ": the model config folder lacks " + rel);
            return DiffusersFolder.readJson(p);
        }
        try (InputStream in = SingleFileCheckpoint.class.getResourceAsStream(DEFAULT_CONFIGS + rel)) {
            if (in == null) throw new IllegalStateException("bundled SD v1.5 config " + rel + " missing");
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> fileKeys() {
        return List.copyOf(safetensors != null ? safetensors.entries().keySet() : checkpointTensors.keySet());
    }

    private long[] fileShape(String key) {
        return safetensors != null ? safetensors.entries().get(key).shape() : Tensors.shape(checkpointTensors.get(key));
    }

    private void mapKeys() {
        CompVisKeyMap map = CompVisKeyMap.of(configs.get(UNET), configs.get(VAE));
        for (String part : WEIGHT_PARTS) keys.put(part, new LinkedHashMap<>());
        for (String k : fileKeys()) {
            if (CompVisKeyMap.ignored(k)) continue;
            CompVisKeyMap.Target t = map.toDiffusers(k);
            if (t == null) throw CompVisKeyMap.unexpected(file.toString(), k);
            if (t.squeeze()) squeezed.add(k);
            String prev = keys.get(t.part()).put(t.key(), k);
            if (prev != null) throw new GroundiffException(file + ": keys '" + prev + "' and '" + k + "' both map to " + t.part() + " '" + t.key() + "'");
        }
        for (String part : WEIGHT_PARTS) {
            Map<String, long[]> want = SdShapes.of(part, configs.get(part));
            Map<String, String> have = keys.get(part);
            for (Map.Entry<String, String> e : have.entrySet()) {
                long[] expected = want.get(e.getKey());
                if (expected == null) throw CompVisKeyMap.unexpected(file.toString(), e.getValue());
                long[] actual = fileShape(e.getValue());
                boolean ok = Arrays.equals(expected, actual)
                        || expected.length == 2 && actual.length == 4 && actual[2] == 1 && actual[3] == 1 && actual[0] == expected[0] && actual[1] == expected[1];
                if (!ok) {
                    throw new GroundiffException(file + ": key '" + e.getValue() + "' has shape " + Arrays.toString(actual) + ", the "
                            + part + " architecture needs " + Arrays.toString(expected) + " (" + part + " '" + e.getKey() + "')");
                }
            }
            for (String k : want.keySet()) {
                if (!have.containsKey(k)) {
                    CompVisKeyMap.Target c = map.toCompVis(part, k);
                    throw new GroundiffException(file + ": missing key '" + (c == null ? k : c.key()) + "' (" + part + " '" + k + "')");
                }
            }
        }
    }

    @Override
    public JsonObject config(String part) {
        JsonObject c = configs.get(part);
        if (c == null) throw new GroundiffException("unknown model part '" + part + "'");
        return c.deepCopy();
    }

    @Override
    public Map<String, Tensor> weights(String part) {
        Map<String, String> k = keys.get(part);
        if (k == null) throw new GroundiffException("no weights for model part '" + part + "'");
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : k.entrySet()) {
            Tensor t = safetensors != null ? safetensors.get(e.getValue()) : checkpointTensors.get(e.getValue());
            if (t.dim() == 4 && squeezed.contains(e.getValue())) t = t.reshape(t.size(0), t.size(1)); // 1x1 conv -> linear
            out.put(e.getKey(), t.contiguous().clone());
        }
        return out;
    }

    @Override
    public Path tokenizerDir() {
        return tokenizerDir;
    }

    @Override
    public List<Path> weightFiles() {
        return List.of(file);
    }

    @Override
    public String describe() {
        return "single-file checkpoint " + file + (safetensors != null ? " (safetensors)" : " (torch " + checkpoint.container() + ")");
    }

    @Override
    public void close() {
        if (safetensors != null) safetensors.close();
        if (checkpoint != null) checkpoint.close();
    }

    /**
     * Writes a diffusers folder's UNet, VAE and text encoder as one CompVis-layout safetensors file
     * (what diffusers' {@code convert_diffusers_to_original_stable_diffusion.py} produces), atomically.
     */
    public static void write(DiffusersFolder folder, Path out) {
        CompVisKeyMap map = CompVisKeyMap.of(folder.config(UNET), folder.config(VAE));
        Map<String, Tensor> all = new TreeMap<>();
        for (String part : WEIGHT_PARTS) {
            for (Map.Entry<String, Tensor> e : folder.weights(part).entrySet()) {
                if (part.equals(TEXT_ENCODER) && e.getKey().endsWith("position_ids")) continue; // a buffer, not a weight
                CompVisKeyMap.Target t = map.toCompVis(part, e.getKey());
                if (t == null) throw new GroundiffException(folder.dir() + ": " + part + " key '" + e.getKey() + "' has no single-file name");
                Tensor v = e.getValue();
                if (t.squeeze()) v = v.reshape(v.size(0), v.size(1), 1, 1);
                if (all.put(t.key(), v) != null) throw new GroundiffException(folder.dir() + ": two keys map to '" + t.key() + "'");
            }
        }
        try {
            SafeTensors.write(out, all, Map.of());
        } catch (IOException e) {
            throw new GroundiffException(out + ": cannot write: " + e.getMessage(), e);
        }
    }
}
