package dev.groundiff.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Diffusers folder ↔ single file, against sd-reference/single_file/index.json, and the error cases. */
class SingleFileCheckpointTest {
    private static Path single; // the mini folder converted once, shared by the tests

    @BeforeAll
    static void convert(@TempDir Path tmp) {
        Torch.init();
        single = tmp.resolve("model.safetensors");
        SingleFileCheckpoint.write(DiffusersFolder.open(Fixtures.dir("sd-reference")), single);
    }

    private static JsonObject index() throws Exception {
        return JsonParser.parseString(Files.readString(Fixtures.dir("sd-reference").resolve("single_file/index.json"))).getAsJsonObject();
    }

    @Test
    void writerProducesTheReferenceSingleFile() throws Exception {
        JsonObject index = index();
        JsonObject ref = index.getAsJsonObject("files").getAsJsonObject("model.safetensors");
        try (SafeTensors st = SafeTensors.open(single)) {
            assertEquals(ref.get("num_tensors").getAsInt(), st.entries().size());
            assertTrue(st.metadata().isEmpty(), "no __metadata__, as the reference script writes");
            long params = st.entries().values().stream().mapToLong(SafeTensors.Entry::numel).sum();
            assertEquals(ref.get("num_parameters").getAsLong(), params);
            JsonObject counts = index.getAsJsonObject("key_counts");
            assertEquals(counts.get("unet").getAsLong(), st.entries().keySet().stream().filter(k -> k.startsWith("model.diffusion_model.")).count());
            assertEquals(counts.get("vae").getAsLong(), st.entries().keySet().stream().filter(k -> k.startsWith("first_stage_model.")).count());
            assertEquals(counts.get("text_encoder").getAsLong(), st.entries().keySet().stream().filter(k -> k.startsWith("cond_stage_model.transformer.")).count());
            for (Map.Entry<String, JsonElement> e : index.getAsJsonObject("reshaped_keys").entrySet()) {
                long[] want = java.util.stream.StreamSupport.stream(e.getValue().getAsJsonObject().getAsJsonArray("single_file_shape").spliterator(), false)
                        .mapToLong(JsonElement::getAsLong).toArray();
                assertArrayEquals(want, st.entries().get(e.getKey()).shape(), e.getKey());
            }
        }
        // same tensors, same key order, same header layout: byte-identical to the reference file
        assertEquals(Files.size(single), ref.get("bytes").getAsLong());
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(single)));
        assertEquals(ref.get("sha256").getAsString(), sha);
    }

    @Test
    void singleFileReadsBackBitExactThroughModelSource() {
        Path folderDir = Fixtures.dir("sd-reference");
        DiffusersFolder folder = DiffusersFolder.open(folderDir);
        try (ModelSource src = ModelSource.open(single, folderDir)) {
            assertInstanceOf(SingleFileCheckpoint.class, src);
            assertEquals(folderDir.resolve("tokenizer"), src.tokenizerDir());
            assertEquals(folder.config("unet"), src.config("unet"));
            assertEquals(folder.config("scheduler"), src.config("scheduler"));
            for (String part : ModelSource.WEIGHT_PARTS) assertBitEqual(part, folder.weights(part), src.weights(part));
        }
    }

    /** The reference .ckpt / fp16 files are large and not copied into the worktree: run when present. */
    @Test
    void referenceCheckpointFilesLoadBitExact() {
        Path dir = Fixtures.dir("sd-reference");
        Path ckpt = Fixtures.optionalFile("sd-reference", "single_file/model.ckpt");
        DiffusersFolder folder = DiffusersFolder.open(dir);
        try (ModelSource src = ModelSource.open(ckpt, dir)) {
            for (String part : ModelSource.WEIGHT_PARTS) assertBitEqual(part, folder.weights(part), src.weights(part));
        }
    }

    @Test
    void referenceFp16FileHoldsTheFolderWeightsRoundedToHalf() {
        Path dir = Fixtures.dir("sd-reference");
        Path fp16 = Fixtures.optionalFile("sd-reference", "single_file/model-fp16.safetensors");
        DiffusersFolder folder = DiffusersFolder.open(dir);
        try (ModelSource src = ModelSource.open(fp16, dir)) {
            for (String part : ModelSource.WEIGHT_PARTS) {
                Map<String, Tensor> half = new LinkedHashMap<>();
                folder.weights(part).forEach((k, v) -> half.put(k, v.to(org.bytedeco.pytorch.global.torch.ScalarType.Half)));
                assertBitEqual(part, half, src.weights(part));
            }
        }
    }

    static void assertBitEqual(String part, Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet(), part + ": keys");
        for (String k : want.keySet()) {
            Tensor a = want.get(k), b = got.get(k);
            assertArrayEquals(Tensors.shape(a), Tensors.shape(b), part + " " + k);
            assertArrayEquals(Tensors.toBytes(a), Tensors.toBytes(b), part + " " + k + " differs");
        }
    }

    private static Path rewritten(Path dir, String name, java.util.function.Consumer<Map<String, Tensor>> edit) throws Exception {
        Map<String, Tensor> all = new LinkedHashMap<>(SafeTensors.load(single));
        edit.accept(all);
        Path f = dir.resolve(name);
        SafeTensors.write(f, all, Map.of());
        return f;
    }

    private static String error(Path file) {
        return assertThrows(GroundiffException.class, () -> ModelSource.open(file, Fixtures.dir("sd-reference")).close()).getMessage();
    }

    @Test
    void missingUnexpectedAndMisshapedKeysAreNamed(@TempDir Path dir) throws Exception {
        String key = "model.diffusion_model.input_blocks.1.1.proj_in.weight";
        Path missing = rewritten(dir, "missing.safetensors", m -> m.remove(key));
        String msg = error(missing);
        assertTrue(msg.contains("missing key '" + key + "'") && msg.contains(missing.toString()), msg);

        Path extra = rewritten(dir, "extra.safetensors", m -> m.put("model.diffusion_model.input_blocks.1.0.in_layers.9.weight", Tensors.fromFloats(new float[] {1}, 1)));
        msg = error(extra);
        assertTrue(msg.contains("unexpected key 'model.diffusion_model.input_blocks.1.0.in_layers.9.weight'") && msg.contains(extra.toString()), msg);

        Path foreign = rewritten(dir, "foreign.safetensors", m -> m.put("cond_stage_model.model.ln_final.weight", Tensors.fromFloats(new float[] {1}, 1)));
        assertTrue(error(foreign).contains("unexpected key 'cond_stage_model.model.ln_final.weight'"));

        String vk = "first_stage_model.decoder.conv_in.weight";
        Path shape = rewritten(dir, "shape.safetensors", m -> m.put(vk, m.get(vk).narrow(0, 0, 3).contiguous()));
        msg = error(shape);
        assertTrue(msg.contains("key '" + vk + "' has shape [3, 4, 3, 3]") && msg.contains("[64, 4, 3, 3]"), msg);

        // the schedule buffers, EMA entries and position ids of real files are skipped, not errors
        Path buffers = rewritten(dir, "buffers.safetensors", m -> {
            m.put("alphas_cumprod", Tensors.fromFloats(new float[] {1, 0.5f}, 2));
            m.put("model_ema.decay", Tensors.fromFloats(new float[] {0.999f}, 1));
            m.put("cond_stage_model.transformer.text_model.embeddings.position_ids", Tensors.fromLongs(new long[] {0, 1}, 1, 2));
        });
        try (ModelSource src = ModelSource.open(buffers, Fixtures.dir("sd-reference"))) {
            assertEquals(52, src.weights("text_encoder").size());
        }
    }

    @Test
    void defaultArchitectureIsSd15() throws Exception {
        // the mini model's shapes are not SD v1.5's: without its configs the file is rejected by shape
        String msg = assertThrows(GroundiffException.class, () -> ModelSource.open(single, null).close()).getMessage();
        assertTrue(msg.contains("has shape") && msg.contains("architecture needs"), msg);
    }

    @Test
    void badModelPathsAreClearErrors(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(GroundiffException.class, () -> ModelSource.open(dir.resolve("nope"), null)).getMessage().contains("no such file"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(assertThrows(GroundiffException.class, () -> ModelSource.open(empty, null)).getMessage().contains("model_index.json"));
        Path txt = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertTrue(assertThrows(GroundiffException.class, () -> ModelSource.open(txt, null)).getMessage().contains("unknown model file type"));
        // a folder lacking a part
        Path ref = Fixtures.dir("sd-reference");
        Path partial = Files.createDirectory(dir.resolve("partial"));
        Files.copy(ref.resolve("model_index.json"), partial.resolve("model_index.json"));
        Files.createDirectories(partial.resolve("unet"));
        Files.copy(ref.resolve("unet/config.json"), partial.resolve("unet/config.json"));
        Files.copy(ref.resolve("unet/diffusion_pytorch_model.safetensors"), partial.resolve("unet/diffusion_pytorch_model.safetensors"));
        try (ModelSource src = ModelSource.open(partial, null)) {
            assertEquals(686, src.weights("unet").size());
            assertNull(src.tokenizerDir());
            String m = assertThrows(GroundiffException.class, () -> src.weights("vae")).getMessage();
            assertTrue(m.contains("lacks the part 'vae'"), m);
            m = assertThrows(GroundiffException.class, () -> src.config("text_encoder")).getMessage();
            assertTrue(m.contains("text_encoder/config.json"), m);
        }
    }
}
