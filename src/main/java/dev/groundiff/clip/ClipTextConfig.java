package dev.groundiff.clip;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * transformers' {@code CLIPTextConfig}, the fields the text tower uses, read from {@code text_encoder/config.json}.
 * Missing fields take transformers' defaults; {@code hiddenAct} is {@code quick_gelu} (SD v1.x) or {@code gelu}.
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        int bosTokenId,
        int eosTokenId,
        int padTokenId,
        int projectionDim) {

    public ClipTextConfig {
        if (hiddenSize <= 0 || numAttentionHeads <= 0 || hiddenSize % numAttentionHeads != 0) {
            throw new GroundiffException("CLIP text config: hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (vocabSize <= 0 || intermediateSize <= 0 || numHiddenLayers <= 0 || maxPositionEmbeddings <= 0) {
            throw new GroundiffException("CLIP text config: vocab_size, intermediate_size, num_hidden_layers and max_position_embeddings must be positive");
        }
        if (!hiddenAct.equals("quick_gelu") && !hiddenAct.equals("gelu")) {
            throw new GroundiffException("CLIP text config: hidden_act '" + hiddenAct + "' is not supported (quick_gelu or gelu)");
        }
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    public static ClipTextConfig fromJson(JsonObject o) {
        try {
            return new ClipTextConfig(
                    integer(o, "vocab_size", 49408),
                    integer(o, "hidden_size", 512),
                    integer(o, "intermediate_size", 2048),
                    integer(o, "num_hidden_layers", 12),
                    integer(o, "num_attention_heads", 8),
                    integer(o, "max_position_embeddings", 77),
                    o.has("hidden_act") ? o.get("hidden_act").getAsString() : "quick_gelu",
                    o.has("layer_norm_eps") ? o.get("layer_norm_eps").getAsDouble() : 1e-5,
                    integer(o, "bos_token_id", 49406),
                    integer(o, "eos_token_id", 49407),
                    integer(o, "pad_token_id", 1),
                    integer(o, "projection_dim", 512));
        } catch (ClassCastException | IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new GroundiffException("CLIP text config: a field has the wrong type: " + e.getMessage(), e);
        }
    }

    private static int integer(JsonObject o, String key, int fallback) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsInt();
    }

    public static ClipTextConfig read(Path configJson) {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(configJson, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) throw new GroundiffException(configJson + ": expected a JSON object");
            return fromJson(root.getAsJsonObject());
        } catch (NoSuchFileException e) {
            throw new GroundiffException(configJson + ": no such file");
        } catch (IOException | JsonParseException e) {
            throw new GroundiffException(configJson + ": cannot read: " + e.getMessage(), e);
        } catch (GroundiffException e) {
            throw e.getMessage().startsWith(configJson.toString()) ? e : new GroundiffException(configJson + ": " + e.getMessage(), e);
        }
    }
}
