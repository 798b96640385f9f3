package dev.groundiff.data.export;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.CocoRle;
import dev.groundiff.data.DatasetRecord;
import dev.groundiff.data.Vocabulary;
import dev.groundiff.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;

/**
 * COCO instance annotations as pycocotools, detectron2 ({@code load_coco_json}, mask format
 * "bitmask") and mmdetection read them:
 * <pre>
 * images/00000000.jpg
 * annotations.json   {"info", "images": [{id, file_name, width, height}],
 *                     "annotations": [{id, image_id, category_id, segmentation: {size: [h, w], counts: "RLE"},
 *                                      area, bbox: [x, y, w, h], iscrowd: 0}],
 *                     "categories": [{id, name, supercategory}]}
 * </pre>
 * One annotation per category mask of a record (one mask per category: the oracle's target; empty
 * masks and missed categories get none). Image ids are record index + 1 and annotation ids count
 * from 1 (pycocotools' evaluation treats id 0 as "no match"). Category ids are the vocabulary's
 * ({@link Vocabulary#categoryId}: COCO's own ids for the COCO vocabulary).
 */
public final class CocoExport {
    private CocoExport() {}

    public static JsonObject build(Iterable<DatasetRecord> records, Vocabulary vocabulary) {
        JsonArray images = new JsonArray(), anns = new JsonArray(), cats = new JsonArray();
        long annId = 1;
        for (DatasetRecord r : records) {
            long imageId = r.index() + 1;
            JsonObject im = new JsonObject();
            im.addProperty("id", imageId);
            im.addProperty("file_name", VocExport.imageId(r.index()) + ".jpg");
            im.addProperty("width", r.image().width());
            im.addProperty("height", r.image().height());
            images.add(im);
            for (String c : new LinkedHashSet<>(r.categories())) {
                BitMask m = r.masks().get(c);
                if (m == null || m.isEmpty()) continue;
                CocoRle rle = CocoRle.encode(m);
                JsonObject seg = new JsonObject();
                JsonArray size = new JsonArray();
                size.add(rle.height());
                size.add(rle.width());
                seg.add("size", size);
                seg.addProperty("counts", rle.toCompressedString());
                BitMask.Box b = rle.bbox();
                JsonArray bbox = new JsonArray();
                bbox.add((double) b.x());
                bbox.add((double) b.y());
                bbox.add((double) b.width());
                bbox.add((double) b.height());
                JsonObject a = new JsonObject();
                a.addProperty("id", annId++);
                a.addProperty("image_id", imageId);
                a.addProperty("category_id", vocabulary.categoryId(c));
                a.add("segmentation", seg);
                a.addProperty("area", (double) rle.area());
                a.add("bbox", bbox);
                a.addProperty("iscrowd", 0);
                anns.add(a);
            }
        }
        for (String c : vocabulary.classes()) {
            JsonObject o = new JsonObject();
            o.addProperty("id", vocabulary.categoryId(c));
            o.addProperty("name", c);
            o.addProperty("supercategory", "object");
            cats.add(o);
        }
        JsonObject info = new JsonObject();
        info.addProperty("description", "Groundiff synthetic dataset (" + vocabulary.name() + ")");
        JsonObject root = new JsonObject();
        root.add("info", info);
        root.add("images", images);
        root.add("annotations", anns);
        root.add("categories", cats);
        return root;
    }

    /** Writes images/ and annotations.json; returns the number of annotations. */
    public static int write(Iterable<DatasetRecord> records, Vocabulary vocabulary, Path out) throws IOException {
        Path images = out.resolve("images");
        Files.createDirectories(images);
        for (DatasetRecord r : records) AtomicFiles.writeBytes(images.resolve(VocExport.imageId(r.index()) + ".jpg"), r.image().jpeg());
        JsonObject root = build(records, vocabulary);
        AtomicFiles.writeString(out.resolve("annotations.json"), new GsonBuilder().disableHtmlEscaping().create().toJson(root));
        return root.getAsJsonArray("annotations").size();
    }
}
