package dev.groundiff.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** The algorithmic key mapping and architecture shapes against the full-size SD v1.5 manifests. */
class CompVisKeyMapTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    static JsonObject bundledConfig(String part) throws Exception {
        String rel = part.equals("scheduler") ? "scheduler/scheduler_config.json" : part + "/config.json";
        try (InputStream in = SingleFileCheckpoint.class.getResourceAsStream("sd15/" + rel)) {
            assertNotNull(in, rel);
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    private static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    private static long[] longs(JsonElement a) {
        return java.util.stream.StreamSupport.stream(a.getAsJsonArray().spliterator(), false).mapToLong(JsonElement::getAsLong).toArray();
    }

    @Test
    void everyManifestKeyMapsToItsDiffusersKeyAndBack() throws Exception {
        JsonObject manifest = json(Fixtures.dir("sd15-manifest").resolve("sd15_original_ckpt_keys.json"));
        CompVisKeyMap map = CompVisKeyMap.of(bundledConfig("unet"), bundledConfig("vae"));
        int checked = 0, squeezed = 0;
        for (Map.Entry<String, JsonElement> e : manifest.getAsJsonObject("keys").entrySet()) {
            JsonObject k = e.getValue().getAsJsonObject();
            CompVisKeyMap.Target t = map.toDiffusers(e.getKey());
            assertNotNull(t, e.getKey());
            assertEquals(k.get("component").getAsString(), t.part(), e.getKey());
            assertEquals(k.get("diffusers_key").getAsString(), t.key(), e.getKey());
            boolean reshape = !k.get("transform").isJsonNull();
            assertEquals(reshape, t.squeeze(), e.getKey() + ": transform");
            if (reshape) {
                assertArrayEquals(longs(k.get("diffusers_shape")), Arrays.copyOf(longs(k.get("shape")), 2));
                squeezed++;
            }
            CompVisKeyMap.Target back = map.toCompVis(t.part(), t.key());
            assertEquals(e.getKey(), back.key(), "reverse of " + t.key());
            assertEquals(reshape, back.squeeze());
            assertFalse(CompVisKeyMap.ignored(e.getKey()), e.getKey());
            checked++;
        }
        assertEquals(manifest.getAsJsonObject("counts").get("total").getAsInt(), checked);
        assertEquals(8, squeezed);
        for (String ignored : manifest.getAsJsonObject("ignored_by_conversion").keySet()) {
            assertTrue(CompVisKeyMap.ignored(ignored), ignored);
        }
        assertTrue(CompVisKeyMap.ignored("model_ema.diffusion_modeltime_embed0weight"));
        assertNull(map.toDiffusers("model.diffusion_model.not_a_block.weight"));
        assertNull(map.toDiffusers("cond_stage_model.model.token_embedding.weight"), "SD 2 (OpenCLIP) keys are not v1 keys");
    }

    @Test
    void architectureShapesMatchTheSd15ManifestAndTheMiniFolder() throws Exception {
        JsonObject manifest = json(Fixtures.dir("sd15-manifest").resolve("sd15_diffusers_keys.json"));
        Path mini = Fixtures.dir("sd-reference");
        for (String part : ModelSource.WEIGHT_PARTS) {
            Map<String, long[]> want = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : manifest.getAsJsonObject(part).getAsJsonObject("keys").entrySet()) {
                want.put(e.getKey(), longs(e.getValue().getAsJsonObject().get("shape")));
            }
            assertShapes(part + " (SD v1.5)", want, SdShapes.of(part, bundledConfig(part)));
            Map<String, long[]> folder = new TreeMap<>();
            Path file = DiffusersFolder.open(mini).weightFile(part);
            try (SafeTensors st = SafeTensors.open(file)) {
                st.entries().forEach((k, v) -> folder.put(k, v.shape()));
            }
            assertShapes(part + " (mini folder)", folder, SdShapes.of(part, json(mini.resolve(part).resolve("config.json"))));
        }
    }

    private static void assertShapes(String what, Map<String, long[]> want, Map<String, long[]> got) {
        assertEquals(want.keySet(), new TreeMap<>(got).keySet(), what + ": keys");
        for (String k : want.keySet()) assertArrayEquals(want.get(k), got.get(k), what + ": " + k);
    }
}
