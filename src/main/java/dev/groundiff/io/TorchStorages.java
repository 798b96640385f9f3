package dev.groundiff.io;

import dev.groundiff.GroundiffException;
import dev.groundiff.torch.DType;
import dev.groundiff.torch.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What torch's pickles may rebuild: typed storages (from persistent ids) and tensors as strided views
 * of them ({@code _rebuild_tensor_v2}, {@code _rebuild_parameter}), plus {@code OrderedDict}. Each view
 * is checked to lie inside its storage before it is made.
 */
final class TorchStorages {
    /** A storage: a 1-D tensor over its bytes; views add {@code baseOffset} (legacy storage views). */
    record Storage(String key, DType dtype, long numel, Tensor data, long baseOffset) {}

    static final Map<String, DType> STORAGE_CLASSES = Map.of(
            "torch.BFloat16Storage", DType.BFLOAT16,
            "torch.BoolStorage", DType.BOOL,
            "torch.ByteStorage", DType.UINT8,
            "torch.CharStorage", DType.INT8,
            "torch.DoubleStorage", DType.FLOAT64,
            "torch.FloatStorage", DType.FLOAT32,
            "torch.HalfStorage", DType.FLOAT16,
            "torch.IntStorage", DType.INT32,
            "torch.LongStorage", DType.INT64,
            "torch.ShortStorage", DType.INT16);

    private static final int MAX_DIMS = 64;

    private TorchStorages() {}

    /** The rebuilders for {@link PickleReader}; {@code source} names the file in errors. */
    static Map<String, PickleReader.Rebuilder> rebuilders(String source) {
        Map<String, PickleReader.Rebuilder> r = new LinkedHashMap<>();
        r.put("collections.OrderedDict", args -> orderedDict(source, args));
        r.put("torch._utils._rebuild_tensor_v2", args -> tensor(source, args));
        r.put("torch._utils._rebuild_tensor", args -> tensor(source, args));
        r.put("torch._utils._rebuild_parameter", args -> parameter(source, args));
        r.put("torch._utils._rebuild_parameter_with_state", args -> parameter(source, args));
        return r;
    }

    /** The element type of a storage class named in a persistent id. */
    static DType storageType(String source, Object cls) {
        DType d = cls instanceof PickleGlobal g ? STORAGE_CLASSES.get(g.qualifiedName()) : null;
        if (d == null) throw new GroundiffException(source + ": unsupported storage type " + cls);
        return d;
    }

    private static Object orderedDict(String source, PickleTuple args) {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.isEmpty()) return m;
        if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
            for (Object p : pairs) {
                if (!(p instanceof List<?> kv) || kv.size() != 2) throw new GroundiffException(source + ": OrderedDict items are not pairs");
                Object k = kv.get(0);
                if (k instanceof List<?> && !(k instanceof PickleTuple) || k instanceof Map<?, ?>) {
                    throw new GroundiffException(source + ": unhashable OrderedDict key");
                }
                m.put(k, kv.get(1));
            }
            return m;
        }
        throw new GroundiffException(source + ": OrderedDict called with unexpected arguments");
    }

    private static Object parameter(String source, PickleTuple args) {
        if (args.isEmpty() || !(args.get(0) instanceof Tensor t)) throw new GroundiffException(source + ": _rebuild_parameter without a tensor");
        return t;
    }

    private static Object tensor(String source, PickleTuple args) {
        if (args.size() < 4 || !(args.get(0) instanceof Storage s)) {
            throw new GroundiffException(source + ": _rebuild_tensor_v2 needs (storage, offset, size, stride, ...)");
        }
        long offset = asLong(source, args.get(1), "storage offset");
        long[] size = longs(source, args.get(2), "size");
        long[] stride = longs(source, args.get(3), "stride");
        if (size.length != stride.length) throw new GroundiffException(source + ": tensor size and stride have different lengths");
        if (offset < 0) throw new GroundiffException(source + ": negative storage offset " + offset);
        long numel = 1;
        long last = offset;
        try {
            for (int i = 0; i < size.length; i++) {
                if (size[i] < 0 || stride[i] < 0) throw new GroundiffException(source + ": negative size or stride in storage '" + s.key() + "'");
                if (size[i] == 0) numel = 0;
            }
            if (numel != 0) {
                for (int i = 0; i < size.length; i++) {
                    numel = Math.multiplyExact(numel, size[i]);
                    last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new GroundiffException(source + ": tensor view of storage '" + s.key() + "' overflows");
        }
        if (numel == 0) return torch.empty(size, Tensors.options(s.dtype().scalarType), new MemoryFormatOptional());
        if (last >= s.numel()) {
            throw new GroundiffException(source + ": tensor view (offset " + offset + ", size " + java.util.Arrays.toString(size)
                    + ", stride " + java.util.Arrays.toString(stride) + ") ends at element " + last + " past storage '" + s.key()
                    + "' of " + s.numel() + " elements");
        }
        return s.data().as_strided(size, stride, new LongOptional(s.baseOffset() + offset));
    }

    static long asLong(String source, Object o, String what) {
        if (o instanceof Long l) return l;
        if (o instanceof Boolean b) return b ? 1 : 0;
        throw new GroundiffException(source + ": " + what + " is not an integer: " + (o == null ? "None" : o.getClass().getSimpleName()));
    }

    private static long[] longs(String source, Object o, String what) {
        if (!(o instanceof List<?> l)) throw new GroundiffException(source + ": tensor " + what + " is not a tuple");
        if (l.size() > MAX_DIMS) throw new GroundiffException(source + ": tensor with " + l.size() + " dimensions");
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(source, l.get(i), "tensor " + what);
        return out;
    }
}
