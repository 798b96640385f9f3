package dev.groundiff.world;

import dev.groundiff.data.BitMask;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Draws instances over an image for people to check: tinted masks, boxes and labels, enlarged. */
public final class Overlay {
    private static final Color[] PALETTE = {
            new Color(230, 25, 75), new Color(60, 180, 75), new Color(0, 130, 200), new Color(245, 130, 48),
            new Color(145, 30, 180), new Color(70, 240, 240), new Color(240, 50, 230), new Color(210, 245, 60)};

    private Overlay() {}

    public static BufferedImage draw(BufferedImage image, List<DetectorInstance> instances, int scale) {
        int w = image.getWidth(), h = image.getHeight();
        BufferedImage out = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image, 0, 0, w * scale, h * scale, null);
        for (int i = 0; i < instances.size(); i++) {
            DetectorInstance inst = instances.get(i);
            Color c = PALETTE[i % PALETTE.length];
            g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (inst.mask().get(x, y)) g.fillRect(x * scale, y * scale, scale, scale);
            g.setColor(c);
            g.setStroke(new BasicStroke(2));
            BitMask.Box b = inst.bbox();
            g.drawRect(b.x() * scale, b.y() * scale, b.width() * scale - 1, b.height() * scale - 1);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            g.drawString(String.format(java.util.Locale.ROOT, "%s %.2f", inst.category(), inst.score()), b.x() * scale + 3, Math.max(11, b.y() * scale - 3));
        }
        g.dispose();
        return out;
    }
}
