package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.Tensors;
import dev.groundiff.torch.Torch;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafeTensorsTest {
    @BeforeAll
    static void init() {
        Torch.init();
    }

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("b.weight", Tensors.fromFloats(new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3));
        m.put("a.ids", Tensors.fromLongs(new long[] {49406, 49407}, 2));
        m.put("c.half", Tensors.fromFloats(new float[] {0.5f, -1.25f}, 2).to(ScalarType.BFloat16));
        return m;
    }

    @Test
    void roundTripKeepsValuesDtypesAndMetadata(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, sample(), Map.of("format", "pt"));
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(java.util.List.of("a.ids", "b.weight", "c.half"), java.util.List.copyOf(st.entries().keySet()));
            assertArrayEquals(new float[] {1, -2, 3.5f, 4, 5, 6}, Tensors.toFloats(st.get("b.weight")));
            assertArrayEquals(new long[] {2, 3}, Tensors.shape(st.get("b.weight")));
            assertArrayEquals(new long[] {49406, 49407}, Tensors.toLongs(st.get("a.ids")));
            assertEquals(ScalarType.BFloat16.value, st.get("c.half").scalar_type().value);
            assertArrayEquals(new float[] {0.5f, -1.25f}, Tensors.toFloats(st.get("c.half")));
        }
        // header is 8-byte aligned, as the reference writer pads it
        long n = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file is left behind");
        }
    }

    @Test
    void truncatedFileIsAClearError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 5));
        GroundiffException e = assertThrows(GroundiffException.class, () -> SafeTensors.open(cut));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Files.write(cut, Arrays.copyOf(all, 5));
        assertThrows(GroundiffException.class, () -> SafeTensors.open(cut));
    }

    @Test
    void headerThatLiesAboutOffsetsOrSizesIsRejected(@TempDir Path dir) throws Exception {
        String[] lies = {
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,400000]}}", // beyond the file
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",      // size != shape
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}",      // end < begin
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                "{\"t\":{\"dtype\":\"X9\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                "{\"t\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}",
                "{\"t\":[1,2]}",
                "not json at all",
        };
        for (String h : lies) {
            Path f = dir.resolve("lie.safetensors");
            byte[] json = h.getBytes();
            ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(json.length).put(json).putLong(0);
            Files.write(f, b.array());
            assertThrows(GroundiffException.class, () -> SafeTensors.open(f), h);
        }
        // a header length larger than the file
        Path f = dir.resolve("len.safetensors");
        Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        GroundiffException e = assertThrows(GroundiffException.class, () -> SafeTensors.open(f));
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        GroundiffException e = assertThrows(GroundiffException.class, () -> SafeTensors.open(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("no such file"));
    }
}
