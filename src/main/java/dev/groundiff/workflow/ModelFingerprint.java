package dev.groundiff.workflow;

import com.google.gson.JsonObject;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.DatasetInfo;
import dev.groundiff.diffusion.pipeline.StableDiffusion;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * One hash that names a model's weights: SHA-256 over the sorted SHA-256s of its weight files, so it
 * does not change when the model folder is moved or renamed, and changes with any weight byte.
 */
public final class ModelFingerprint {
    private ModelFingerprint() {}

    public static String of(StableDiffusion sd) {
        return of(sd.identity());
    }

    /** From {@link StableDiffusion#identity()}: {@code {"files": {name: sha256}}}. */
    public static String of(JsonObject identity) {
        List<String> hashes = new ArrayList<>();
        for (Map.Entry<String, com.google.gson.JsonElement> e : identity.getAsJsonObject("files").entrySet()) hashes.add(e.getValue().getAsString());
        Collections.sort(hashes);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String h : hashes) md.update((h + "\n").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model's name for humans: the folder or file name. */
    public static String name(StableDiffusion sd) {
        java.nio.file.Path p = sd.path().toAbsolutePath().normalize();
        return p.getFileName() == null ? p.toString() : p.getFileName().toString();
    }

    /** Fails unless the dataset in {@code dir} was made with the weights of {@code sd}. */
    public static void requireSame(DatasetInfo info, String dir, StableDiffusion sd) {
        String mine = of(sd);
        if (!info.modelHash().equals(mine)) throw mismatch(dir, info.modelId(), info.modelHash(), sd, mine);
    }

    static GroundiffException mismatch(String dir, String theirId, String theirHash, StableDiffusion sd, String mine) {
        return new GroundiffException(dir + " was made with another model (" + theirId + ", weights " + shortHash(theirHash)
                + ") than --model " + sd.path() + " (weights " + shortHash(mine) + "): use the model it was made with");
    }

    static String shortHash(String h) {
        return h.length() > 12 ? h.substring(0, 12) + "..." : h;
    }
}
