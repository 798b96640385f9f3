package dev.groundiff.diffusion.unet;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.diffusion.ConfigReader;
import dev.groundiff.diffusion.SdReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class UNetConfigTest {
    static JsonObject tinyJson() {
        return ConfigReader.parseFile(SdReference.dir().resolve("unet/config.json"));
    }

    static GroundiffException rejects(Consumer<JsonObject> edit) {
        JsonObject j = tinyJson();
        edit.accept(j);
        return assertThrows(GroundiffException.class, () -> UNetConfig.fromJson(j));
    }

    @Test
    void readsTheTinyConfig() {
        UNetConfig c = UNetConfig.read(SdReference.dir().resolve("unet/config.json"));
        assertEquals(List.of(16, 32, 64, 64), c.blockOutChannels());
        assertEquals(List.of(8, 8, 8, 8), c.attentionHeads());
        assertEquals(8, c.normNumGroups());
        assertEquals(1e-5, c.normEps());
        assertEquals(32, c.crossAttentionDim());
        assertEquals(64, c.timeEmbeddingDim());
        assertEquals(16, c.sampleSize());
        assertTrue(c.flipSinToCos());
        assertFalse(c.useLinearProjection());
        assertEquals(List.of(1, 1, 1, 1), c.transformerLayersPerBlock());
    }

    /** The SD v1.4 Hub config lists few keys; the rest take diffusers' defaults (SD v1.x values). */
    @Test
    void absentKeysTakeDiffusersDefaults() {
        JsonObject j = JsonParser.parseString("{\"_class_name\":\"UNet2DConditionModel\",\"_diffusers_version\":\"0.2.2\","
                + "\"act_fn\":\"silu\",\"attention_head_dim\":8,\"block_out_channels\":[320,640,1280,1280],\"center_input_sample\":false,"
                + "\"cross_attention_dim\":768,\"down_block_types\":[\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"CrossAttnDownBlock2D\",\"DownBlock2D\"],"
                + "\"downsample_padding\":1,\"flip_sin_to_cos\":true,\"freq_shift\":0,\"in_channels\":4,\"layers_per_block\":2,"
                + "\"mid_block_scale_factor\":1,\"norm_eps\":1e-05,\"norm_num_groups\":32,\"out_channels\":4,\"sample_size\":64,"
                + "\"up_block_types\":[\"UpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\",\"CrossAttnUpBlock2D\"]}").getAsJsonObject();
        UNetConfig c = UNetConfig.fromJson(j);
        assertEquals(UNetConfig.MID_CROSS_ATTN, c.midBlockType());
        assertEquals(1280, c.timeEmbeddingDim());
        assertFalse(c.useLinearProjection());
        assertEquals(List.of(8, 8, 8, 8), c.attentionHeads());
    }

    @Test
    void perBlockHeadCounts() {
        JsonObject j = tinyJson();
        JsonArray heads = new JsonArray();
        for (int h : new int[] {2, 4, 8, 8}) heads.add(h);
        j.add("attention_head_dim", heads);
        assertEquals(List.of(2, 4, 8, 8), UNetConfig.fromJson(j).attentionHeads());
    }

    @Test
    void unsupportedOrInvalidSettingsAreNamed() {
        assertMessage(rejects(j -> j.addProperty("some_new_option", 3)), "some_new_option");
        assertMessage(rejects(j -> j.getAsJsonArray("down_block_types").set(0, new com.google.gson.JsonPrimitive("SimpleCrossAttnDownBlock2D"))),
                "SimpleCrossAttnDownBlock2D");
        assertMessage(rejects(j -> j.addProperty("mid_block_type", "UNetMidBlock2DSimpleCrossAttn")), "mid_block_type");
        assertMessage(rejects(j -> j.addProperty("num_attention_heads", 8)), "num_attention_heads");
        assertMessage(rejects(j -> j.addProperty("upcast_attention", true)), "upcast_attention");
        assertMessage(rejects(j -> j.addProperty("class_embed_type", "timestep")), "class_embed_type");
        assertMessage(rejects(j -> j.addProperty("act_fn", "gelu")), "act_fn");
        assertMessage(rejects(j -> j.addProperty("norm_num_groups", 5)), "norm_num_groups");
        assertMessage(rejects(j -> j.addProperty("attention_head_dim", 3)), "attention_head_dim");
        assertMessage(rejects(j -> j.getAsJsonArray("block_out_channels").remove(3)), "down_block_types");
        assertMessage(rejects(j -> j.addProperty("layers_per_block", 1.5)), "layers_per_block");
        assertMessage(rejects(j -> j.addProperty("layers_per_block", 0)), "layers_per_block");
        assertMessage(rejects(j -> j.addProperty("cross_attention_dim", "768")), "cross_attention_dim");
        assertMessage(rejects(j -> j.addProperty("_class_name", "UNet2DModel")), "_class_name");
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("nope.json");
        assertMessage(assertThrows(GroundiffException.class, () -> UNetConfig.read(missing)), "nope.json");
        Path broken = Files.writeString(tmp.resolve("config.json"), "{\"in_channels\": ");
        assertMessage(assertThrows(GroundiffException.class, () -> UNetConfig.read(broken)), "config.json");
        Path odd = Files.writeString(tmp.resolve("odd.json"), "{\"norm_num_groups\": 7}");
        GroundiffException e = assertThrows(GroundiffException.class, () -> UNetConfig.read(odd));
        assertMessage(e, "odd.json");
        assertMessage(e, "norm_num_groups");
    }

    static void assertMessage(GroundiffException e, String part) {
        assertTrue(e.getMessage().contains(part), "message should name '" + part + "': " + e.getMessage());
    }
}
