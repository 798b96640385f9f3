package dev.groundiff.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.groundiff.GroundiffException;
import dev.groundiff.testing.Fixtures;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every file of the torch-checkpoints fixture set against its {@code .expected.json}: loadable files
 * value by value, rejected files with the reason, malicious files without their side effect.
 */
class TorchCheckpointFixturesTest {
    static final Path CANARY = Path.of("/tmp/PWNED_groundiff");

    @BeforeAll
    static void init() {
        Torch.init();
    }

    static JsonObject json(Path p) throws Exception {
        return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
    }

    @TestFactory
    Stream<DynamicTest> everyFixtureFile() throws Exception {
        Path dir = Fixtures.dir("torch-checkpoints");
        JsonObject index = json(dir.resolve("index.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement f : index.getAsJsonArray("files")) {
            String name = f.getAsJsonObject().get("file").getAsString();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                JsonObject expected = json(dir.resolve(name + ".expected.json"));
                if (expected.get("outcome").getAsString().equals("load")) checkLoad(dir.resolve(name), expected);
                else checkReject(dir.resolve(name), expected);
            }));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    private static void checkLoad(Path file, JsonObject expected) {
        try (TorchCheckpoint ck = TorchCheckpoint.open(file)) {
            assertEquals(expected.get("container").getAsString(), ck.container());
            Map<String, Tensor> seen = new HashMap<>();
            Map<String, Long> storagePtr = new HashMap<>();
            compare("", expected.getAsJsonObject("root"), ck.root(), seen, storagePtr);
            // the flattened view lists exactly the tensors of the tree, by path
            assertEquals(seen.keySet(), ck.tensors().keySet());
            for (Map.Entry<String, Tensor> e : seen.entrySet()) assertSame(e.getValue(), ck.tensors().get(e.getKey()), e.getKey());
        }
    }

    /** Walks the expected descriptor and the loaded object side by side. */
    private static void compare(String path, JsonObject d, Object actual, Map<String, Tensor> tensors, Map<String, Long> storagePtr) {
        String type = d.get("type").getAsString();
        String at = path.isEmpty() ? "/" : path;
        switch (type) {
            case "OrderedDict", "dict" -> {
                assertInstanceOf(Map.class, actual, at);
                Map<?, ?> m = (Map<?, ?>) actual;
                if (d.get("entries").isJsonObject()) {
                    List<String> keys = new ArrayList<>();
                    d.getAsJsonArray("keys").forEach(k -> keys.add(k.getAsString()));
                    assertEquals(keys, new ArrayList<>(m.keySet()), at + ": keys");
                    for (String k : keys) compare(path + "/" + k, d.getAsJsonObject("entries").getAsJsonObject(k), m.get(k), tensors, storagePtr);
                } else {
                    JsonArray entries = d.getAsJsonArray("entries");
                    assertEquals(entries.size(), m.size(), at + ": entry count");
                    List<?> keys = new ArrayList<>(m.keySet());
                    for (int i = 0; i < entries.size(); i++) {
                        JsonObject kd = entries.get(i).getAsJsonObject().getAsJsonObject("key");
                        Object k = keys.get(i);
                        switch (kd.get("type").getAsString()) {
                            case "global" -> assertEquals(kd.get("global").getAsString(), assertInstanceOf(PickleGlobal.class, k).qualifiedName());
                            case "int" -> assertEquals(kd.get("value").getAsLong(), k);
                            case "str" -> assertEquals(kd.get("value").getAsString(), k);
                            default -> fail("unexpected key type " + kd);
                        }
                        compare(path + "/" + CheckpointTree.keyString(k), entries.get(i).getAsJsonObject().getAsJsonObject("value"), m.get(k), tensors, storagePtr);
                    }
                }
            }
            case "list", "tuple" -> {
                Class<?> want = type.equals("tuple") ? PickleTuple.class : ArrayList.class;
                assertTrue(want.isInstance(actual), at + ": a " + type);
                List<?> l = (List<?>) actual;
                JsonArray items = d.getAsJsonArray("items");
                assertEquals(items.size(), l.size(), at + ": length");
                for (int i = 0; i < items.size(); i++) compare(path + "/" + i, items.get(i).getAsJsonObject(), l.get(i), tensors, storagePtr);
            }
            case "int" -> assertEquals(d.get("value").getAsLong(), actual, at);
            case "float" -> assertEquals(d.get("value").getAsDouble(), actual, at);
            case "str" -> assertEquals(d.get("value").getAsString(), actual, at);
            case "bool" -> assertEquals(d.get("value").getAsBoolean(), actual, at);
            case "none" -> assertNull(actual, at);
            case "object" -> {
                Opaque o = assertInstanceOf(Opaque.class, actual, at + ": never instantiated, a placeholder");
                assertEquals(d.get("global").getAsString(), o.global().qualifiedName(), at);
                if (d.has("state")) compare(path + "/<state>", d.getAsJsonObject("state"), o.state(), new HashMap<>(), storagePtr);
            }
            case "tensor" -> {
                Tensor t = assertInstanceOf(Tensor.class, actual, at);
                tensors.put(at, t);
                checkTensor(at, d, t, storagePtr);
            }
            default -> fail(at + ": descriptor type " + type + " not handled by the test");
        }
    }

