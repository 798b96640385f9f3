package dev.groundiff.cli;

import com.google.gson.GsonBuilder;
import dev.groundiff.GroundiffException;
import dev.groundiff.world.DetectorInstance;
import dev.groundiff.world.DetectorModel;
import dev.groundiff.world.Overlay;
import dev.groundiff.world.SceneWriter;
import dev.groundiff.world.WorldDetector;
import dev.groundiff.world.WorldModels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code groundiff detect}: the oracle detector on one image; instances as JSON, an overlay PNG. */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Find the objects in an image with the world detector: prints instances as JSON (category, score, box, mask area) and writes an overlay PNG.")
public final class DetectCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--image", required = true, description = "input image (PNG, JPEG, ...), as large as the detector's input (64x64 for the world)")
    Path image;
    @Option(names = "--model", description = "detector folder (default: models/world/detector of this checkout)")
    Path model;
    @Option(names = "--out", defaultValue = ".", description = "folder for <image>.detect.png and one mask PNG per instance (default: the working folder)")
    Path out;

    @Override
    public Integer call() throws IOException {
        BufferedImage img = read(image);
        Path dir = model != null ? model : WorldModels.dir("detector");
        WorldDetector d = DetectorModel.load(dir);
        List<DetectorInstance> found = d.detect(img);
        String stem = image.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        List<Map<String, Object>> list = new ArrayList<>();
        for (DetectorInstance inst : found) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("category", inst.category());
            m.put("score", Math.round(inst.score() * 10000) / 10000.0);
            m.put("box", new int[] {inst.bbox().x(), inst.bbox().y(), inst.bbox().x1(), inst.bbox().y1()});
            m.put("mask_area", inst.mask().area());
            String maskFile = stem + ".mask_" + inst.category() + ".png";
            SceneWriter.writePng(out.resolve(maskFile), inst.mask().toGrayImage());
            m.put("mask", maskFile);
            list.add(m);
        }
        Path overlay = out.resolve(stem + ".detect.png");
        SceneWriter.writePng(overlay, Overlay.draw(img, found, 6));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("image", image.toString());
        root.put("model", dir.toString());
        root.put("overlay", overlay.toString());
        root.put("instances", list);
        spec.commandLine().getOut().println(new GsonBuilder().setPrettyPrinting().create().toJson(root));
        return 0;
    }

    private static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) throw new GroundiffException(file + ": no such file");
        try {
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) throw new GroundiffException(file + ": not an image format Java can read (PNG, JPEG, BMP, GIF)");
            return img;
        } catch (IOException e) {
            throw new GroundiffException(file + ": cannot read image: " + e.getMessage(), e);
        }
    }
}
