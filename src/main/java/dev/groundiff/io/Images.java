package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Conversions between image tensors (CHW, values in [0, 1]) and RGB images / PNG files. */
public final class Images {
    private Images() {}

    /**
     * A [3, H, W] tensor in [0, 1] as an 8-bit RGB image, rounded as diffusers' {@code numpy_to_pil}
     * does ({@code (x * 255).round()}), so the PNG pixels equal the reference pipeline's.
     */
    public static BufferedImage toImage(Tensor chw) {
        long[] s = Tensors.shape(chw);
        if (s.length != 3 || s[0] != 3) throw new IllegalArgumentException("expected a [3, H, W] image, got " + Tensors.shapeString(chw));
        int h = (int) s[1], w = (int) s[2];
        float[] v = Tensors.toFloats(chw);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                img.setRGB(x, y, (to8(v[i]) << 16) | (to8(v[plane + i]) << 8) | to8(v[2 * plane + i]));
            }
        }
        return img;
    }

    private static int to8(float x) {
        float c = Math.min(1f, Math.max(0f, x)) * 255f;
        return (int) Math.rint(c); // round half to even, as numpy's round
    }

    /** An RGB image as channel-major floats in [0, 1] (3 x H x W), the layout the models take. */
    public static float[] toChw(BufferedImage img) {
        int h = img.getHeight(), w = img.getWidth(), plane = h * w;
        float[] v = new float[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y), i = y * w + x;
                v[i] = ((rgb >> 16) & 255) / 255f;
                v[plane + i] = ((rgb >> 8) & 255) / 255f;
                v[2 * plane + i] = (rgb & 255) / 255f;
            }
        }
        return v;
    }

    /** An RGB image as a float32 [3, H, W] tensor in [0, 1]. */
    public static Tensor toTensor(BufferedImage img) {
        return Tensors.fromFloats(toChw(img), 3, img.getHeight(), img.getWidth());
    }

    public static byte[] pngBytes(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding failed", e);
        }
    }

    /** Writes a PNG atomically. */
    public static void writePng(BufferedImage img, Path file) throws IOException {
        AtomicFiles.writeBytes(file, pngBytes(img));
    }

    public static BufferedImage read(Path file) {
        try {
            if (!Files.isRegularFile(file)) throw new GroundiffException(file + ": no such image file");
            BufferedImage img = ImageIO.read(file.toFile());
            if (img == null) throw new GroundiffException(file + ": not an image format Java can read (use PNG or JPEG)");
            return img;
        } catch (IOException e) {
            throw new GroundiffException(file + ": cannot read image: " + e.getMessage(), e);
        }
    }
}
