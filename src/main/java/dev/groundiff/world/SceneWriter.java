package dev.groundiff.world;

import com.google.gson.GsonBuilder;
import dev.groundiff.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes rendered scenes for people to look at: {@code NNNNNN.png}, one mask PNG per object
 * ({@code NNNNNN_<depth>_<category>.png}, white = visible pixels) and {@code scenes.json} with
 * captions, colours, boxes and mask areas.
 */
public final class SceneWriter {
    private SceneWriter() {}

    public static void writePng(Path file, BufferedImage img) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", bytes)) throw new IOException("no PNG writer for " + file);
        AtomicFiles.writeBytes(file, bytes.toByteArray());
    }

    /** Renders scenes with seeds {@code firstSeed .. firstSeed + count - 1} into {@code dir}. */
    public static void renderAll(Path dir, long firstSeed, int count, SceneSpec spec, Runnable onEach) throws IOException {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long seed = firstSeed + i;
            Scene s = SceneRenderer.render(seed, spec);
            String stem = String.format("%06d", i);
            writePng(dir.resolve(stem + ".png"), s.image());
            List<Map<String, Object>> objs = new ArrayList<>();
            for (SceneObject o : s.objects()) {
                String maskFile = stem + "_" + o.depth() + "_" + o.category() + ".png";
                writePng(dir.resolve(maskFile), o.mask().toGrayImage());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("category", o.category());
                m.put("colour", o.colour().word());
                m.put("depth", o.depth());
                m.put("bbox", new int[] {o.bbox().x(), o.bbox().y(), o.bbox().x1(), o.bbox().y1()});
                m.put("area", o.mask().area());
                m.put("mask", maskFile);
                objs.add(m);
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("image", stem + ".png");
            e.put("seed", seed);
            e.put("caption", s.caption());
            e.put("objects", objs);
            entries.add(e);
            if (onEach != null) onEach.run();
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("size", spec.size());
        root.put("first_seed", firstSeed);
        root.put("count", count);
        root.put("scenes", entries);
        AtomicFiles.writeString(dir.resolve("scenes.json"), new GsonBuilder().setPrettyPrinting().create().toJson(root));
    }

}
