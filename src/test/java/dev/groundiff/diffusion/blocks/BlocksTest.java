package dev.groundiff.diffusion.blocks;

import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Behaviour the fixture models do not reach: odd embedding widths, the VAE-style downsampler on odd sizes, capture scoping. */
class BlocksTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void timestepFeaturesFollowTheFormula() {
        long[] ts = {0, 7, 981};
        int dim = 7; // odd: diffusers pads one zero column
        float[] got = Tensors.toFloats(new Timesteps(dim, true, 1).forward(Tensors.fromLongs(ts, 3)));
        int half = dim / 2;
        for (int b = 0; b < ts.length; b++) {
            for (int i = 0; i < half; i++) {
                double arg = ts[b] * Math.exp(-Math.log(10000) * i / (half - 1.0));
                assertEquals(Math.cos(arg), got[b * dim + i], 2e-4 * Math.max(1, ts[b] / 100.0), "cos " + b + "," + i);
                assertEquals(Math.sin(arg), got[b * dim + half + i], 2e-4 * Math.max(1, ts[b] / 100.0), "sin " + b + "," + i);
            }
            assertEquals(0f, got[b * dim + dim - 1]);
        }
        float[] unflipped = Tensors.toFloats(new Timesteps(4, false, 0).forward(Tensors.fromLongs(new long[] {3}, 1)));
        assertEquals(Math.sin(3), unflipped[0], 1e-6);
        assertEquals(Math.cos(3), unflipped[2], 1e-6);
    }

    @Test
    void vaeDownsamplerPadsBottomRight() {
        Downsample2D d = new Downsample2D(ParamFactory.random(1), 2, 0);
        Tensor x = Tensors.fromFloats(new float[2 * 5 * 7], 1, 2, 5, 7);
        assertArrayEquals(new long[] {1, 2, 2, 3}, Tensors.shape(d.forward(x, Capture.NONE)));
        Downsample2D u = new Downsample2D(ParamFactory.random(1), 2, 1);
        assertArrayEquals(new long[] {1, 2, 3, 4}, Tensors.shape(u.forward(x, Capture.NONE)));
    }

    @Test
    void captureScopesPathsAndNoneCollectsNothing() {
        assertSame(Capture.NONE, Capture.NONE.at("down_blocks", 0).at("resnets"));
        assertSame(Capture.NONE, Capture.of(null, null));
        Map<String, Tensor> outs = new HashMap<>();
        Capture c = Capture.of(outs, null).at("down_blocks", 1).at("attentions", 0);
        Tensor t = Tensors.fromFloats(new float[] {1}, 1);
        assertSame(t, c.output(t));
        c.output(":res_samples.2", t);
        assertEquals(java.util.Set.of("down_blocks.1.attentions.0", "down_blocks.1.attentions.0:res_samples.2"), outs.keySet());
        assertFalse(c.wantsAttentionProbs());
    }
}
