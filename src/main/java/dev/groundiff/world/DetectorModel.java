package dev.groundiff.world;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.AtomicFiles;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A detector folder: {@code config.json} and {@code model.safetensors} (weights in any float type; computed in fp32). */
public final class DetectorModel {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private DetectorModel() {}

    public static WorldDetector load(Path dir) {
        Path cfgFile = dir.resolve(CONFIG);
        String json;
        try {
            json = Files.readString(cfgFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new GroundiffException(cfgFile + ": no such file (is " + dir + " a world detector folder? train one with `groundiff world train --stage detector`)");
        } catch (IOException e) {
            throw new GroundiffException(cfgFile + ": cannot read: " + e.getMessage(), e);
        }
        DetectorConfig config = DetectorConfig.fromJson(json, cfgFile.toString());
        WorldDetector d = new WorldDetector(config, ParamFactory.uninitialized());
        Path w = dir.resolve(WEIGHTS);
        StateDict.load(d, SafeTensors.load(w), w.toString());
        return d;
    }

    /** Writes the folder; weights are stored as {@code dtype} (bf16/fp16 halve the size). */
    public static void save(Path dir, WorldDetector d, DType dtype, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : StateDict.of(d).entrySet()) w.put(e.getKey(), e.getValue().detach().to(dtype.scalarType));
        SafeTensors.write(dir.resolve(WEIGHTS), w, metadata);
        AtomicFiles.writeString(dir.resolve(CONFIG), d.config().toJson() + "\n");
    }
}
