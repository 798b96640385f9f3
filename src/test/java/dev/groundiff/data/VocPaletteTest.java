package dev.groundiff.data;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VocPaletteTest {
    /** The VOC devkit colours of classes 0..20 and of 255 (void). */
    static final int[][] VOC = {
            {0, 0, 0}, {128, 0, 0}, {0, 128, 0}, {128, 128, 0}, {0, 0, 128}, {128, 0, 128}, {0, 128, 128},
            {128, 128, 128}, {64, 0, 0}, {192, 0, 0}, {64, 128, 0}, {192, 128, 0}, {64, 0, 128}, {192, 0, 128},
            {64, 128, 128}, {192, 128, 128}, {0, 64, 0}, {128, 64, 0}, {0, 192, 0}, {128, 192, 0}, {0, 64, 128}};

    @Test
    void classColours() {
        for (int i = 0; i < VOC.length; i++) assertArrayEquals(VOC[i], VocPalette.color(i), "class " + i);
        assertArrayEquals(new int[] {224, 224, 192}, VocPalette.color(255));
    }

    @Test
    void palettePngReadsBack() throws Exception {
        byte[] labels = {0, 1, 15, (byte) 255, 20, 7};
        byte[] png = VocPalette.pngBytes(3, 2, labels);
        BufferedImage im = ImageIO.read(new ByteArrayInputStream(png));
        assertTrue(im.getColorModel() instanceof IndexColorModel, "indexed colour PNG");
        IndexColorModel cm = (IndexColorModel) im.getColorModel();
        assertEquals(256, cm.getMapSize());
        int[] got = new int[6];
        im.getRaster().getPixels(0, 0, 3, 2, got);
        assertArrayEquals(new int[] {0, 1, 15, 255, 20, 7}, got);
        assertEquals(192, cm.getRed(15));
        assertEquals(128, cm.getGreen(15));
        assertEquals(128, cm.getBlue(15));
        assertEquals(0xFFC08080, im.getRGB(2, 0)); // class 15 rendered (192,128,128)
    }
}
