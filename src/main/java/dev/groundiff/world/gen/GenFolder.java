package dev.groundiff.world.gen;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.clip.ClipTokenizer;
import dev.groundiff.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;

/** The non-weight files of the world's diffusers folder: model_index.json and the tokenizer. */
public final class GenFolder {
    private GenFolder() {}

    static String pretty(JsonObject o) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o) + "\n";
    }

    static void writeModelIndex(Path dir) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "StableDiffusionPipeline");
        o.addProperty("_diffusers_version", "0.24.0");
        o.add("scheduler", pair("diffusers", "DDIMScheduler"));
        o.add("text_encoder", pair("transformers", "CLIPTextModel"));
        o.add("tokenizer", pair("transformers", "CLIPTokenizer"));
        o.add("unet", pair("diffusers", "UNet2DConditionModel"));
        o.add("vae", pair("diffusers", "AutoencoderKL"));
        o.add("safety_checker", pair(null, null));
        o.add("feature_extractor", pair(null, null));
        o.addProperty("requires_safety_checker", false);
        AtomicFiles.writeString(dir.resolve("model_index.json"), pretty(o));
    }

    private static JsonArray pair(String a, String b) {
        JsonArray x = new JsonArray();
        x.add(a);
        x.add(b);
        return x;
    }

    /** vocab.json + merges.txt of {@code tok} (the standard CLIP vocabulary), as transformers' CLIPTokenizer saves them. */
    static void writeTokenizer(Path dir, ClipTokenizer tok) throws IOException {
        JsonObject vocab = new JsonObject();
        tok.vocab().forEach(vocab::addProperty);
        AtomicFiles.writeString(dir.resolve("vocab.json"), new GsonBuilder().disableHtmlEscaping().create().toJson(vocab));
        StringBuilder m = new StringBuilder("#version: 0.2\n");
        for (String merge : tok.merges()) m.append(merge).append('\n');
        AtomicFiles.writeString(dir.resolve("merges.txt"), m.toString());
        JsonObject cfg = new JsonObject();
        cfg.addProperty("model_max_length", ClipTokenizer.MAX_LENGTH);
        cfg.addProperty("bos_token", ClipTokenizer.BOS_TOKEN);
        cfg.addProperty("eos_token", ClipTokenizer.EOS_TOKEN);
        cfg.addProperty("unk_token", ClipTokenizer.EOS_TOKEN);
        cfg.addProperty("pad_token", ClipTokenizer.EOS_TOKEN);
        cfg.addProperty("do_lower_case", true);
        cfg.addProperty("tokenizer_class", "CLIPTokenizer");
        AtomicFiles.writeString(dir.resolve("tokenizer_config.json"), pretty(cfg));
    }
}
