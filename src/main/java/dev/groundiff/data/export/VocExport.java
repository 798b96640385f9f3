package dev.groundiff.data.export;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.VocPalette;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The PASCAL VOC segmentation layout that mmsegmentation's {@code PascalVOCDataset} and the VOC devkit read:
 * <pre>
 * JPEGImages/00000000.jpg
 * SegmentationClass/00000000.png     palette PNG: 0 background, vocabulary index + 1 per class, 255 ignore
 * ImageSets/Segmentation/train.txt   one image id per line
 * class_names.txt                    background, then the vocabulary's classes (label value = line number - 1)
 * </pre>
 * Ignore (255): pixels claimed by two different categories' masks; and, when the detector missed a
 * category the prompt names, every pixel not labelled by another mask (that object is somewhere in
 * the image, so background is unknown).
 */
public final class VocExport {
    private VocExport() {}

    public static String imageId(long index) {
        return String.format(Locale.ROOT, "%08d", index);
    }

    /** Label values of one record, row-major. */
    public static byte[] labels(DatasetRecord r, Vocabulary vocabulary) {
        RgbImage im = r.image();
        int n = im.width() * im.height();
        byte[] out = new byte[n];
        boolean missed = false;
        for (String c : r.categories()) {
            BitMask m = r.masks().get(c);
            if (m == null) {
                missed = true;
                continue;
            }
            byte v = (byte) (vocabulary.indexOf(c) + 1);
            for (int i = 0; i < n; i++) {
                if (!m.getIndex(i)) continue;
                if (out[i] == 0) out[i] = v;
                else if (out[i] != v) out[i] = (byte) VocPalette.IGNORE;
            }
        }
        if (missed) for (int i = 0; i < n; i++) if (out[i] == 0) out[i] = (byte) VocPalette.IGNORE;
        return out;
    }

    /** Writes the records; returns the number of images. */
    public static int write(Iterable<DatasetRecord> records, Vocabulary vocabulary, Path out, String listName) throws IOException {
        if (vocabulary.size() > 254) throw new IllegalArgumentException("a VOC label PNG holds at most 254 classes, the vocabulary has " + vocabulary.size());
        Path jpg = out.resolve("JPEGImages"), seg = out.resolve("SegmentationClass"), sets = out.resolve("ImageSets/Segmentation");
        Files.createDirectories(jpg);
        Files.createDirectories(seg);
        Files.createDirectories(sets);
        List<String> ids = new ArrayList<>();
        for (DatasetRecord r : records) {
            String id = imageId(r.index());
            AtomicFiles.writeBytes(jpg.resolve(id + ".jpg"), r.image().jpeg());
            VocPalette.writePng(seg.resolve(id + ".png"), r.image().width(), r.image().height(), labels(r, vocabulary));
            ids.add(id);
        }
        AtomicFiles.writeString(sets.resolve(listName + ".txt"), ids.isEmpty() ? "" : String.join("\n", ids) + "\n");
        List<String> names = new ArrayList<>();
        names.add("background");
        names.addAll(vocabulary.classes());
        AtomicFiles.writeString(out.resolve("class_names.txt"), String.join("\n", names) + "\n");
        return ids.size();
    }
}
