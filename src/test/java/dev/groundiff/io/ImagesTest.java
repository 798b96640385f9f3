package dev.groundiff.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ImagesTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    @Test
    void roundsLikeNumpyAndRoundTripsThroughPng(@TempDir Path dir) throws Exception {
        // 0.5/255 sits exactly on a rounding edge: numpy's round() goes to even (0); 1.5/255 -> 2; clamping outside [0,1]
        float[] v = {0.5f / 255, 1.5f / 255, 1f, -0.2f, 1.3f, 0.2f};
        BufferedImage img = Images.toImage(Tensors.fromFloats(v, 3, 1, 2));
        assertEquals((0 << 16) | (255 << 8) | 255, img.getRGB(0, 0) & 0xFFFFFF); // r=0.5/255->0, g=1->255, b=1.3->255
        assertEquals((2 << 16) | (0 << 8) | 51, img.getRGB(1, 0) & 0xFFFFFF);    // r=1.5/255->2, g=-0.2->0, b=0.2->51
        Path png = dir.resolve("a.png");
        Images.writePng(img, png);
        float[] back = Tensors.toFloats(Images.toTensor(Images.read(png)));
        assertEquals(2 / 255f, back[1], 1e-7);
        assertEquals(51 / 255f, back[5], 1e-7);
    }

    @Test
    void metadataRecordsHashesAndCodeVersion(@TempDir Path dir) throws Exception {
        Path w = dir.resolve("model").resolve("unet").resolve("w.safetensors");
        Files.createDirectories(w.getParent());
        Files.writeString(w, "abc");
        JsonObject id = Provenance.modelIdentity(dir.resolve("model"), List.of(w));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                id.getAsJsonObject("files").get("unet/w.safetensors").getAsString());
        JsonObject meta = new JsonObject();
        meta.add("model", id);
        meta.addProperty("seed", 42);
        Provenance.write(dir.resolve("metadata.json"), meta, "0.1.0 (abc123)");
        JsonObject read = JsonParser.parseString(Files.readString(dir.resolve("metadata.json"))).getAsJsonObject();
        assertEquals(42, read.get("seed").getAsInt());
        assertEquals("0.1.0 (abc123)", read.get("code_version").getAsString());
    }
}
