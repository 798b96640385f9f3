package dev.groundiff.world;

import java.awt.image.BufferedImage;

/** Conversions between images and the float layouts the models use. */
public final class Images {
    private Images() {}

    /** RGB in [0, 1], channel-major (3 x H x W). */
    public static float[] toChw(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight(), n = w * h;
        float[] out = new float[3 * n];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int i = y * w + x;
                out[i] = ((p >> 16) & 0xff) / 255f;
                out[n + i] = ((p >> 8) & 0xff) / 255f;
                out[2 * n + i] = (p & 0xff) / 255f;
            }
        }
        return out;
    }
}
