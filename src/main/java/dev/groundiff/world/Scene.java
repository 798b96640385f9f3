package dev.groundiff.world;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A rendered scene: an sRGB image, its objects with exact visible masks, and a caption naming them.
 * Objects are listed back to front.
 */
public record Scene(BufferedImage image, List<SceneObject> objects, String caption) {
    public Scene {
        objects = List.copyOf(objects);
    }

    public int width() {
        return image.getWidth();
    }

    public int height() {
        return image.getHeight();
    }

    /** The image as float RGB in [0, 1], channel-major (3 x H x W): the layout of a CHW tensor. */
    public float[] rgbChw() {
        return dev.groundiff.io.Images.toChw(image);
    }

    /**
     * The per-pixel class map (row-major): 0 for background, otherwise {@link ShapeCategory#classIndex()}
     * of the object visible there.
     */
    public int[] classMap() {
        return classMap(WorldCategories.names());
    }

    /** The class map with class {@code k} = {@code categories.get(k - 1)} (a model's own class order). */
    public int[] classMap(List<String> categories) {
        int w = width(), h = height();
        int[] map = new int[w * h];
        for (SceneObject o : objects) {
            int cls = categories.indexOf(o.category()) + 1;
            if (cls == 0) throw new IllegalArgumentException("scene object '" + o.category() + "' is not among the classes " + categories);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (o.mask().get(x, y)) map[y * w + x] = cls;
        }
        return map;
    }
}
