package dev.groundiff.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Torch;
import dev.groundiff.torch.nn.ParamFactory;
import dev.groundiff.world.DetectorConfig;
import dev.groundiff.world.DetectorModel;
import dev.groundiff.world.WorldCategories;
import dev.groundiff.world.WorldDetector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.groundiff.cli.WorkflowTestSupport.run;
import static org.junit.jupiter.api.Assertions.*;

class WorldCliTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void renderWritesImagesMasksAndJson(@TempDir Path dir) throws Exception {
        WorkflowTestSupport.Run r = run(List.of("world", "render", "--count", "3", "--seed", "10", "--out", dir.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals("wrote 3 scenes to " + dir, r.out().strip());
        JsonObject root = JsonParser.parseString(Files.readString(dir.resolve("scenes.json"))).getAsJsonObject();
        JsonArray scenes = root.getAsJsonArray("scenes");
        assertEquals(3, scenes.size());
        JsonObject first = scenes.get(0).getAsJsonObject();
        assertEquals(10, first.get("seed").getAsLong());
        assertTrue(first.get("caption").getAsString().startsWith("a photograph of "));
        assertTrue(Files.exists(dir.resolve(first.get("image").getAsString())));
        for (var o : first.getAsJsonArray("objects")) assertTrue(Files.exists(dir.resolve(o.getAsJsonObject().get("mask").getAsString())));
    }

    @Test
    void detectPrintsInstancesAndWritesAnOverlay(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        DetectorConfig cfg = new DetectorConfig(64, List.of(8, 16), 4, WorldCategories.names());
        DetectorModel.save(model, new WorldDetector(cfg, ParamFactory.random(0)), DType.FLOAT16, Map.of());
        assertEquals(0, run(List.of("world", "render", "--count", "1", "--out", dir.toString())).code());
        WorkflowTestSupport.Run r = run(List.of("detect", "--image", dir.resolve("000000.png").toString(), "--model", model.toString(), "--out", dir.resolve("det").toString()));
        assertEquals(0, r.code(), r.err());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(json.has("instances"));
        for (var i : json.getAsJsonArray("instances")) {
            JsonObject o = i.getAsJsonObject();
            assertTrue(WorldCategories.names().contains(o.get("category").getAsString()));
            assertEquals(4, o.getAsJsonArray("box").size());
            assertTrue(o.get("mask_area").getAsInt() >= 8);
        }
        assertTrue(Files.size(dir.resolve("det").resolve("000000.detect.png")) > 0);
    }

    @Test
    void badInputIsOneLineError(@TempDir Path dir) {
        WorkflowTestSupport.Run r = run(List.of("detect", "--image", dir.resolve("nope.png").toString(), "--model", dir.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("nope.png: no such file"), r.err());
        r = run(List.of("world", "train", "--stage", "gan", "--out", dir.toString()));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown --stage 'gan'"), r.err());
    }
}
