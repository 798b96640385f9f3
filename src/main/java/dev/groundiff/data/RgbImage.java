package dev.groundiff.data;

import dev.groundiff.GroundiffException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/** An 8-bit RGB image, row-major, 3 bytes per pixel (R, G, B). */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad image size " + width + "x" + height);
        if (rgb.length != 3 * width * height) throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs " + 3 * width * height + " bytes, got " + rgb.length);
    }

    public static RgbImage of(BufferedImage im) {
        int w = im.getWidth(), h = im.getHeight();
        byte[] out = new byte[3 * w * h];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            im.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x], o = 3 * (y * w + x);
                out[o] = (byte) (p >> 16);
                out[o + 1] = (byte) (p >> 8);
                out[o + 2] = (byte) p;
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Decodes PNG (or any format ImageIO reads); {@code what} names the source in errors. */
    public static RgbImage decode(byte[] encoded, String what) {
        try {
            BufferedImage im = ImageIO.read(new ByteArrayInputStream(encoded));
            if (im == null) throw new GroundiffException(what + ": not a readable image");
            return of(im);
        } catch (IOException e) {
            throw new GroundiffException(what + ": cannot decode image: " + e.getMessage(), e);
        }
    }

    public BufferedImage toBufferedImage() {
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int o = 3 * (y * width + x);
                row[x] = (rgb[o] & 0xff) << 16 | (rgb[o + 1] & 0xff) << 8 | (rgb[o + 2] & 0xff);
            }
            im.setRGB(0, y, width, 1, row, 0, width);
        }
        return im;
    }

    /** PNG bytes; ImageIO writes no timestamp, so equal pixels give equal bytes. */
    public byte[] png() {
        return encode("png");
    }

    public byte[] jpeg() {
        return encode("jpeg");
    }

    private byte[] encode(String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(toBufferedImage(), format, out)) throw new IOException("no " + format + " writer");
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.rgb, rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
