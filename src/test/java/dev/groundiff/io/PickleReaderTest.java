package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-written hostile and edge-case pickles for the restricted interpreter. */
class PickleReaderTest {
    /** A tiny pickle assembler: raw opcodes and arguments. */
    private static final class P {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        P op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        P text(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        P str(String s) { // SHORT_BINUNICODE
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private static GroundiffException rejects(byte[] pickle) {
        return assertThrows(GroundiffException.class, () -> SafePickle.loads(pickle, "test.pkl"));
    }

    @Test
    void deniedGlobalsAreRejectedWhateverOpcodeNamesThem() {
        // GLOBAL
        assertTrue(rejects(new P().op(0x80, 2).op('c').text("os\nsystem\n").str("x").op(0x85, 'R', '.').bytes()).getMessage().contains("os.system"));
        // STACK_GLOBAL with module and name fetched from the memo
        byte[] sg = new P().op(0x80, 4).str("subprocess").op(0x94).str("Popen").op(0x94)
                .op('0', '0').op('h', 0, 'h', 1).op(0x93).op(')', 'R', '.').bytes();
        assertTrue(rejects(sg).getMessage().contains("subprocess.Popen"));
        // INST resolves and calls in one opcode
        assertTrue(rejects(new P().op('(').str("id").op('i').text("os\nsystem\n").op('.').bytes()).getMessage().contains("os.system"));
        // Python 2 spellings under protocol 2, submodules, builtins beyond value types, nested loaders
        assertTrue(rejects(new P().op(0x80, 2).op('c').text("__builtin__\neval\n").op('.').bytes()).getMessage().contains("builtins.eval"));
        assertTrue(rejects(new P().op(0x80, 2).op('c').text("commands\ngetoutput\n").op('.').bytes()).getMessage().contains("subprocess.getoutput"));
        assertTrue(rejects(new P().op(0x80, 4).op('c').text("os.path\njoin\n").op('.').bytes()).getMessage().contains("os.path.join"));
        assertTrue(rejects(new P().op(0x80, 4).op('c').text("builtins\ngetattr\n").op('.').bytes()).getMessage().contains("builtins.getattr"));
        assertTrue(rejects(new P().op(0x80, 4).op('c').text("torch\nload\n").op('.').bytes()).getMessage().contains("torch.load"));
        assertTrue(rejects(new P().op(0x80, 4).str("torch").str("serialization.load").op(0x93, '.').bytes()).getMessage().contains("torch.serialization.load"));
        // the value types of builtins are fine and stay placeholders
        Object o = SafePickle.loads(new P().op(0x80, 2).op('c').text("__builtin__\nset\n").op(']', 0x85, 'R', '.').bytes(), "t");
        assertEquals("builtins.set", assertInstanceOf(Opaque.class, o).global().qualifiedName());
    }

    @Test
    void otherGlobalsBecomePlaceholdersThatKeepTheirState() {
        byte[] p = new P().op(0x80, 2).op('c').text("__main__\nThing\n").op(')', 0x81)
                .op('}').str("a").op('K', 7).op('s', 'b', '.').bytes();
        Opaque o = assertInstanceOf(Opaque.class, SafePickle.loads(p, "t"));
        assertEquals("__main__.Thing", o.global().qualifiedName());
        assertEquals(Map.of("a", 7L), o.state());
    }

    @Test
    void plainValuesAreRebuilt() {
        byte[] p = new P().op(0x80, 2).op('}', '(').str("i").op('J', 0xff, 0xff, 0xff, 0xff)
                .str("f").op('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0)
                .str("t").op('N', 0x88, 0x89, 0x87)
                .str("l").op(']', '(', 'K', 1, 'K', 2, 'e')
                .str("big").op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1)
                .op('u', '.').bytes();
        Map<?, ?> m = assertInstanceOf(Map.class, SafePickle.loads(p, "t"));
        assertEquals(-1L, m.get("i"));
        assertEquals(1.5, m.get("f"));
        assertEquals(java.util.Arrays.asList(null, true, false), m.get("t"));
        assertInstanceOf(PickleTuple.class, m.get("t"));
        assertEquals(List.of(1L, 2L), m.get("l"));
        assertEquals(java.math.BigInteger.ONE.shiftLeft(64), m.get("big"));
    }

    @Test
    void hostileStructuresFailCleanlyOrStayCheap() {
        // a length far beyond the data
        assertTrue(rejects(new P().op(0x80, 2).op('X', 0xff, 0xff, 0xff, 0x7f).op('.').bytes()).getMessage().contains("bytes but only"));
        // a huge LONG4
        rejects(new P().op(0x80, 2).op(0x8b, 0xff, 0xff, 0xff, 0x0f).op('.').bytes());
        // GET of a never stored memo slot, stack underflow, missing MARK, no STOP
        rejects(new P().op(0x80, 2).op('h', 5, '.').bytes());
        rejects(new P().op(0x80, 2).op('R', '.').bytes());
        rejects(new P().op(0x80, 2).op('t', '.').bytes());
        rejects(new P().op(0x80, 2).op(']').bytes());
        // an unhashable key
        assertTrue(rejects(new P().op(0x80, 2).op('}', ']', 'K', 1, 's', '.').bytes()).getMessage().contains("unhashable"));
        // a list containing itself loads (and the tree walk terminates)
        Object self = SafePickle.loads(new P().op(0x80, 2).op(']', 'q', 0, 'h', 0, 'a', '.').bytes(), "t");
        assertSame(self, ((List<?>) self).get(0));
        Map<String, org.bytedeco.pytorch.Tensor> t = new java.util.LinkedHashMap<>();
        Map<String, Object> other = new java.util.LinkedHashMap<>();
        CheckpointTree.flatten(self, t, other, "t");
        assertEquals(1, other.size());
        // "billion laughs": 60 levels of a list holding the previous one twice; the walk stays linear
        P laughs = new P().op(0x80, 2).op(']', 'q', 0, '0');
        for (int i = 1; i <= 60; i++) laughs.op(']', 'q', i, 'h', i - 1, 'a', 'h', i - 1, 'a', '0');
        laughs.op('h', 60, '.');
        Object deep = SafePickle.loads(laughs.op().bytes(), "t");
        t.clear();
        other.clear();
        CheckpointTree.flatten(deep, t, other, "t");
        assertTrue(other.size() < 200, "walk expanded shared lists " + other.size() + " times");
        // nesting beyond the walk's depth limit is an error, not a stack overflow
        P nest = new P().op(0x80, 2).op(']');
        for (int i = 0; i < 5000; i++) nest.op(']', 0x86, ']', 0x86); // tuple chains
        Object nested = SafePickle.loads(nest.op('.').bytes(), "t");
        assertThrows(GroundiffException.class, () -> CheckpointTree.flatten(nested, t, other, "t"));
    }

    @Test
    void persistentIdsAreRefusedInBarePickles() {
        assertTrue(rejects(new P().op(0x80, 2).str("x").op('Q', '.').bytes()).getMessage().contains("persistent"));
    }
}
