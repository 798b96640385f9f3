package dev.groundiff.data;

import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CocoRleTest {
    /**
     * 3x3 mask (rows): 010 / 011 / 000. Column-major pixels: 000 110 010, so the counts are
     * [3, 2, 2, 1, 1]. String: 3 -> '3', 2 -> '2', 2 -> '2', then deltas to two back: 1-2 = -1 ->
     * 5-bit 31, no continuation (sign bit set and rest -1) -> chr(48+31) = 'O', again 'O'.
     */
    @Test
    void handComputedEncoding() {
        BitMask m = BitMask.of(new boolean[][] {{false, true, false}, {false, true, true}, {false, false, false}});
        CocoRle r = CocoRle.encode(m);
        assertArrayEquals(new long[] {3, 2, 2, 1, 1}, r.counts());
        assertEquals("322OO", r.toCompressedString());
        assertEquals(3, r.area());
        assertEquals(new BitMask.Box(1, 0, 2, 2), r.bbox());
        assertEquals(m.bbox(), r.bbox());
        assertEquals(m, CocoRle.fromCompressedString("322OO", 3, 3).decode());
    }

    /** 100 = 0b00011_00100: low group 4 with the continuation bit (4|32 = 36 -> 'T'), then 3 -> '3'. */
    @Test
    void multiCharacterCounts() {
        CocoRle r = new CocoRle(15, 7, new long[] {100, 5});
        assertEquals("T35", r.toCompressedString());
        assertArrayEquals(new long[] {100, 5}, CocoRle.fromCompressedString("T35", 15, 7).counts());
        // a mask that starts with foreground begins with an empty zero run
        BitMask full = BitMask.threshold(2, 2, new float[] {1, 1, 1, 1}, 0.5);
        assertArrayEquals(new long[] {0, 4}, CocoRle.encode(full).counts());
        assertEquals("04", CocoRle.encode(full).toCompressedString());
    }

    @Test
    void randomRoundTrips() {
        Random rnd = new Random(3);
        for (int k = 0; k < 50; k++) {
            int w = 1 + rnd.nextInt(40), h = 1 + rnd.nextInt(40);
            BitMask.Builder b = new BitMask.Builder(w, h);
            double p = rnd.nextDouble();
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) if (rnd.nextDouble() < p) b.set(x, y);
            BitMask m = b.build();
            CocoRle r = CocoRle.encode(m);
            CocoRle back = CocoRle.fromCompressedString(r.toCompressedString(), h, w);
            assertEquals(r, back);
            assertEquals(m, back.decode());
            assertEquals(m.area(), r.area());
            assertEquals(m.bbox(), r.bbox());
        }
    }

    @Test
    void badInput() {
        assertThrows(GroundiffException.class, () -> new CocoRle(2, 2, new long[] {1, 2}));
        assertThrows(GroundiffException.class, () -> CocoRle.fromCompressedString("3 2", 3, 3));
        assertThrows(GroundiffException.class, () -> CocoRle.fromCompressedString("T", 15, 7)); // ends inside a count
    }

    /** An integer box polygon covers exactly the box's pixels (pycocotools' frBbox property). */
    @Test
    void polygonOfABox() {
        BitMask m = CocoRle.fromPolygon(new double[] {1, 1, 1, 4, 4, 4, 4, 1}, 6, 6).decode();
        assertEquals(9, m.area());
        assertEquals(new BitMask.Box(1, 1, 3, 3), m.bbox());
        // the same box traced the other way round
        assertEquals(m, CocoRle.fromPolygon(new double[] {1, 1, 4, 1, 4, 4, 1, 4}, 6, 6).decode());
    }

    @Test
    void polygonOfATriangle() {
        // right triangle (0,0)-(10,0)-(0,10): pixels whose centre is below the hypotenuse x + y < 10
        BitMask m = CocoRle.fromPolygon(new double[] {0, 0, 10, 0, 0, 10}, 12, 12).decode();
        int inside = 0;
        for (int y = 0; y < 12; y++) for (int x = 0; x < 12; x++) if (x + 0.5 + y + 0.5 < 10 - 1e-9) inside++;
        // rasterisers disagree only on pixels the edge passes through the centre of (x + y + 1 == 10)
        long diff = Math.abs(m.area() - inside);
        org.junit.jupiter.api.Assertions.assertTrue(diff <= 10, "area " + m.area() + " vs " + inside);
        assertEquals(true, m.get(0, 0));
        assertEquals(false, m.get(9, 9));
        assertThrows(GroundiffException.class, () -> CocoRle.fromPolygon(new double[] {0, 0, 1, 1}, 4, 4));
    }
}
