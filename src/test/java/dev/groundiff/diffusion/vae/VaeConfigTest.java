package dev.groundiff.diffusion.vae;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.ConfigReader;
import dev.groundiff.diffusion.SdReference;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class VaeConfigTest {
    static GroundiffException rejects(Consumer<JsonObject> edit) {
        JsonObject j = ConfigReader.parseFile(SdReference.dir().resolve("vae/config.json"));
        edit.accept(j);
        return assertThrows(GroundiffException.class, () -> VaeConfig.fromJson(j));
    }

    @Test
    void readsTheTinyConfig() {
        VaeConfig c = VaeConfig.read(SdReference.dir().resolve("vae/config.json"));
        assertEquals(List.of(16, 32, 64, 64), c.blockOutChannels());
        assertEquals(4, c.latentChannels());
        assertEquals(0.18215, c.scalingFactor());
        assertEquals(8, c.normNumGroups());
        assertEquals(2, c.layersPerBlock());
        assertEquals(8, c.downsampleFactor());
    }

    @Test
    void newerDiffusersKeysAreAcceptedAtTheirSdValues() {
        JsonObject j = ConfigReader.parseFile(SdReference.dir().resolve("vae/config.json"));
        j.addProperty("use_quant_conv", true);
        j.addProperty("mid_block_add_attention", true);
        j.add("latents_mean", null);
        assertEquals(4, VaeConfig.fromJson(j).latentChannels());
    }

    @Test
    void unsupportedOrInvalidSettingsAreNamed() {
        check(rejects(j -> j.addProperty("something_else", 1)), "something_else");
        check(rejects(j -> j.getAsJsonArray("up_block_types").set(1, new JsonPrimitive("AttnUpDecoderBlock2D"))), "AttnUpDecoderBlock2D");
        check(rejects(j -> j.addProperty("use_quant_conv", false)), "use_quant_conv");
        check(rejects(j -> j.addProperty("scaling_factor", -1)), "scaling_factor");
        check(rejects(j -> j.addProperty("norm_num_groups", 6)), "norm_num_groups");
        check(rejects(j -> j.addProperty("latent_channels", "four")), "latent_channels");
        check(rejects(j -> j.addProperty("_class_name", "VQModel")), "_class_name");
    }

    static void check(GroundiffException e, String part) {
        assertTrue(e.getMessage().contains(part), "message should name '" + part + "': " + e.getMessage());
    }
}
