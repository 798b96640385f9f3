package dev.groundiff.eval;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.RgbImage;
import dev.groundiff.data.VocPalette;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Draws masks over an image: each mask tinted in its colour (50 % blend) with its outline, and a
 * legend (colour swatch + label) in the lower-left corner. Also joins several such pictures side by
 * side under titles. Images smaller than {@link #MIN_SIDE} (the world's 64x64) are first enlarged by
 * an integer factor, pixels kept square, so that masks and legend stay readable. Uses only java.awt, headless.
 */
public final class Overlay {
    /** One mask to draw; {@code color} null picks {@link #color(int)} by position. */
    public record Layer(String label, BitMask mask, Color color) {
        public Layer(String label, BitMask mask) {
            this(label, mask, null);
        }
    }

    /** A titled picture for {@link #panel}. */
    public record Panel(String title, BufferedImage image) {}

    /** Overlays are at least this many pixels on their longer side. */
    public static final int MIN_SIDE = 192;

    private Overlay() {}

    /** Distinct colours: the VOC palette from entry 1 (red, green, yellow, blue, ...). */
    public static Color color(int i) {
        int[] c = VocPalette.color(1 + i % 254);
        // the first VOC colours are dark: lift them so labels stay readable on dark images
        return new Color(Math.min(255, c[0] + 64), Math.min(255, c[1] + 64), Math.min(255, c[2] + 64));
    }

    public static BufferedImage draw(RgbImage image, List<Layer> layers) {
        System.setProperty("java.awt.headless", "true");
        int side = Math.max(image.width(), image.height()), scale = Math.max(1, (MIN_SIDE + side - 1) / side);
        int w = image.width() * scale, h = image.height() * scale;
        BufferedImage out = enlarge(image.toBufferedImage(), scale);
        for (int k = 0; k < layers.size(); k++) {
            Layer l = layers.get(k);
            if (l.mask() == null) continue;
            BitMask m = l.mask().width() == w && l.mask().height() == h ? l.mask() : l.mask().resizeNearest(w, h);
            Color c = l.color() != null ? l.color() : color(k);
            int cr = c.getRed(), cg = c.getGreen(), cb = c.getBlue();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if (!m.getIndex(y * w + x)) continue;
                    boolean edge = x == 0 || y == 0 || x == w - 1 || y == h - 1
                            || !m.getIndex(y * w + x - 1) || !m.getIndex(y * w + x + 1)
                            || !m.getIndex((y - 1) * w + x) || !m.getIndex((y + 1) * w + x);
                    int p = out.getRGB(x, y);
                    int r, g, b;
                    if (edge) {
                        r = cr;
                        g = cg;
                        b = cb;
                    } else {
                        r = (((p >> 16) & 0xff) + cr) / 2;
                        g = (((p >> 8) & 0xff) + cg) / 2;
                        b = ((p & 0xff) + cb) / 2;
                    }
                    out.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
        }
        legend(out, layers);
        return out;
    }

    private static BufferedImage enlarge(BufferedImage in, int k) {
        if (k == 1) return in;
        BufferedImage out = new BufferedImage(in.getWidth() * k, in.getHeight() * k, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) for (int x = 0; x < out.getWidth(); x++) out.setRGB(x, y, in.getRGB(x / k, y / k));
        return out;
    }

    private static void legend(BufferedImage out, List<Layer> layers) {
        if (layers.isEmpty()) return;
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int size = Math.max(9, Math.min(14, out.getHeight() / 16));
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
            FontMetrics fm = g.getFontMetrics();
            int line = fm.getHeight(), pad = 3, sw = size;
            int textW = 0;
            for (Layer l : layers) textW = Math.max(textW, fm.stringWidth(label(l)));
            int boxW = pad * 3 + sw + textW, boxH = pad * 2 + line * layers.size();
            int x0 = 2, y0 = out.getHeight() - boxH - 2;
            g.setColor(new Color(0, 0, 0, 160));
            g.fillRect(x0, y0, boxW, boxH);
            for (int k = 0; k < layers.size(); k++) {
                Layer l = layers.get(k);
                Color c = l.color() != null ? l.color() : color(k);
                int y = y0 + pad + k * line;
                g.setColor(c);
                g.fillRect(x0 + pad, y + (line - sw) / 2, sw, sw);
                g.setColor(Color.WHITE);
                g.drawString(label(l), x0 + pad * 2 + sw, y + fm.getAscent());
            }
        } finally {
            g.dispose();
        }
    }

    private static String label(Layer l) {
        return l.mask() == null ? l.label() + " (none)" : l.label();
    }

    /** Pictures side by side, each under its title, on a white strip. */
    public static BufferedImage panel(List<Panel> panels) {
        System.setProperty("java.awt.headless", "true");
        int gap = 4, titleH = 16;
        int w = gap, h = 0;
        for (Panel p : panels) {
            w += p.image().getWidth() + gap;
            h = Math.max(h, p.image().getHeight());
        }
        BufferedImage out = new BufferedImage(Math.max(1, w), h + titleH + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            g.setStroke(new BasicStroke(1));
            int x = gap;
            for (Panel p : panels) {
                g.setColor(Color.DARK_GRAY);
                g.drawString(p.title(), x, titleH - 4);
                g.drawImage(p.image(), x, titleH, null);
                x += p.image().getWidth() + gap;
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    public static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
