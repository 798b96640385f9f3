package dev.groundiff.data;

import dev.groundiff.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The PASCAL VOC colour map (the devkit's {@code labelcolormap}: bits of the class index spread over
 * the high bits of R, G and B) and indexed-colour PNGs that use it, as VOC's SegmentationClass files:
 * pixel value = class index, 0 = background, 255 = void/ignore (colour (224, 224, 192)).
 */
public final class VocPalette {
    public static final int IGNORE = 255;
    private static final byte[][] RGB = build();

    private VocPalette() {}

    private static byte[][] build() {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) {
            int c = i, rr = 0, gg = 0, bb = 0;
            for (int j = 0; j < 8; j++) {
                rr |= (c & 1) << (7 - j);
                gg |= ((c >> 1) & 1) << (7 - j);
                bb |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            r[i] = (byte) rr;
            g[i] = (byte) gg;
            b[i] = (byte) bb;
        }
        return new byte[][] {r, g, b};
    }

    /** {r, g, b} of palette entry {@code index} (0..255). */
    public static int[] color(int index) {
        return new int[] {RGB[0][index] & 0xff, RGB[1][index] & 0xff, RGB[2][index] & 0xff};
    }

    public static IndexColorModel colorModel() {
        return new IndexColorModel(8, 256, RGB[0], RGB[1], RGB[2]);
    }

    /** An indexed image holding {@code labels} (row-major, one byte per pixel). */
    public static BufferedImage image(int width, int height, byte[] labels) {
        if (labels.length != width * height) throw new IllegalArgumentException("need " + width * height + " labels, got " + labels.length);
        BufferedImage im = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_INDEXED, colorModel());
        byte[] data = ((DataBufferByte) im.getRaster().getDataBuffer()).getData();
        System.arraycopy(labels, 0, data, 0, labels.length);
        return im;
    }

    public static byte[] pngBytes(int width, int height, byte[] labels) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(image(width, height, labels), "png", out)) throw new IOException("no PNG writer");
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writePng(Path target, int width, int height, byte[] labels) throws IOException {
        AtomicFiles.writeBytes(target, pngBytes(width, height, labels));
    }
}
