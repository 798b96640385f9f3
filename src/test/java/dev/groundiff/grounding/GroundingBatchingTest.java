package dev.groundiff.grounding;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Several images in one call give each image exactly what it gets alone (the official code cannot batch). */
class GroundingBatchingTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void batchOfTwoEqualsEachImageAlone() {
        GroundingFixture fx = new GroundingFixture();
        ReferenceFormula f = fx.formula();
        ReferenceFormula g = new ReferenceFormula(fx.seed + 12345);
        int mc = fx.modelChannels("reduced");
        Map<String, List<Tensor>> a = f.features(mc), b = g.features(mc);
        Map<String, List<Tensor>> both = new LinkedHashMap<>();
        for (String k : a.keySet()) {
            List<Tensor> taps = new ArrayList<>();
            for (int i = 0; i < a.get(k).size(); i++) {
                Tensor x = a.get(k).get(i), y = b.get(k).get(i);
                // CFG layout: [uncond a, uncond b, cond a, cond b]
                taps.add(torch.cat(new TensorVector(x.narrow(0, 0, 1), y.narrow(0, 0, 1), x.narrow(0, 1, 1), y.narrow(0, 1, 1)), 0));
            }
            both.put(k, taps);
        }
        Tensor qa = f.text().select(0, 0);                 // [2, 768]
        Tensor qb = g.text().select(0, 0).narrow(0, 0, 1); // [1, 768]: a different number of categories
        for (BatchNormMode mode : BatchNormMode.values()) {
            GroundingModule m = fx.module("reduced", mode);
            m.train(false);
            try (var ng = Torch.noGrad()) {
                Tensor aloneA = m.forward(a, qa.unsqueeze(0)).select(0, 0);
                Tensor aloneB = m.forward(b, qb.unsqueeze(0)).select(0, 0);
                List<Tensor> batched = m.forward(both, List.of(qa, qb));
                assertEquals(2, batched.size());
                assertArrayEquals(new long[] {2, 512, 512}, Tensors.shape(batched.get(0)));
                assertArrayEquals(new long[] {1, 512, 512}, Tensors.shape(batched.get(1)));
                GroundingFixture.assertClose(mode + " image 0", batched.get(0), aloneA);
                GroundingFixture.assertClose(mode + " image 1", batched.get(1), aloneB);
                assertTrue(Tensors.maxAbs(aloneA.narrow(0, 0, 1).sub(aloneB)) > 1e-3, "the two images really differ");
            }
        }
    }
}
