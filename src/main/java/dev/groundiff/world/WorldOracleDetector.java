package dev.groundiff.world;

import dev.groundiff.GroundiffException;
import dev.groundiff.data.BitMask;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.Split;
import dev.groundiff.detect.Instance;
import dev.groundiff.detect.OracleDetector;
import dev.groundiff.io.Provenance;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The world's detector wherever the system takes an {@link OracleDetector}: the image is resized (area
 * average) to the detector's input size when it has another size, and every instance mask is resized
 * back (nearest) to the image, so the masks always match the image that was asked about.
 */
public final class WorldOracleDetector implements OracleDetector {
    private final WorldDetector detector;
    private final String id;

    public WorldOracleDetector(WorldDetector detector, String id) {
        this.detector = detector;
        this.id = id;
    }

    /** The detector folder {@code dir} ({@link DetectorModel}); its id names the weights by their hash. */
    public static WorldOracleDetector load(Path dir) {
        WorldDetector d = DetectorModel.load(dir);
        try {
            return new WorldOracleDetector(d, "world-detector sha256:" + Provenance.sha256(dir.resolve(DetectorModel.WEIGHTS)));
        } catch (IOException e) {
            throw new GroundiffException(dir.resolve(DetectorModel.WEIGHTS) + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** The detector shipped in {@code models/world/detector}. */
    public static WorldOracleDetector shipped() {
        return load(WorldModels.dir("detector"));
    }

    /** What made the masks (recorded in datasets and training metadata). */
    public String id() {
        return id;
    }

    public WorldDetector detector() {
        return detector;
    }

    /** Prompts naming a category the detector does not know would never get a mask: refuse such a split. */
    public void requireCovers(Split split) {
        List<String> known = detector.config().categories();
        List<String> missing = split.classes().stream().filter(c -> !known.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new GroundiffException("the world detector does not know " + missing.size() + " of split '" + split.name() + "''s classes (e.g. '"
                    + missing.get(0) + "'): use --split world:1, world:2 or world:3");
        }
    }

    @Override
    public List<Instance> detect(String name, RgbImage image) {
        int s = detector.config().imageSize();
        BufferedImage in = image.toBufferedImage();
        if (image.width() != s || image.height() != s) in = resizeArea(in, s, s);
        List<Instance> out = new ArrayList<>();
        for (DetectorInstance d : detector.detect(in)) {
            out.add(new Instance(d.category(), d.score(), d.mask().resizeNearest(image.width(), image.height())));
        }
        return out;
    }

    /**
     * Box-filter resize: each output pixel is the coverage-weighted mean of the input pixels under it
     * (a plain average for integer downscales such as 512 -> 64; nearest-like when enlarging).
     */
    static BufferedImage resizeArea(BufferedImage src, int width, int height) {
        int sw = src.getWidth(), sh = src.getHeight();
        double[][] wx = weights(sw, width), wy = weights(sh, height);
        int[] px = src.getRGB(0, 0, sw, sh, null, 0, sw);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double r = 0, g = 0, b = 0;
                for (int sy = 0; sy < sh; sy++) {
                    if (wy[y][sy] == 0) continue;
                    for (int sx = 0; sx < sw; sx++) {
                        double w = wy[y][sy] * wx[x][sx];
                        if (w == 0) continue;
                        int p = px[sy * sw + sx];
                        r += w * ((p >> 16) & 0xff);
                        g += w * ((p >> 8) & 0xff);
                        b += w * (p & 0xff);
                    }
                }
                out.setRGB(x, y, clamp(r) << 16 | clamp(g) << 8 | clamp(b));
            }
        }
        return out;
    }

    /** w[o][i]: the share of output cell o covered by input cell i (rows sum to 1). */
    private static double[][] weights(int in, int out) {
        double[][] w = new double[out][in];
        double scale = (double) in / out;
        for (int o = 0; o < out; o++) {
            double a = o * scale, b = (o + 1) * scale;
            for (int i = (int) Math.floor(a); i < Math.min(in, (int) Math.ceil(b)); i++) {
                w[o][i] = (Math.min(b, i + 1) - Math.max(a, i)) / scale;
            }
        }
        return w;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
