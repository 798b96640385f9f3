package dev.groundiff.grounding;

import dev.groundiff.GroundiffException;
import dev.groundiff.io.SafeTensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GroundingCheckpointTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void safetensorsRoundTripKeepsOfficialNamesAndConfig(@TempDir Path dir) throws Exception {
        GroundingFixture fx = new GroundingFixture();
        GroundingModule m = fx.module("reduced", BatchNormMode.BATCH);
        Path p = dir.resolve("g.safetensors");
        GroundingCheckpoint.save(m, p);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertTrue(st.contains("transfromer_decoder.layers.2.multihead_attn.in_proj_weight"));
            assertTrue(st.contains("mid_feature_mix_conv.conv1.u0"));
            assertEquals(90, st.entries().size());
        }
        GroundingModule back = GroundingCheckpoint.load(p, BatchNormMode.RUNNING);
        assertEquals(fx.config("reduced"), back.config(), "config rebuilt from the file's metadata");
        assertEquals(BatchNormMode.RUNNING, back.batchNormMode());
        Map<String, Tensor> a = m.stateDict(), b = back.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertTrue(torch.equal(a.get(k), b.get(k)), k);
    }

    @Test
    void checkpointOfAnotherArchitectureNamesTheKey(@TempDir Path dir) throws Exception {
        GroundingFixture fx = new GroundingFixture();
        Path p = dir.resolve("reduced.safetensors");
        GroundingCheckpoint.save(fx.module("reduced", BatchNormMode.BATCH), p);
        GroundiffException e = assertThrows(GroundiffException.class,
                () -> GroundingCheckpoint.load(p, GroundingConfig.sdV1(), BatchNormMode.BATCH));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'high_feature_conv.0.weight' has shape [8, 104, 1, 1], the model expects [64, 8320, 1, 1]"),
                e.getMessage());

        // a different module altogether (here: an SD-like UNet key set) is refused by name too
        Path other = dir.resolve("other.safetensors");
        SafeTensors.write(other, Map.of("conv_in.weight", torch.zeros(4, 4, 3, 3)), Map.of());
        e = assertThrows(GroundiffException.class, () -> GroundingCheckpoint.load(other, fx.config("reduced"), BatchNormMode.BATCH));
        assertTrue(e.getMessage().contains("not a grounding-module checkpoint") && e.getMessage().contains("'conv_in.weight'"), e.getMessage());
    }

    @Test
    void officialPthGivesTheFormulaWeights() {
        GroundingFixture fx = new GroundingFixture();
        Path pth = fx.dir.resolve("grounding_official_format.pth");
        GroundingModule loaded = GroundingCheckpoint.load(pth, fx.config("reduced"), BatchNormMode.BATCH);
        Map<String, Tensor> expected = fx.module("reduced", BatchNormMode.BATCH).stateDict();
        Map<String, Tensor> got = loaded.stateDict();
        assertEquals(expected.keySet(), got.keySet());
        for (String k : expected.keySet()) assertTrue(torch.equal(expected.get(k), got.get(k)), k + " differs from the formula");

        GroundiffException e = assertThrows(GroundiffException.class, () -> GroundingCheckpoint.load(pth, BatchNormMode.BATCH));
        assertTrue(e.getMessage().contains("the model expects"), "the .pth has no config; SD v1 is assumed and refused: " + e.getMessage());
    }

    @Test
    void missingFileIsAUserError(@TempDir Path dir) {
        assertThrows(GroundiffException.class, () -> GroundingCheckpoint.load(dir.resolve("nope.pth"), BatchNormMode.BATCH));
    }

    @Test
    void metaModuleIsNotNeededForLoading() {
        // sanity: an uninitialised full-size module can be built (what load() does before copying)
        assertEquals(240, new GroundingModule(GroundingConfig.sdV1(), ParamFactory.meta()).config().featureChannels());
    }
}
