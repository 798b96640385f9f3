package dev.groundiff.world.gen;

import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LrDecayTest {
    @Test
    void lastStepsScaleTheRateLinearlyDown() {
        LrDecay d = LrDecay.lastSteps(10, 4); // steps 7..10
        assertEquals(new LrDecay(6, 10), d);
        double[] f = new double[10];
        for (int s = 1; s <= 10; s++) f[s - 1] = d.factor(s);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1.0, 0.75, 0.5, 0.25}, f, 1e-12);
        assertEquals(0, d.factor(11)); // past the end; GenTrainer refuses to run there
        assertEquals(1, LrDecay.NONE.factor(Integer.MAX_VALUE - 1));
        assertSame(LrDecay.NONE, LrDecay.lastSteps(10, 0));
    }

    @Test
    void badDecaysAreClearErrors() {
        assertThrows(GroundiffException.class, () -> LrDecay.lastSteps(10, 11));
        assertThrows(GroundiffException.class, () -> LrDecay.lastSteps(10, -1));
        assertThrows(GroundiffException.class, () -> LrDecay.lastSteps(10, 1)); // its one step would run at the full rate
        assertThrows(GroundiffException.class, () -> new LrDecay(5, 5));
        assertThrows(GroundiffException.class, () -> LrDecay.parse("5"));
        assertThrows(GroundiffException.class, () -> LrDecay.parse("a-b"));
    }

    @Test
    void roundTripsThroughMetadata() {
        assertEquals("none", LrDecay.NONE.toString());
        assertEquals(LrDecay.NONE, LrDecay.parse("none"));
        assertEquals(LrDecay.NONE, LrDecay.parse(null));
        assertEquals(new LrDecay(16021, 18021), LrDecay.parse(new LrDecay(16021, 18021).toString()));
    }

    @Test
    void schedulesAgreeWhereNeitherHasStartedToDecay() {
        LrDecay a = new LrDecay(100, 200), b = new LrDecay(150, 300);
        assertTrue(a.agreesUpTo(b, 101)); // a decay's first step runs at the full rate
        assertFalse(a.agreesUpTo(b, 102));
        assertTrue(LrDecay.NONE.agreesUpTo(a, 101));
        assertFalse(LrDecay.NONE.agreesUpTo(a, 102));
        assertTrue(a.agreesUpTo(new LrDecay(100, 200), 250));
    }
}
