package dev.groundiff.io;

import dev.groundiff.GroundiffException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle interpreter (protocols 0-5) that never imports or calls anything. It builds plain values
 * (None → null, bool, int → Long or BigInteger, float → Double, str, bytes → byte[], list →
 * ArrayList, tuple → {@link PickleTuple}, dict → LinkedHashMap, set → LinkedHashSet); a global is
 * either denied (the whole pickle is rejected, see {@link PickleGlobalPolicy}), handed to one of the
 * caller's {@link Rebuilder}s (tensors, OrderedDict), or kept as an inert {@link PickleGlobal} whose
 * "calls" yield {@link Opaque} placeholders. Every length is checked against the bytes left, so a
 * hostile pickle costs at most time and memory linear in its size.
 */
final class PickleReader {
    /** Builds the value of an allow-listed global called with {@code args}. */
    @FunctionalInterface
    interface Rebuilder {
        Object rebuild(PickleTuple args);
    }

    /** Resolves a persistent id (torch: a storage reference). */
    @FunctionalInterface
    interface PersistentLoader {
        Object load(Object pid);
    }

    private static final int MAX_PROTOCOL = 5;
    private static final int MAX_INT_DIGITS = 4300; // as Python's own int-from-text limit
    private static final int MAX_KEY_DEPTH = 64;

    private final ByteBuffer buf;
    private final String source;
    private final Map<String, Rebuilder> rebuilders;
    private final PersistentLoader persistentLoader;
    private final List<String> globalsSeen = new ArrayList<>();
    private int protocol = 0;

    private List<Object> stack = new ArrayList<>();
    private final Deque<List<Object>> metastack = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Set<Object> frozenSets = identitySet();

    /**
     * @param buf the pickle bytes from its position to its limit (the pickle may end before the limit)
     * @param source names the file/record in error messages
     */
    PickleReader(ByteBuffer buf, String source, Map<String, Rebuilder> rebuilders, PersistentLoader persistentLoader) {
        this.buf = buf.slice().order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.rebuilders = rebuilders;
        this.persistentLoader = persistentLoader;
    }

    /** Number of bytes consumed (the STOP opcode included), valid after {@link #load()}. */
    int consumed() {
        return buf.position();
    }

    /** The globals named, in order of appearance (Python 3 names). */
    List<String> globalsSeen() {
        return globalsSeen;
    }

    Object load() {
        try {
            return run();
        } catch (GroundiffException e) {
            throw e;
        } catch (java.nio.BufferUnderflowException e) {
            throw bad("ends before its STOP opcode (truncated)");
        } catch (IndexOutOfBoundsException | ClassCastException | ArithmeticException | NumberFormatException e) {
            throw bad("malformed pickle (" + e.getClass().getSimpleName() + " at byte " + buf.position() + ")");
        }
    }

