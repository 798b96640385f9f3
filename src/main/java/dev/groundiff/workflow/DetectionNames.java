package dev.groundiff.workflow;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.data.RgbImage;
import dev.groundiff.detect.CocoDetections;
import dev.groundiff.detect.Instance;
import dev.groundiff.detect.OracleDetector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names a dataset gives its images, so that an external detector's COCO output can be matched
 * to them: record {@code i} is {@code %08d.png} (e.g. {@code 00000012.png}), the file name inside the
 * shard's {@code images/} folder. {@code groundiff export --format coco|voc} writes the same images as
 * {@code %08d.jpg}; detections may use either name. Names are global over the dataset, not per shard.
 */
public final class DetectionNames {
    private static final Pattern NAME = Pattern.compile("(?:.*/)?(\\d{8})\\.(png|jpg)");

    private DetectionNames() {}

    /** The canonical file name of record {@code index}. */
    public static String fileName(long index) {
        return String.format(Locale.ROOT, "%08d.png", index);
    }

    /** The exported (JPEG) file name of record {@code index}. */
    public static String exportedName(long index) {
        return String.format(Locale.ROOT, "%08d.jpg", index);
    }

    /**
     * Checks an imported detections file against a dataset of {@code count} records before anything is
     * generated: every image it lists must name a record, and every record must be listed (with no
     * annotations when nothing was found). Returns a detector that looks records up by index.
     */
    public static OracleDetector forDataset(CocoDetections detections, Path file, long count) {
        List<String> listed = listedNames(file);
        for (String n : listed) {
            Matcher m = NAME.matcher(n);
            if (!m.matches() || Long.parseLong(m.group(1)) >= count) {
                throw new GroundiffException(file + ": image '" + n + "' is not an image of this dataset (names are " + fileName(0) + " .. "
                        + fileName(Math.max(0, count - 1)) + " or the same with .jpg)");
            }
        }
        for (long i = 0; i < count; i++) {
            if (!detections.contains(fileName(i)) && !detections.contains(exportedName(i))) {
                throw new GroundiffException(file + ": no entry for image " + fileName(i) + " (every dataset image must be in \"images\", with no annotations if nothing was found)");
            }
        }
        return (name, image) -> detect(detections, name, image);
    }

    private static List<Instance> detect(CocoDetections d, String name, RgbImage image) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) throw new IllegalArgumentException("not a dataset image name: " + name);
        long i = Long.parseLong(m.group(1));
        return d.contains(fileName(i)) ? d.detect(fileName(i), image) : d.detect(exportedName(i), image);
    }

    private static List<String> listedNames(Path file) {
        try {
            JsonObject root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            List<String> out = new ArrayList<>();
            for (JsonElement e : root.getAsJsonArray("images")) out.add(e.getAsJsonObject().get("file_name").getAsString());
            return out;
        } catch (IOException e) {
            throw new GroundiffException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
