package dev.groundiff.diffusion;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.groundiff.diffusion.unet.UNet2DConditionModel;
import dev.groundiff.diffusion.unet.UNetConfig;
import dev.groundiff.diffusion.vae.AutoencoderKL;
import dev.groundiff.diffusion.vae.VaeConfig;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.torch.nn.StateDict;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Full-size SD v1.5 UNet and VAE built on the meta device from the real configs: every parameter
 * name and shape equals the diffusers manifest, and the tiny fixture models have the same key sets.
 */
class FullSizeManifestTest {
    static JsonObject manifest;
    static Path configs;

    @BeforeAll
    static void load() {
        Torch.init();
        Path dir = Fixtures.dir("sd15-manifest");
        manifest = ConfigReader.parseFile(dir.resolve("sd15_diffusers_keys.json"));
        configs = dir.resolve("configs");
    }

    static Map<String, String> expected(String part) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : manifest.getAsJsonObject(part).getAsJsonObject("keys").entrySet()) {
            out.put(e.getKey(), e.getValue().getAsJsonObject().get("shape").toString().replace(",", ", "));
        }
        return out;
    }

    static Map<String, String> actual(Module m) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, Tensor> e : StateDict.of(m).entrySet()) out.put(e.getKey(), Arrays.toString(Tensors.shape(e.getValue())));
        return out;
    }

    static void assertSameKeys(Map<String, String> want, Map<String, String> got, String what) {
        TreeMap<String, String> missing = new TreeMap<>(want);
        missing.keySet().removeAll(got.keySet());
        TreeMap<String, String> extra = new TreeMap<>(got);
        extra.keySet().removeAll(want.keySet());
        assertTrue(missing.isEmpty() && extra.isEmpty(), what + ": missing " + missing.keySet() + ", unexpected " + extra.keySet());
    }

    @Test
    void unetMatchesTheSd15Manifest() {
        UNet2DConditionModel unet = new UNet2DConditionModel(ParamFactory.meta(), UNetConfig.read(configs.resolve("unet/config.json")));
        Map<String, String> want = expected("unet");
        assertEquals(686, want.size());
        assertEquals(want, actual(unet));
        assertEquals(manifest.getAsJsonObject("unet").get("num_parameters").getAsLong(), StateDict.parameterCount(unet));
    }

    @Test
    void vaeMatchesTheSd15Manifest() {
        AutoencoderKL vae = new AutoencoderKL(ParamFactory.meta(), VaeConfig.read(configs.resolve("vae/config.json")));
        Map<String, String> want = expected("vae");
        assertEquals(248, want.size());
        assertEquals(want, actual(vae));
        assertEquals(manifest.getAsJsonObject("vae").get("num_parameters").getAsLong(), StateDict.parameterCount(vae));
    }

    /** The manifest's deprecated VAE attention names (diffusers < 0.14 files) map onto the model's keys. */
    @Test
    void deprecatedVaeAttentionNamesAreRenamed() {
        java.util.Set<String> own = expected("vae").keySet();
        JsonObject aliases = manifest.getAsJsonObject("vae").getAsJsonObject("deprecated_attention_key_aliases");
        assertEquals(16, aliases.size());
        java.util.Set<String> renamedTargets = new java.util.HashSet<>();
        for (Map.Entry<String, JsonElement> e : aliases.entrySet()) renamedTargets.add(e.getValue().getAsString());
        // a file in the old layout: distinct dummy tensors so that each value can be followed through the rename
        Map<String, Tensor> old = new java.util.LinkedHashMap<>();
        for (String k : own) if (!renamedTargets.contains(k)) old.put(k, Tensors.fromFloats(new float[1], 1));
        for (String k : aliases.keySet()) old.put(k, Tensors.fromFloats(new float[1], 1));
        Map<String, Tensor> renamed = AutoencoderKL.renameDeprecatedAttentionKeys(old);
        assertEquals(new java.util.TreeSet<>(own), new java.util.TreeSet<>(renamed.keySet()));
        for (Map.Entry<String, JsonElement> e : aliases.entrySet()) assertSame(old.get(e.getKey()), renamed.get(e.getValue().getAsString()));

        Map<String, Tensor> both = new java.util.LinkedHashMap<>(old);
        both.put("decoder.mid_block.attentions.0.to_q.weight", Tensors.fromFloats(new float[1], 1));
        var err = assertThrows(dev.groundiff.GroundiffException.class, () -> AutoencoderKL.renameDeprecatedAttentionKeys(both));
        assertTrue(err.getMessage().contains("decoder.mid_block.attentions.0.to_q.weight"), err.getMessage());
    }

    @Test
    void tinyFixtureModelsHaveTheFullSizeKeySets() {
        Path ref = SdReference.dir();
        UNet2DConditionModel unet = new UNet2DConditionModel(ParamFactory.meta(), UNetConfig.read(ref.resolve("unet/config.json")));
        AutoencoderKL vae = new AutoencoderKL(ParamFactory.meta(), VaeConfig.read(ref.resolve("vae/config.json")));
        assertSameKeys(expected("unet"), actual(unet), "tiny UNet");
        assertSameKeys(expected("vae"), actual(vae), "tiny VAE");
    }
}
