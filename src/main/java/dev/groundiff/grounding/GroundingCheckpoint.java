package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.TorchCheckpoint;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Grounding-module weights on disk under the official key names: our {@code .safetensors} (the
 * configuration JSON in the metadata, so the file alone rebuilds the module) and the official
 * {@code .pth} ({@code torch.save(seg_module.state_dict())}). Loading is strict: a checkpoint for
 * another architecture fails with a message naming the mismatched key.
 */
public final class GroundingCheckpoint {
    public static final String CONFIG_METADATA = "groundiff.grounding_config";
    public static final String KIND_METADATA = "groundiff.kind";
    public static final String KIND = "grounding-module";

    private GroundingCheckpoint() {}

    /** Writes the module's parameters and buffers (official names) atomically, with its config in the metadata. */
    public static void save(GroundingModule module, Path path, Map<String, String> extraMetadata) throws IOException {
        save(module, path, extraMetadata, null);
    }

    /** As {@link #save(GroundingModule, Path, Map)}, floating-point tensors stored as {@code storeAs} (null: as they are; loading converts back). */
    public static void save(GroundingModule module, Path path, Map<String, String> extraMetadata, dev.groundiff.torch.DType storeAs) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        if (extraMetadata != null) meta.putAll(extraMetadata);
        meta.put("format", "pt");
        meta.put(KIND_METADATA, KIND);
        meta.put(CONFIG_METADATA, module.config().toJson());
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : module.stateDict().entrySet()) {
            Tensor t = e.getValue().detach();
            state.put(e.getKey(), storeAs != null && t.is_floating_point() ? t.to(storeAs.scalarType) : t);
        }
        SafeTensors.write(path, state, meta);
    }

    public static void save(GroundingModule module, Path path) throws IOException {
        save(module, path, null);
    }

    /**
     * Loads a checkpoint; the configuration comes from the file's metadata (our safetensors) or, for an
     * official {@code .pth} that carries none, is {@link GroundingConfig#sdV1()}.
     */
    public static GroundingModule load(Path path, BatchNormMode mode) {
        return load(path, null, mode);
    }

    /** Loads a checkpoint into a module of {@code config} (null: from the file, else SD v1). */
    public static GroundingModule load(Path path, GroundingConfig config, BatchNormMode mode) {
        GroundingConfig c = config;
        Map<String, Tensor> weights;
        if (SafeTensors.looksLike(path)) {
            try (SafeTensors st = SafeTensors.open(path)) {
                String json = st.metadata().get(CONFIG_METADATA);
                if (c == null && json != null) c = GroundingConfig.fromJson(json, path + " (metadata " + CONFIG_METADATA + ")");
                weights = st.loadAll();
            }
        } else {
            weights = readTorchCheckpoint(path);
        }
        if (c == null) c = GroundingConfig.sdV1();
        if (!weights.containsKey("to_q.weight") && !weights.containsKey("low_feature_conv.0.weight")) {
            String sample = weights.isEmpty() ? "none" : "'" + String.join("', '", weights.keySet().stream().sorted().limit(3).toList()) + "'";
            throw new GroundiffException(path + ": not a grounding-module checkpoint (no 'to_q.weight' or 'low_feature_conv.0.weight'; its keys include " + sample + ")");
        }
        GroundingModule m = new GroundingModule(c, ParamFactory.uninitialized(), mode);
        StateDict.load(m, weights, path.toString());
        return m;
    }

    /** The state dict of an official {@code .pth}, through the restricted pickle reader (never executes code). */
    static Map<String, Tensor> readTorchCheckpoint(Path path) {
        if (!Files.isRegularFile(path)) throw new GroundiffException(path + ": no such file");
        return TorchCheckpoint.loadStateDict(path);
    }
}
