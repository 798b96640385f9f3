package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import org.bytedeco.pytorch.Tensor;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flattens a loaded pickle tree into paths: dict keys and list/tuple indices joined with {@code /}
 * ({@code /state_dict/model.diffusion_model.conv_in.weight}, {@code /optimizer_states/0/state/0/exp_avg}).
 * Each container is expanded once (a pickle can share one container many times or make it contain
 * itself), so the walk is linear in the pickle's size.
 */
public final class CheckpointTree {
    private static final int MAX_DEPTH = 256;

    private CheckpointTree() {}

    public static void flatten(Object root, Map<String, Tensor> tensors, Map<String, Object> others, String source) {
        walk(root, "", tensors, others, PickleReader.identitySet(), 0, source);
    }

    private static void walk(Object node, String path, Map<String, Tensor> tensors, Map<String, Object> others,
                             Set<Object> seen, int depth, String source) {
        if (depth > MAX_DEPTH) throw new GroundiffException(source + ": objects nested deeper than " + MAX_DEPTH + " levels");
        String here = path.isEmpty() ? "/" : path;
        if (node instanceof Tensor t) {
            tensors.putIfAbsent(here, t);
            return;
        }
        boolean container = node instanceof Map<?, ?> || node instanceof List<?>;
        if (!container || ((node instanceof Map<?, ?> m && m.isEmpty()) || (node instanceof List<?> l && l.isEmpty()))) {
            others.putIfAbsent(here, node);
            return;
        }
        if (!seen.add(node)) {
            others.putIfAbsent(here, new SharedReference());
            return;
        }
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) walk(e.getValue(), path + "/" + keyString(e.getKey()), tensors, others, seen, depth + 1, source);
        } else {
            List<?> l = (List<?>) node;
            for (int i = 0; i < l.size(); i++) walk(l.get(i), path + "/" + i, tensors, others, seen, depth + 1, source);
        }
    }

    /** A container met a second time (shared or cyclic); its content is listed under its first path. */
    public static final class SharedReference {
        @Override
        public String toString() {
            return "<shared reference>";
        }
    }

    /** How a dict key appears in a path. */
    public static String keyString(Object key) {
        if (key == null) return "None";
        if (key instanceof Boolean b) return b ? "True" : "False";
        if (key instanceof PickleTuple t) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.size(); i++) sb.append(i > 0 ? "," : "").append(keyString(t.get(i)));
            return sb.append(')').toString();
        }
        return key.toString();
    }

    /** Python's name for a value's type, for messages. */
    public static String typeName(Object o) {
        if (o == null) return "None";
        if (o instanceof Tensor) return "tensor";
        if (o instanceof PickleTuple) return "tuple";
        if (o instanceof List<?>) return "list";
        if (o instanceof Map<?, ?>) return "dict";
        if (o instanceof Set<?>) return "set";
        if (o instanceof String) return "str";
        if (o instanceof Long || o instanceof java.math.BigInteger) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof Boolean) return "bool";
        if (o instanceof byte[]) return "bytes";
        return o.toString();
    }
}