    private static void checkTensor(String at, JsonObject d, Tensor t, Map<String, Long> storagePtr) {
        assertEquals(d.get("dtype").getAsString(), DType.of(t.scalar_type()).torchName, at + ": dtype");
        assertArrayEquals(longs(d.getAsJsonArray("shape")), Tensors.shape(t), at + ": shape");
        assertEquals(d.get("numel").getAsLong(), t.numel(), at + ": numel");
        if (t.numel() > 0) {
            assertArrayEquals(longs(d.getAsJsonArray("stride")), Tensors.strides(t), at + ": stride");
            assertEquals(d.get("contiguous").getAsBoolean(), t.is_contiguous(), at + ": contiguous");
            // the view's offset inside its storage, wherever the storage's bytes live
            long elem = DType.of(t.scalar_type()).bytes;
            JsonObject s = d.getAsJsonObject("storage");
            long base = t.data_ptr().address() - d.get("storage_offset").getAsLong() * elem;
            Long prev = storagePtr.putIfAbsent(s.get("key").getAsString(), base);
            if (prev != null) assertEquals(prev.longValue(), base, at + ": shares storage '" + s.get("key").getAsString() + "' with an earlier tensor");
        }
        double[] v = t.numel() == 0 ? new double[0] : Tensors.toDoubles(t); // toDoubles cannot read an empty tensor
        BigDecimal sum = BigDecimal.ZERO;
        for (double x : v) sum = sum.add(new BigDecimal(x));
        double want = d.get("sum").getAsDouble();
        assertEquals(want, sum.doubleValue(), 1e-12 * Math.max(1, Math.abs(want)), at + ": sum");
        JsonArray vals = d.has("values") ? d.getAsJsonArray("values") : d.getAsJsonArray("first");
        for (int i = 0; i < vals.size(); i++) {
            JsonElement e = vals.get(i);
            double w = e.getAsJsonPrimitive().isBoolean() ? (e.getAsBoolean() ? 1 : 0) : e.getAsDouble();
            assertEquals(w, v[i], 0.0, at + "[" + i + "]"); // exact: the file's bits
        }
        if (d.has("values")) assertEquals(vals.size(), v.length, at + ": value count");
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }

    /** What the error message must mention, by the kind of damage (index.json's {@code kind}). */
    private static final Map<String, String> REASON_BY_KIND = Map.of(
            "truncate", "end-of-central-directory",
            "truncate_tail", "end-of-central-directory",
            "flip_byte", "CRC-32",
            "short_record", "holds 40 bytes",
            "oob_view", "past storage",
            "garbage", "not a PyTorch checkpoint");

    private static void checkReject(Path file, JsonObject expected) throws Exception {
        assertFalse(Files.exists(CANARY), "canary " + CANARY + " exists before the test ran");
        GroundiffException e = assertThrows(GroundiffException.class, () -> TorchCheckpoint.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        String kind = expected.get("kind").getAsString();
        if (expected.has("denied_globals")) {
            String denied = expected.getAsJsonArray("denied_globals").get(0).getAsString();
            if (expected.has("as_checkpoint")) {
                // a bare pickle: not a torch container; as a pickle it is refused for its global
                assertTrue(e.getMessage().contains("not a PyTorch checkpoint"), e.getMessage());
                GroundiffException p = assertThrows(GroundiffException.class, () -> SafePickle.load(file));
                assertTrue(mentions(p.getMessage(), denied), denied + " not named in: " + p.getMessage());
            } else {
                assertTrue(mentions(e.getMessage(), denied), denied + " not named in: " + e.getMessage());
            }
            assertFalse(Files.exists(CANARY), "the payload ran: " + CANARY + " exists");
        } else {
            String want = REASON_BY_KIND.get(kind);
            assertNotNull(want, "no expected reason for kind " + kind);
            assertTrue(e.getMessage().contains(want), "expected '" + want + "' in: " + e.getMessage());
        }
    }

    /** The message names the global, in its Python 2 or Python 3 spelling. */
    private static boolean mentions(String message, String global) {
        int dot = global.lastIndexOf('.');
        PickleGlobal g = PickleGlobalPolicy.python3Name(global.substring(0, dot), global.substring(dot + 1));
        return message.contains(global) || message.contains(g.qualifiedName());
    }
}