    private Object run() {
        while (true) {
            int at = buf.position();
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    protocol = u8();
                    if (protocol > MAX_PROTOCOL) throw bad("unsupported pickle protocol " + protocol);
                }
                case 0x95 -> { // FRAME: a size hint only
                    long n = buf.getLong();
                    if (n < 0 || n > buf.remaining()) throw bad("frame of " + n + " bytes runs past the end");
                }
                case '.' -> { // STOP
                    if (stack.size() != 1 || !metastack.isEmpty()) throw bad("STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case '(' -> { // MARK
                    metastack.push(stack);
                    stack = new ArrayList<>();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) buf.getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (buf.getShort() & 0xFFFF)); // BININT2
                case 0x8a -> push(longFromBytes(u8())); // LONG1
                case 0x8b -> push(longFromBytes(len32())); // LONG4
                case 'I' -> push(textInt(line())); // INT (also I00/I01 booleans)
                case 'L' -> push(textLong(line())); // LONG
                case 'F' -> push(Double.parseDouble(line().trim())); // FLOAT
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(buf.getLong()))); // BINFLOAT (big-endian)
                case 'X' -> push(utf8(len32())); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(len64())); // BINUNICODE8
                case 'V' -> push(rawUnicodeEscape(line())); // UNICODE
                case 'S' -> push(pythonStringLiteral(line())); // STRING
                case 'T' -> push(utf8(len32())); // BINSTRING (Python 2 str; torch.load decodes as utf-8)
                case 'U' -> push(utf8(u8())); // SHORT_BINSTRING
                case 'B' -> push(bytes(len32())); // BINBYTES
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 0x8e -> push(bytes(len64())); // BINBYTES8
                case 0x96 -> push(bytes(len64())); // BYTEARRAY8
                case 0x97, 0x98 -> throw bad("uses out-of-band buffers (pickle protocol 5 NEXT_BUFFER), not supported");
                case ')' -> push(PickleTuple.EMPTY);
                case 0x85 -> push(new PickleTuple(new Object[] {pop()})); // TUPLE1
                case 0x86 -> { Object b = pop(), a = pop(); push(new PickleTuple(new Object[] {a, b})); } // TUPLE2
                case 0x87 -> { Object c = pop(), b = pop(), a = pop(); push(new PickleTuple(new Object[] {a, b, c})); } // TUPLE3
                case 't' -> push(PickleTuple.of(popMark())); // TUPLE
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    setItems(d, items);
                    push(d);
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x91 -> { // FROZENSET
                    List<Object> items = popMark();
                    Set<Object> s = new LinkedHashSet<>();
                    for (Object o : items) s.add(key(o));
                    Set<Object> frozen = java.util.Collections.unmodifiableSet(s);
                    frozenSets.add(frozen);
                    push(frozen);
                }
                case 'a' -> { Object v = pop(); appendAll(peek(), java.util.Collections.singletonList(v)); } // APPEND
                case 'e' -> { List<Object> items = popMark(); appendAll(peek(), items); } // APPENDS
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Object s = peek();
                    if (!(s instanceof LinkedHashSet<?>)) throw bad("ADDITEMS on a " + typeName(s));
                    @SuppressWarnings("unchecked") Set<Object> set = (Set<Object>) s;
                    for (Object o : items) set.add(key(o));
                }
                case 's' -> { Object v = pop(), k = pop(); setItems(peek(), java.util.Arrays.asList(k, v)); } // SETITEM
                case 'u' -> { List<Object> items = popMark(); setItems(peek(), items); } // SETITEMS
                case 'p' -> memo.put(parseMemoIndex(line()), peek()); // PUT
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(buf.getInt() & 0xFFFFFFFFL, peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'g' -> push(memoGet(parseMemoIndex(line()))); // GET
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(buf.getInt() & 0xFFFFFFFFL)); // LONG_BINGET
                case 'c' -> { // GLOBAL
                    String module = line(), name = line();
                    push(resolve(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw bad("STACK_GLOBAL needs two strings");
                    push(resolve(m, n));
                }
                case 'i' -> { // INST: resolve and call in one opcode
                    String module = line(), name = line();
                    PickleGlobal g = resolve(module, name);
                    push(call(g, PickleTuple.of(popMark())));
                }
                case 'o' -> { // OBJ
                    List<Object> items = popMark();
                    if (items.isEmpty()) throw bad("OBJ without a class");
                    push(call(items.get(0), PickleTuple.of(items.subList(1, items.size()))));
                }
                case 'R' -> { Object args = pop(), f = pop(); push(call(f, tuple(args))); } // REDUCE
                case 0x81 -> { Object args = pop(), cls = pop(); push(call(cls, tuple(args))); } // NEWOBJ
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop(), args = pop(), cls = pop();
                    Opaque o = new Opaque(cls instanceof PickleGlobal g ? g : null, tuple(args));
                    if (!(kwargs instanceof Map<?, ?>)) throw bad("NEWOBJ_EX keyword arguments are not a dict");
                    push(cls instanceof PickleGlobal g && rebuilders.containsKey(g.qualifiedName()) && ((Map<?, ?>) kwargs).isEmpty()
                            ? call(cls, tuple(args)) : o);
                }
                case 'b' -> { Object state = pop(); build(peek(), state); } // BUILD
                case 'P' -> push(persistentLoader.load(line())); // PERSID
                case 'Q' -> push(persistentLoader.load(pop())); // BINPERSID
                case 0x82, 0x83, 0x84 -> throw bad("uses the copyreg extension registry (EXT opcodes), not supported");
                default -> throw bad(String.format("unknown opcode 0x%02x at byte %d", op, at));
            }
        }
    }

    // ---- globals and calls -------------------------------------------------------------------

    private PickleGlobal resolve(String module, String name) {
        PickleGlobal raw = new PickleGlobal(module, name);
        PickleGlobal g = protocol < 3 ? PickleGlobalPolicy.python3Name(module, name) : raw;
        globalsSeen.add(g.qualifiedName());
        if (PickleGlobalPolicy.denied(raw) || PickleGlobalPolicy.denied(PickleGlobalPolicy.python3Name(module, name))) {
            throw new GroundiffException(source + ": rejected: the pickle references " + raw.qualifiedName()
                    + (raw.equals(g) ? "" : " (" + g.qualifiedName() + ")")
                    + ", a code-executing or file/process-touching callable; nothing was executed");
        }
        return g;
    }

    private Object call(Object callable, PickleTuple args) {
        if (callable instanceof PickleGlobal g) {
            Rebuilder r = rebuilders.get(g.qualifiedName());
            return r != null ? r.rebuild(args) : new Opaque(g, args);
        }
        return new Opaque(null, args); // calling a placeholder or a value: nothing to call
    }

    private void build(Object target, Object state) {
        if (target instanceof Opaque o) o.setState(state);
        // other targets: dict/OrderedDict attributes (torch's _metadata) and the like are not needed
    }

    // ---- containers ----------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private void setItems(Object target, List<Object> items) {
        if (items.size() % 2 != 0) throw bad("odd number of items for a dict");
        if (target instanceof Opaque o) {
            o.addItems(items); // a dict subclass we do not build: keep the items, hash nothing
            return;
        }
        if (!(target instanceof LinkedHashMap<?, ?>)) throw bad("SETITEM on a " + typeName(target));
        Map<Object, Object> d = (Map<Object, Object>) target;
        for (int i = 0; i < items.size(); i += 2) d.put(key(items.get(i)), items.get(i + 1));
    }

    @SuppressWarnings("unchecked")
    private void appendAll(Object target, Collection<Object> items) {
        if (target instanceof ArrayList<?> l) ((List<Object>) l).addAll(items);
        else if (target instanceof Opaque o) o.addItems(new ArrayList<>(items));
        else throw bad("APPEND to a " + typeName(target));
    }

    private PickleTuple tuple(Object o) {
        if (o instanceof PickleTuple t) return t;
        throw bad("call arguments are a " + typeName(o) + ", not a tuple");
    }

    /** A dict key or set item must be hashable as in Python: no list, dict or set, bounded nesting. */
    private Object key(Object k) {
        checkHashable(k, 0);
        return k;
    }

    private void checkHashable(Object k, int depth) {
        if (depth > MAX_KEY_DEPTH) throw bad("dict key nested deeper than " + MAX_KEY_DEPTH);
        if (k instanceof PickleTuple t) {
            for (Object o : t) checkHashable(o, depth + 1);
        } else if (k instanceof List<?> || k instanceof Map<?, ?> || k instanceof Set<?> && !frozenSets.contains(k)) {
            throw bad("unhashable dict key (a " + typeName(k) + ")");
        }
    }

    // ---- stack -------------------------------------------------------------------------------

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) throw bad("stack underflow at byte " + buf.position());
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) throw bad("stack underflow at byte " + buf.position());
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (metastack.isEmpty()) throw bad("no MARK on the stack at byte " + buf.position());
        List<Object> items = stack;
        stack = metastack.pop();
        return items;
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) throw bad("memo entry " + index + " was never stored");
        return memo.get(index);
    }

    // ---- scalars -----------------------------------------------------------------------------

    private int u8() {
        return buf.get() & 0xFF;
    }

    private int len32() {
        long n = buf.getInt() & 0xFFFFFFFFL;
        return checkLen(n);
    }

    private int len64() {
        return checkLen(buf.getLong());
    }

    private int checkLen(long n) {
        if (n < 0 || n > buf.remaining()) throw bad("claims " + Long.toUnsignedString(n) + " bytes but only " + buf.remaining() + " are left");
        return (int) n;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[checkLen(n)];
        buf.get(b);
        return b;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    /** A newline-terminated text argument (protocol 0 opcodes). */
    private String line() {
        int start = buf.position();
        for (int p = start; p < buf.limit(); p++) {
            if (buf.get(p) == '\n') {
                byte[] b = new byte[p - start];
                buf.get(b);
                buf.get();
                return new String(b, StandardCharsets.ISO_8859_1);
            }
        }
        throw bad("text argument at byte " + start + " has no end of line (truncated)");
    }

    private Object longFromBytes(int n) {
        if (n > MAX_INT_DIGITS) throw bad("integer of " + n + " bytes is implausibly large");
        byte[] le = bytes(n);
        if (n == 0) return 0L;
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) be[i] = le[n - 1 - i];
        return narrow(new BigInteger(be));
    }

    private static Object narrow(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object textInt(String s) {
        s = s.trim();
        if (s.equals("00")) return Boolean.FALSE;
        if (s.equals("01")) return Boolean.TRUE;
        return textLong(s);
    }

    private Object textLong(String s) {
        s = s.trim();
        if (s.endsWith("L")) s = s.substring(0, s.length() - 1);
        if (s.length() > MAX_INT_DIGITS) throw bad("integer literal of " + s.length() + " digits is too long");
        return narrow(new BigInteger(s));
    }

    private long parseMemoIndex(String s) {
        s = s.trim();
        if (s.length() > 18) throw bad("memo index '" + s + "' is too large");
        long v = Long.parseLong(s);
        if (v < 0) throw bad("negative memo index");
        return v;
    }

    /** Protocol 0 STRING: a Python 2 repr literal in quotes. */
    private String pythonStringLiteral(String s) {
        if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"')) {
            throw bad("STRING argument is not quoted");
        }
        return unescape(s.substring(1, s.length() - 1), false);
    }

    private String rawUnicodeEscape(String s) {
        return unescape(s, true);
    }

    private String unescape(String s, boolean onlyUnicode) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char n = s.charAt(i + 1);
            int hex = n == 'x' && !onlyUnicode ? 2 : n == 'u' ? 4 : n == 'U' ? 8 : 0;
            if (hex > 0 && i + 2 + hex <= s.length()) {
                out.appendCodePoint(Integer.parseUnsignedInt(s.substring(i + 2, i + 2 + hex), 16) & 0x1FFFFF);
                i += 1 + hex;
            } else if (!onlyUnicode) {
                out.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case '0' -> '\0';
                    default -> n;
                });
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o instanceof Opaque || o instanceof PickleGlobal ? o.toString() : o.getClass().getSimpleName();
    }

    private GroundiffException bad(String what) {
        return new GroundiffException(source + ": invalid pickle: " + what);
    }

    static Set<Object> identitySet() {
        return java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    }
}
