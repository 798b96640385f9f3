package dev.groundiff.eval;

import dev.groundiff.data.BitMask;
import dev.groundiff.data.Split;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IouAccumulatorTest {
    static final Split SPLIT = Split.pascal(1); // unseen: tvmonitor, car, dog, sofa, train

    /** A 4x4 mask with the given row-major pixels set. */
    static BitMask px(int... idx) {
        BitMask.Builder b = new BitMask.Builder(4, 4);
        for (int i : idx) b.setIndex(i);
        return b.build();
    }

    static Map<String, BitMask> map(Object... kv) {
        Map<String, BitMask> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], (BitMask) kv[i + 1]);
        return m;
    }

    static IouAccumulator.CategoryIou cat(IouAccumulator.GroupIou g, String c) {
        return g.categories().stream().filter(x -> x.category().equals(c)).findFirst().orElseThrow();
    }

    @Test
    void groups() {
        assertEquals(Group.ONE_SEEN, Group.of(List.of("cat"), SPLIT::isUnseen));
        assertEquals(Group.ONE_UNSEEN, Group.of(List.of("dog"), SPLIT::isUnseen));
        assertEquals(Group.TWO_SEEN, Group.of(List.of("cat", "bus"), SPLIT::isUnseen));
        assertEquals(Group.TWO_MIXED, Group.of(List.of("dog", "bus"), SPLIT::isUnseen));
        assertEquals(Group.TWO_MIXED, Group.of(List.of("bus", "dog"), SPLIT::isUnseen));
        assertEquals(Group.TWO_UNSEEN, Group.of(List.of("dog", "car"), SPLIT::isUnseen));
        assertEquals(Group.TWO_SEEN, Group.of(List.of("bus", "bus"), SPLIT::isUnseen));
    }

    @Test
    void handComputedSums() {
        IouAccumulator acc = new IouAccumulator(SPLIT::isUnseen);
        // cat: prediction {0..3}, target {1..6}: I = {1,2,3}, U = {0..6}
        acc.addSample(List.of("cat"), map("cat", px(0, 1, 2, 3)), map("cat", px(1, 2, 3, 4, 5, 6)));        // I 3, U 7
        acc.addSample(List.of("cat"), map(), map("cat", px(8, 9)));                                        // empty prediction: I 0, U 2
        acc.addSample(List.of("dog"), map("dog", px(0, 1, 2)), map("dog", px()));                          // empty target: I 0, U 3
        acc.addSample(List.of("sofa"), map("sofa", px()), map("sofa", px()));                              // both empty: nothing
        acc.addSample(List.of("cat", "dog"), map("cat", px(0), "dog", px(1, 2, 3, 4, 5)), map("dog", px(1, 2, 3, 4, 5))); // cat missed: skipped
        acc.addSample(List.of("bus", "bus"), map("bus", px(0, 1)), map("bus", px(1)));                     // evaluated once: I 1, U 2
        IouAccumulator.Result r = acc.result();

        IouAccumulator.GroupIou one = r.groups().get(Group.ONE_SEEN);
        assertEquals(2, one.samples());
        assertEquals(3, cat(one, "cat").intersection());
        assertEquals(9, cat(one, "cat").union());
        assertEquals(1.0 / 3, one.miou().getAsDouble(), 1e-12); // dataset-level 3/9, not the per-image mean (3/7 + 0)/2

        IouAccumulator.GroupIou unseen = r.groups().get(Group.ONE_UNSEEN);
        assertEquals(0.0, cat(unseen, "dog").iou().getAsDouble());
        assertFalse(cat(unseen, "sofa").iou().isPresent());      // union 0 everywhere: undefined, left out
        assertEquals(0.0, unseen.miou().getAsDouble());          // over dog only, no NaN

        IouAccumulator.GroupIou mixed = r.groups().get(Group.TWO_MIXED);
        assertEquals(1, cat(mixed, "cat").skipped());
        assertEquals(0, cat(mixed, "cat").pairs());
        assertEquals(1.0, mixed.miou().getAsDouble());

        IouAccumulator.GroupIou two = r.groups().get(Group.TWO_SEEN);
        assertEquals(1, cat(two, "bus").pairs());
        assertEquals(0.5, two.miou().getAsDouble());

        IouAccumulator.GroupIou none = r.groups().get(Group.TWO_UNSEEN);
        assertEquals(0, none.samples());
        assertTrue(none.categories().isEmpty());                 // a category absent from the test set is not averaged
        assertFalse(none.miou().isPresent());

        IouAccumulator.GroupIou all = r.all();
        assertEquals(6, all.samples());
        assertEquals(5.0 / 8, cat(all, "dog").iou().getAsDouble(), 1e-12);
        // all: cat 3/9, dog 5/8, bus 1/2; sofa undefined
        assertEquals((1.0 / 3 + 5.0 / 8 + 0.5) / 3, all.miou().getAsDouble(), 1e-12);
    }
}
