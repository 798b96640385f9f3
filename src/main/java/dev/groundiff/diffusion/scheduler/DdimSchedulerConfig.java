package dev.groundiff.diffusion.scheduler;

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
import java.util.Locale;

/**
 * The fields of diffusers' {@code scheduler_config.json} that DDIM (and DDIM inversion) use. Missing fields take
 * diffusers 0.24's {@code DDIMScheduler} defaults, so SD's PNDM config (no prediction_type, no timestep_spacing)
 * reads as diffusers' {@code DDIMScheduler.from_config} reads it. Features this implementation lacks
 * (trained_betas, thresholding, rescale_betas_zero_snr, other beta schedules) are rejected, not ignored.
 */
public record DdimSchedulerConfig(
        int numTrainTimesteps,
        double betaStart,
        double betaEnd,
        BetaSchedule betaSchedule,
        boolean clipSample,
        double clipSampleRange,
        boolean setAlphaToOne,
        int stepsOffset,
        PredictionType predictionType,
        TimestepSpacing timestepSpacing) {

    public enum BetaSchedule { LINEAR, SCALED_LINEAR }

    public enum PredictionType { EPSILON, SAMPLE, V_PREDICTION }

    public enum TimestepSpacing { LEADING, TRAILING, LINSPACE }

    public DdimSchedulerConfig {
        if (numTrainTimesteps < 1) throw new GroundiffException("scheduler config: num_train_timesteps must be >= 1, got " + numTrainTimesteps);
        if (stepsOffset < 0) throw new GroundiffException("scheduler config: steps_offset must be >= 0, got " + stepsOffset);
    }

    /** SD v1.x's schedule: scaled_linear 0.00085..0.012 over 1000 steps, steps_offset 1, epsilon, leading. */
    public static DdimSchedulerConfig stableDiffusion() {
        return new DdimSchedulerConfig(1000, 0.00085, 0.012, BetaSchedule.SCALED_LINEAR, false, 1.0, false, 1,
                PredictionType.EPSILON, TimestepSpacing.LEADING);
    }

    public static DdimSchedulerConfig fromJson(JsonObject o) {
        try {
            if (has(o, "trained_betas")) throw new GroundiffException("scheduler config: trained_betas is not supported");
            if (has(o, "thresholding") && o.get("thresholding").getAsBoolean()) throw new GroundiffException("scheduler config: thresholding is not supported");
            if (has(o, "rescale_betas_zero_snr") && o.get("rescale_betas_zero_snr").getAsBoolean()) {
                throw new GroundiffException("scheduler config: rescale_betas_zero_snr is not supported");
            }
            return new DdimSchedulerConfig(
                    has(o, "num_train_timesteps") ? o.get("num_train_timesteps").getAsInt() : 1000,
                    has(o, "beta_start") ? o.get("beta_start").getAsDouble() : 0.0001,
                    has(o, "beta_end") ? o.get("beta_end").getAsDouble() : 0.02,
                    parse(BetaSchedule.class, o, "beta_schedule", BetaSchedule.LINEAR),
                    !has(o, "clip_sample") || o.get("clip_sample").getAsBoolean(),
                    has(o, "clip_sample_range") ? o.get("clip_sample_range").getAsDouble() : 1.0,
                    !has(o, "set_alpha_to_one") || o.get("set_alpha_to_one").getAsBoolean(),
                    has(o, "steps_offset") ? o.get("steps_offset").getAsInt() : 0,
                    parse(PredictionType.class, o, "prediction_type", PredictionType.EPSILON),
                    parse(TimestepSpacing.class, o, "timestep_spacing", TimestepSpacing.LEADING));
        } catch (ClassCastException | IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new GroundiffException("scheduler config: a field has the wrong type: " + e.getMessage(), e);
        }
    }

    private static boolean has(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    private static <E extends Enum<E>> E parse(Class<E> type, JsonObject o, String key, E fallback) {
        if (!has(o, key)) return fallback;
        String v = o.get(key).getAsString();
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
            throw new GroundiffException("scheduler config: " + key + " '" + v + "' is not supported (" + allowed + ")");
        }
    }

    public static DdimSchedulerConfig read(Path json) {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) throw new GroundiffException(json + ": expected a JSON object");
            return fromJson(root.getAsJsonObject());
        } catch (NoSuchFileException e) {
            throw new GroundiffException(json + ": no such file");
        } catch (IOException | JsonParseException e) {
            throw new GroundiffException(json + ": cannot read: " + e.getMessage(), e);
        } catch (GroundiffException e) {
            throw e.getMessage().startsWith(json.toString()) ? e : new GroundiffException(json + ": " + e.getMessage(), e);
        }
    }
}
